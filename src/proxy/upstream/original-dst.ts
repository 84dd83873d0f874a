// Cluster type ORIGINAL_DST with lb_policy CLUSTER_PROVIDED: hosts are not
// configured but created on demand from where each request was going, and
// removed again when unused for cleanup_interval (Envoy's original
// destination cluster and load balancer).
//
// Where the destination comes from, in Envoy's order:
//  1. original_dst_lb_config.use_http_header: the request header
//     (http_header_name, default x-envoy-original-dst-host) holding a fully
//     resolved `ip:port` (`[v6]:port`); present but not an address: no host.
//  2. the downstream connection's local address as restored by the listener
//     filter envoy.filters.listener.original_dst (SO_ORIGINAL_DST in Envoy).
//     Node cannot read SO_ORIGINAL_DST, so on weft the filter recovers only
//     the socket's own local address, which is this proxy's listener: a
//     destination equal to the address the connection arrived on would loop
//     back into the proxy and is never used (see docs/proxy.md).
// upstream_port_override replaces the port of either.
import net from 'node:net';
import { ConfigErrors, joinPath } from '../../common/errors.js';
import type { Clock } from '../../common/clock.js';
import type { envoy_config_cluster_v3_Cluster } from '../../xds/gen/types.js';
import { checkSupported, durationMs, wrapped } from '../config/support.js';
import type { LbContext, LbHost, LoadBalancer } from '../lb/types.js';

export type { DownstreamDestination } from '../lb/types.js';

/** Envoy's defaults for an original destination cluster. */
export const ORIGINAL_DST_DEFAULTS = {
  /** Cluster.cleanup_interval: hosts unused this long are removed. */
  cleanupIntervalMs: 5000,
  /** OriginalDstLbConfig.http_header_name when empty. */
  headerName: 'x-envoy-original-dst-host',
};

export interface OriginalDstConfig {
  /** Lower-case header name, when use_http_header is set. */
  readonly headerName?: string;
  readonly portOverride?: number;
  readonly cleanupIntervalMs: number;
}

/**
 * Decodes the ORIGINAL_DST parts of a cluster and checks Envoy's pairing
 * rules: ORIGINAL_DST only with CLUSTER_PROVIDED and no load_assignment,
 * CLUSTER_PROVIDED only with ORIGINAL_DST. Returns the config for an
 * ORIGINAL_DST cluster, undefined for any other.
 */
export function decodeOriginalDst(c: envoy_config_cluster_v3_Cluster, path: string, errs: ConfigErrors): OriginalDstConfig | undefined {
  const type = c.type ?? 'STATIC';
  const policy = c.lb_policy ?? 'ROUND_ROBIN';
  if (type !== 'ORIGINAL_DST') {
    if (policy === 'CLUSTER_PROVIDED' && !c.cluster_type) errs.error(joinPath(path, 'lb_policy'), `CLUSTER_PROVIDED is only valid for type ORIGINAL_DST (type is ${type})`);
    if (c.original_dst_lb_config) errs.error(joinPath(path, 'original_dst_lb_config'), 'only valid for type ORIGINAL_DST');
    if (c.cleanup_interval) errs.warn(joinPath(path, 'cleanup_interval'), 'has no effect: only ORIGINAL_DST clusters remove unused hosts');
    return undefined;
  }
  if (policy !== 'CLUSTER_PROVIDED') errs.error(joinPath(path, 'lb_policy'), `ORIGINAL_DST clusters take lb_policy CLUSTER_PROVIDED (got ${policy})`);
  if (c.load_assignment) errs.error(joinPath(path, 'load_assignment'), 'ORIGINAL_DST clusters must have no load_assignment');
  const cleanupIntervalMs = durationMs(c.cleanup_interval, ORIGINAL_DST_DEFAULTS.cleanupIntervalMs);
  if (cleanupIntervalMs <= 0) errs.error(joinPath(path, 'cleanup_interval'), 'must be greater than 0');
  const o = c.original_dst_lb_config;
  if (!o) return { cleanupIntervalMs };
  const p = joinPath(path, 'original_dst_lb_config');
  checkSupported(o, p, errs, ['use_http_header', 'http_header_name', 'upstream_port_override']);
  if (o.http_header_name && !o.use_http_header) errs.warn(joinPath(p, 'http_header_name'), 'has no effect without use_http_header: true');
  const portOverride = o.upstream_port_override ? wrapped(o.upstream_port_override, 0) : undefined;
  if (portOverride !== undefined && (portOverride < 1 || portOverride > 65535)) errs.error(joinPath(p, 'upstream_port_override'), 'must be between 1 and 65535');
  return {
    ...(o.use_http_header ? { headerName: (o.http_header_name || ORIGINAL_DST_DEFAULTS.headerName).toLowerCase() } : {}),
    ...(portOverride !== undefined ? { portOverride } : {}),
    cleanupIntervalMs,
  };
}

