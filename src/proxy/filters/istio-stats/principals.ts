// Peer identity for source_principal / destination_principal and
// connection_security_policy, from the connection's URI SANs (SPIFFE IDs):
// the downstream TLS connection's certificates (what %DOWNSTREAM_PEER_URI_SAN%
// and %DOWNSTREAM_LOCAL_URI_SAN% print) on the server side, the upstream
// connection's on the client side. HTTP and TCP read the same StreamInfo.
import type { StreamInfo } from '../../access-log/stream-info.js';
import { MUTUAL_TLS, NONE, UNKNOWN } from './defaults.js';

/** The first URI SAN of each certificate of one TLS connection; '' when none. */
export interface UriSans {
  readonly peer: string;
  readonly local: string;
}

/** The downstream TLS connection's URI SANs (server sidecar); undefined over plaintext. */
export function downstreamUriSans(info: StreamInfo): UriSans | undefined {
  const t = info.downstreamTls;
  if (!t) return undefined;
  return { peer: t.peerCertificate?.uriSans[0] ?? '', local: t.localCertificate?.uriSans[0] ?? '' };
}

/** The upstream TLS connection's URI SANs (client sidecar); undefined over plaintext or before a connection. */
export function upstreamUriSans(info: StreamInfo): UriSans | undefined {
  if (info.upstreamPeerUriSans === undefined) return undefined;
  return { peer: info.upstreamPeerUriSans[0] ?? '', local: info.upstreamLocalUriSans?.[0] ?? '' };
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
