// The message for a type URL that weft's descriptor does not hold. Shared by
// the JSON decoder (which reports it) and by the binary decoders of the proxy
// (which meet `{ '@unknown': true }` Anys and report them the same way).
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
  const name = typeNameFromUrl(url);
  const payloads = anyPayloadTypeNames();
  const pkg = name.split('.').slice(0, -1);
  let scoped: string[] = [];
  for (let k = pkg.length; k >= 1 && scoped.length === 0; k--) {
    const prefix = `${pkg.slice(0, k).join('.')}.`;
    scoped = payloads.filter((p) => p.startsWith(prefix));
  }
  if (scoped.length === 0) scoped = payloads.filter((p) => p.startsWith('envoy.extensions.'));
  const listed = scoped.length > MAX_LISTED ? `${scoped.slice(0, MAX_LISTED).join(', ')}, … (${scoped.length - MAX_LISTED} more)` : scoped.join(', ');
  const short = name.slice(name.lastIndexOf('.') + 1);
  const twin = short ? allMessageTypeNames().find((t) => t !== name && t.endsWith(`.${short}`) && payloads.includes(t)) : undefined;
  const suggestion = twin ? `; did you mean "${TYPE_URL_PREFIX}${twin}"?` : '';
  return `unsupported type "${url}" (weft supports: ${listed})${suggestion}`;
}
