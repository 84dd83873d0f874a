// Request trailers a proxy must not pass on. RFC 9110 §6.5.1: a trailer may
// not carry fields needed for framing, routing, request modifiers,
// authentication, or content handling, and a recipient must not merge such a
// trailer into the header section. Forwarding them lets a client smuggle
// e.g. a second `host` or `content-length` past the checks made on the head,
// to an upstream that merges trailers; weft drops them.
import type { HeaderMap } from './headers.js';

/** Field names never forwarded in request trailers (lower case). */
export const FORBIDDEN_TRAILERS: ReadonlySet<string> = new Set([
  // framing and connection control
  'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'proxy-connection', 'upgrade', 'te', 'trailer',
  // routing
  'host',
  // request modifiers (controls and conditionals)
  'cache-control', 'expect', 'max-forwards', 'pragma', 'range',
  'if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since', 'if-range',
  // authentication
  'authorization', 'proxy-authorization', 'www-authenticate', 'proxy-authenticate', 'cookie', 'set-cookie',
  // content handling
  'content-encoding', 'content-type', 'content-range',
]);

/** Removes forbidden fields (and any pseudo-header) from request trailers; returns how many names were dropped. */
export function dropForbiddenTrailers(trailers: HeaderMap): number {
  let dropped = 0;
  for (const n of new Set(trailers.names)) {
    if ((FORBIDDEN_TRAILERS.has(n) || n.charCodeAt(0) === 58 /* : */) && trailers.remove(n)) dropped++;
  }
  return dropped;
}
