// Messages for a type URL that weft's descriptor does not hold: the JSON
// decoder's (no list: the position's decoder names what it supports), and
// the list-carrying one for places with no position (a top-level xDS
// resource, the encoders).
import { allMessageTypeNames, anyPayloadTypeNames } from './schema.js';
import { TYPE_URL_PREFIX, typeNameFromUrl } from './type-urls.js';

/** Longest list printed; beyond it the message says how many more there are. */
const MAX_LISTED = 12;

/**
 * `unsupported type "<url>" (weft supports: …)`. The list is scoped to the
 * payload types that share the longest package prefix with the requested one
 * (an unknown HTTP filter lists the HTTP filters), and a type of the same
 * short name in another package (a v2 type's v3 successor) is suggested.
 */
export function unsupportedTypeMessage(url: string): string {
  return `unsupported type "${url}" (weft supports: ${scopedPayloads(url)})${twinSuggestion(url)}`;
}

/**
 * `unsupported type "<url>"`, with the v3 successor suggested when there is
 * one, and no list: what is supported depends on the position the Any sits
 * in, and the decoder of that position names it (the descriptor also holds
 * types only the control plane uses, so its list would mislead).
 */
export function unknownTypeMessage(url: string): string {
  return `unsupported type "${url}"${twinSuggestion(url)}`;
}

/** A known type of the same short name in another package (a v2 type's v3 successor), as a type URL. */
export function successorTypeUrl(url: string): string | undefined {
  const name = typeNameFromUrl(url);
  const payloads = anyPayloadTypeNames();
  const short = name.slice(name.lastIndexOf('.') + 1);
  const twin = short ? allMessageTypeNames().find((t) => t !== name && t.endsWith(`.${short}`) && payloads.includes(t)) : undefined;
  return twin ? `${TYPE_URL_PREFIX}${twin}` : undefined;
}

function twinSuggestion(url: string): string {
  const twin = successorTypeUrl(url);
  return twin ? `; did you mean "${twin}"?` : '';
}

function scopedPayloads(url: string): string {
  const name = typeNameFromUrl(url);
  const payloads = anyPayloadTypeNames();
  const pkg = name.split('.').slice(0, -1);
  let scoped: string[] = [];
  for (let k = pkg.length; k >= 1 && scoped.length === 0; k--) {
    const prefix = `${pkg.slice(0, k).join('.')}.`;
    scoped = payloads.filter((p) => p.startsWith(prefix));
  }
  if (scoped.length === 0) scoped = payloads.filter((p) => p.startsWith('envoy.extensions.'));
  return scoped.length > MAX_LISTED ? `${scoped.slice(0, MAX_LISTED).join(', ')}, … (${scoped.length - MAX_LISTED} more)` : scoped.join(', ');
}
