// Socket addresses: Envoy's core.v3.Address in, a host/port pair out.
// A `pipe` (Unix domain socket, as Istio's `sds-grpc` cluster uses to reach
// istio-agent, at a path relative to the working directory) is accepted only
// where the caller says it can use one; it decodes to the host `unix:<path>`
// with port 0 (no IP or DNS name starts so), and prints as the path, as Envoy
// prints pipe addresses.
import net from 'node:net';
import { ConfigErrors, joinPath } from '../../common/errors.js';
import type { envoy_config_core_v3_Address } from '../../xds/gen/types.js';
import { checkSupported } from './support.js';

export interface SocketAddr {
  /** IP literal or DNS name; for a pipe, `unix:` and its path (`unix:./var/run/x`, `unix:/run/x.sock`, `unix:@name` for the abstract namespace). */
  host: string;
  /** 0 for a pipe. */
  port: number;
}

/**
 * Decodes `address.socket_address` (or, with `allowPipe`, `address.pipe`);
 * `allowHostname` permits DNS names (clusters of DNS type).
 */
export function decodeSocketAddress(
  a: envoy_config_core_v3_Address | undefined,
  path: string,
  errs: ConfigErrors,
  opts: { allowHostname: boolean; allowPortZero?: boolean; allowPipe?: boolean },
): SocketAddr | undefined {
  if (!a) {
    errs.required(path, 'address is required');
    return undefined;
  }
  if (a.pipe && opts.allowPipe) return decodePipe(a, path, errs);
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

/** Longest Unix socket path Linux takes (sun_path is 108 bytes with its NUL). */
const MAX_PIPE_PATH = 107;

/** How a decoded pipe address is told apart from an IP or a DNS name. */
const PIPE_PREFIX = 'unix:';

function decodePipe(a: envoy_config_core_v3_Address, path: string, errs: ConfigErrors): SocketAddr | undefined {
  checkSupported(a, path, errs, ['pipe']);
  const p = joinPath(path, 'pipe');
  checkSupported(a.pipe!, p, errs, ['path']);
  const file = a.pipe!.path ?? '';
  if (!file) {
    errs.required(joinPath(p, 'path'), 'path is required');
    return undefined;
  }
  if (Buffer.byteLength(file) > MAX_PIPE_PATH) errs.error(joinPath(p, 'path'), `path is longer than ${MAX_PIPE_PATH} bytes (a Unix socket's limit)`);
  return { host: PIPE_PREFIX + file, port: 0 };
}

/** Whether a decoded host is a pipe (Unix socket) rather than an IP or DNS name. */
export function isPipeHost(host: string): boolean {
  return host.startsWith(PIPE_PREFIX);
}

/** Whether any of a cluster's endpoints is at a pipe (Unix socket) address. */
export function hasPipeEndpoint(endpoints: readonly { readonly host: string }[]): boolean {
  return endpoints.some((e) => isPipeHost(e.host));
}

/** `ip:port`, with brackets for IPv6, as Envoy prints addresses; a pipe prints as its path. */
export function formatAddr(host: string, port: number): string {
  if (isPipeHost(host)) return host.slice(PIPE_PREFIX.length);
  return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

/** A gRPC channel target for a decoded address (grpc-js: `unix:<path>`, relative or absolute; `unix-abstract:<name>`). */
export function grpcTarget(host: string, port: number): string {
  if (!isPipeHost(host)) return formatAddr(host, port);
  const file = host.slice(PIPE_PREFIX.length);
  return file.startsWith('@') ? `unix-abstract:${file.slice(1)}` : host;
}
