// Socket addresses: Envoy's core.v3.Address in, a host/port pair out.
import net from 'node:net';
import { ConfigErrors, joinPath } from '../../common/errors.js';
import type { envoy_config_core_v3_Address } from '../../xds/gen/types.js';
import { checkSupported } from './support.js';

export interface SocketAddr {
  /** IP literal or DNS name. */
  host: string;
  port: number;
}

/** Decodes `address.socket_address`; `allowHostname` permits DNS names (clusters of DNS type). */
export function decodeSocketAddress(
  a: envoy_config_core_v3_Address | undefined,
  path: string,
  errs: ConfigErrors,
  opts: { allowHostname: boolean; allowPortZero?: boolean },
): SocketAddr | undefined {
  if (!a) {
    errs.required(path, 'address is required');
    return undefined;
  }
  checkSupported(a, path, errs, ['socket_address']);
  const sa = a.socket_address;
  if (!sa) {
    if (!a.pipe && !a.envoy_internal_address) errs.required(joinPath(path, 'socket_address'), 'socket_address is required');
    return undefined;
  }
  const p = joinPath(path, 'socket_address');
  checkSupported(sa, p, errs, ['address', 'port_value', 'protocol', 'ipv4_compat']);
  if (sa.protocol === 'UDP') errs.unsupported(joinPath(p, 'protocol'), 'UDP');
  const host = sa.address ?? '';
  if (!host) errs.required(joinPath(p, 'address'), 'address is required');
  else if (!opts.allowHostname && net.isIP(host) === 0) errs.error(joinPath(p, 'address'), `"${host}" is not an IP address (DNS names need a STRICT_DNS or LOGICAL_DNS cluster)`);
  const port = sa.port_value ?? 0;
  if (port > 65535) errs.error(joinPath(p, 'port_value'), `port ${port} out of range`);
  if (port === 0 && !opts.allowPortZero) errs.required(joinPath(p, 'port_value'), 'port_value is required');
  return { host, port };
}

/** `ip:port`, with brackets for IPv6, as Envoy prints addresses. */
export function formatAddr(host: string, port: number): string {
  return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}
