// Registered request methods. Like Envoy (without `allow_custom_methods`) and
// Node's llhttp, weft accepts only these by default: an unknown method is far
// more often a desynchronised stream or a probe than a real extension.

const REGISTERED = [
  'ACL', 'BIND', 'CHECKOUT', 'CONNECT', 'COPY', 'DELETE', 'GET', 'HEAD', 'LINK', 'LOCK', 'M-SEARCH',
  'MERGE', 'MKACTIVITY', 'MKCALENDAR', 'MKCOL', 'MOVE', 'NOTIFY', 'OPTIONS', 'PATCH', 'POST',
  'PROPFIND', 'PROPPATCH', 'PURGE', 'PUT', 'QUERY', 'REBIND', 'REPORT', 'SEARCH', 'SOURCE',
  'SUBSCRIBE', 'TRACE', 'UNBIND', 'UNLINK', 'UNLOCK', 'UNSUBSCRIBE',
] as const;

/** Maps a method as read to the interned constant, so later comparisons are cheap. */
const INTERNED = new Map<string, string>(REGISTERED.map((m) => [m, m]));

/** The registered method names (case-sensitive, as RFC 9110 §9.1 says). */
export const REGISTERED_METHODS: readonly string[] = REGISTERED;

/** Interned method string, or undefined when `m` is not registered. */
export function internMethod(m: string): string | undefined {
  return INTERNED.get(m);
}