/** `ip:port` or `[v6]:port`, fully resolved (no names), as Envoy requires of the header. */
export function parseIpPort(v: string): { ip: string; port: number } | undefined {
  const m = /^\[([0-9a-fA-F:.]+)\]:(\d{1,5})$/.exec(v) ?? /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(v);
  if (!m) return undefined;
  const ip = m[1]!;
  const port = Number(m[2]);
  if (!net.isIP(ip) || port < 1 || port > 65535) return undefined;
  return { ip, port };
}

/** The cluster side: its host set, which the LB grows and shrinks. */
export interface OriginalDstHostSet {
  readonly hosts: readonly LbHost[];
  /** Replaces the host set, keeping the objects of hosts that stay. */
  setHosts(addrs: readonly { ip: string; port: number }[]): void;
}

export class OriginalDstLoadBalancer implements LoadBalancer {
  /** Hosts picked since the last cleanup. */
  private readonly used = new Set<string>();
  private timer: { cancel(): void };
  private closed = false;

  constructor(
    private readonly cluster: OriginalDstHostSet,
    private readonly cfg: OriginalDstConfig,
    private readonly clock: Clock,
    private readonly invalid: { inc(): void },
  ) {
    this.timer = this.scheduleCleanup();
  }

  pick(ctx?: LbContext): LbHost | undefined {
    const d = ctx?.downstream;
    if (!d) return undefined;
    let dst: { ip: string; port: number } | undefined;
    if (this.cfg.headerName !== undefined) {
      const v = d.header(this.cfg.headerName);
      if (v !== undefined) {
        dst = parseIpPort(v.trim());
        if (!dst) {
          this.invalid.inc();
          return undefined;
        }
      }
    }
    if (!dst && d.restored && !(d.restored.ip === d.local.ip && d.restored.port === d.local.port)) dst = d.restored;
    if (!dst) return undefined;
    const port = this.cfg.portOverride ?? dst.port;
    const key = net.isIPv6(dst.ip) ? `[${dst.ip}]:${port}` : `${dst.ip}:${port}`;
    this.used.add(key);
    let host = this.find(dst.ip, port);
    if (!host) {
      this.cluster.setHosts([...this.cluster.hosts.map((h) => ({ ip: h.address, port: h.port })), { ip: dst.ip, port }]);
      host = this.find(dst.ip, port);
    }
    return host;
  }

  private find(ip: string, port: number): LbHost | undefined {
    for (const h of this.cluster.hosts) if (h.port === port && h.address === ip) return h;
    return undefined;
  }

  /** Hosts are all created on demand; an update from elsewhere has nothing to add. */
  update(): void {}

  refreshHealth(): void {}

  /** Envoy's cleanup: every cleanup_interval, hosts not picked since the last one go (unless busy). */
  private scheduleCleanup(): { cancel(): void } {
    return this.clock.setTimer(this.cfg.cleanupIntervalMs, () => {
      if (this.closed) return;
      const keep = this.cluster.hosts.filter((h) => this.used.has(net.isIPv6(h.address) ? `[${h.address}]:${h.port}` : `${h.address}:${h.port}`) || h.activeRequests > 0);
      if (keep.length !== this.cluster.hosts.length) this.cluster.setHosts(keep.map((h) => ({ ip: h.address, port: h.port })));
      this.used.clear();
      this.timer = this.scheduleCleanup();
    });
  }

  close(): void {
    this.closed = true;
    this.timer.cancel();
  }
}
