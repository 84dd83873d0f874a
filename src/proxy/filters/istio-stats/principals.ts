// Peer identity for source_principal / destination_principal and
// connection_security_policy, from the connection's URI SANs (SPIFFE IDs).
//
// SEAM for the lead: `downstreamUriSans` and `upstreamUriSans` return
// undefined until the TLS work puts the peer and local URI SANs on the
// connection (%DOWNSTREAM_PEER_URI_SAN% / %DOWNSTREAM_LOCAL_URI_SAN%, and the
// upstream connection's). Wire them there; everything below them is done.
import type { FilterStream } from '../../http/filter.js';
import { MUTUAL_TLS, NONE, UNKNOWN } from './defaults.js';

/** The first URI SAN of each certificate of one TLS connection; '' when none. */
export interface UriSans {
  readonly peer: string;
  readonly local: string;
}

/** SEAM: the downstream connection's URI SANs (server sidecar), once the TLS part exposes them. */
export function downstreamUriSans(_s: FilterStream): UriSans | undefined {
  return undefined;
}

/** SEAM: the upstream connection's URI SANs (client sidecar), once the TLS part exposes them. */
export function upstreamUriSans(_s: FilterStream): UriSans | undefined {
  return undefined;
}

export interface Principals {
  /** The peer's SPIFFE ID, '' when unknown. */
  readonly peer: string;
  readonly local: string;
  /** connection_security_policy: only the server side knows it; the client side reports `unknown`, as Istio's does. */
  readonly securityPolicy: string;
}

/** Istio's rule: mutual_tls when both certificates carry a URI SAN; the client reporter leaves it unknown. */
export function principalsOf(reporter: 'source' | 'destination', sans: UriSans | undefined): Principals {
  const peer = sans?.peer ?? '';
  const local = sans?.local ?? '';
  const securityPolicy = reporter === 'destination' ? (peer !== '' && local !== '' ? MUTUAL_TLS : NONE) : UNKNOWN;
  return { peer, local, securityPolicy };
}

/** The namespace in `spiffe://<td>/ns/<namespace>/sa/<sa>`, or ''. */
export function namespaceOfPrincipal(principal: string): string {
  const i = principal.indexOf('/ns/');
  if (i < 0) return '';
  const start = i + 4;
  const end = principal.indexOf('/', start);
  return end < 0 ? principal.slice(start) : principal.slice(start, end);
}
