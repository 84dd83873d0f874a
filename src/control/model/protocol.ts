// Istio's port protocols (pkg/config/protocol): names are case-insensitive;
// when a port has no protocol, its name's prefix before "-" decides, as for
// Kubernetes Services ("http-web" → HTTP, "grpc" → GRPC).
import type { PortProtocol } from './types.js';

const PROTOCOLS: ReadonlyMap<string, PortProtocol> = new Map<string, PortProtocol>([
  ['http', 'HTTP'],
  ['http2', 'HTTP2'],
  ['grpc', 'GRPC'],
  ['grpc-web', 'GRPC-WEB'],
  ['https', 'HTTPS'],
  ['tls', 'TLS'],
  ['tcp', 'TCP'],
  ['mongo', 'MONGO'],
  ['redis', 'REDIS'],
  ['mysql', 'MYSQL'],
  ['udp', 'UDP'],
]);

/** An Istio protocol name ("http", "GRPC") → PortProtocol; unknown names → 'UNSUPPORTED'. */
export function parseProtocol(name: string): PortProtocol {
  return PROTOCOLS.get(name.toLowerCase()) ?? 'UNSUPPORTED';
}

/**
 * The protocol of a service port. An explicit `protocol` wins (unknown →
 * UNSUPPORTED, which validation reports). Without one, the port name's
 * prefix decides ("http-foo", "grpc-web-x", "tcp"); a name that names no
 * protocol gives TCP: Istio would sniff the protocol there, and with
 * sniffing off (weft has none) Istio treats such ports as TCP.
 */
export function portProtocol(protocol: string | undefined, portName: string | undefined): PortProtocol {
  if (protocol !== undefined && protocol !== '') return parseProtocol(protocol);
  const name = (portName ?? '').toLowerCase();
  if (name.startsWith('grpc-web')) return 'GRPC-WEB';
  const dash = name.indexOf('-');
  const prefix = dash >= 0 ? name.slice(0, dash) : name;
  const p = PROTOCOLS.get(prefix);
  return p ?? 'TCP';
}
