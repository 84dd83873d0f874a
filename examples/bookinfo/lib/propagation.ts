// Headers an app copies from the request it serves onto the requests it makes.
// A mesh can join spans into one trace, and route on the user, only if the
// app forwards these: the sidecar cannot tell which outgoing call belongs to
// which incoming one.
import type { IncomingHttpHeaders } from 'node:http';

/** Lower-case names, as node:http presents them. */
export const PROPAGATED_HEADERS: readonly string[] = [
  // Request identity (Envoy sets it at the edge; every hop keeps it).
  'x-request-id',
  // Zipkin B3, multi-header and single-header forms.
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'x-b3-flags',
  'b3',
  // W3C trace context.
  'traceparent',
  'tracestate',
  // The logged-in user; VirtualServices match on it (scenarios 3 and 4).
  'end-user',
];

/** The propagated headers present on `incoming`, first value only. */
export function pickPropagated(incoming: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of PROPAGATED_HEADERS) {
    const v = incoming[name];
    if (typeof v === 'string') out[name] = v;
    else if (Array.isArray(v) && v.length > 0) out[name] = v[0]!;
  }
  return out;
}
