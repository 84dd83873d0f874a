// A live cluster: its hosts (static, DNS-resolved or from EDS), load
// balancer, circuit-breaker resources, stats and connection pools.
import dns from 'node:dns';
import net from 'node:net';
import type { Clock } from '../../common/clock.js';
import type { Logger } from '../../common/log.js';
import type { StatsStore } from '../../stats/index.js';
import type { ClusterConfig, EndpointConfig } from '../config/cluster.js';
import { createLoadBalancer } from '../lb/index.js';
import type { LbContext, LoadBalancer } from '../lb/index.js';
import { ClusterStats } from './cluster-stats.js';
import { H1Pool } from './h1-pool.js';
import { H2Pool } from './h2-pool.js';
import { UpstreamHost } from './host.js';
import { ResourceManager } from './resources.js';
import { OutlierDetector, type OutlierCluster } from './outlier-detector.js';
import { HealthChecker } from './health-checker.js';
import { OriginalDstLoadBalancer } from './original-dst.js';
import type { UpstreamCallbacks, UpstreamRequest, UpstreamRequestHead } from './types.js';
import type { ClusterDeps, PoolCluster } from './cluster-deps.js';
import { resolveTransportSocketMatch, type SocketMatchMetadata } from './transport-socket-match.js';
import { PLAINTEXT_TRANSPORT, type UpstreamTransport } from './upstream-connect.js';
import { UpstreamSslStats } from './upstream-ssl-stats.js';
import { AutoProtocol } from './auto-protocol.js';
import { createClientTlsProvider } from '../tls/client-tls-provider.js';
import { MemorySecretStore } from '../tls/secret-store.js';
import type { TransportSocketConfig } from '../tls/tls-config.js';

export type { ClusterDeps } from './cluster-deps.js';

const defaultLookup = async (name: string, family: 0 | 4 | 6): Promise<string[]> => {
  if (net.isIP(name)) return [name];
  const res = await dns.promises.lookup(name, { all: true, family });
  return res.map((r) => r.address);
};

export class UpstreamCluster implements OutlierCluster, PoolCluster {
  readonly stats: ClusterStats;
  readonly resources: ResourceManager;
  readonly clock: Clock;
  hosts: UpstreamHost[] = [];
  /** True for clusters from CDS (admin /clusters shows it). */
  addedViaApi = false;
  private lb: LoadBalancer;
  /** The ORIGINAL_DST load balancer, which the router feeds where each request was going. */
  originalDst: OriginalDstLoadBalancer | undefined;
  private readonly h1: H1Pool;
  private readonly h2: H2Pool;
  /** auto_config: the protocol each host chose by ALPN. */
  private readonly auto: AutoProtocol;
  /** The cluster's transport_socket, then one per transport_socket_matches entry. */
  private readonly defaultTransport: UpstreamTransport;
  private readonly matchTransports: UpstreamTransport[];
  private dnsTimer: { cancel(): void } | undefined;
  private closed = false;
  /** Resolves once the first host set is known (DNS clusters resolve first: Envoy's warming). */
  readonly initialized: Promise<void>;
  private markInitialized!: () => void;
  readonly log: Logger;
  /** Passive health checking, when outlier_detection is configured. */
  readonly outlier: OutlierDetector | undefined;
  private readonly healthCheckers: HealthChecker[];

  constructor(readonly config: ClusterConfig, private readonly deps: ClusterDeps) {
    this.clock = deps.clock;
    this.log = deps.log;
    this.stats = new ClusterStats(deps.stats, `cluster.${config.statName}.`);
    this.resources = new ResourceManager(config.circuitBreakers.default, this.stats);
    this.lb = config.originalDst
      ? (this.originalDst = new OriginalDstLoadBalancer(this, config.originalDst, deps.clock, deps.stats.counter(`cluster.${config.statName}.original_dst_host_invalid`)))
      : createLoadBalancer(config.lb.policy, [], { ...config.lb, overprovisioningFactor: config.overprovisioningFactor }, deps.random, () => deps.clock.now());
    const ssl = new UpstreamSslStats(deps.stats, `cluster.${config.statName}.ssl.`);
    const secrets = deps.secrets ?? new MemorySecretStore();
    const transport = (ts: TransportSocketConfig, name: string, index: number, counted: boolean): UpstreamTransport => {
      const matchCount = counted ? deps.stats.counter(`cluster.${config.statName}.${name}.total_match_count`) : undefined;
      if (ts.kind !== 'tls_upstream') return index === -1 && !counted ? PLAINTEXT_TRANSPORT : { name, index, tls: undefined, ssl: undefined, matchCount };
      const provider = createClientTlsProvider(ts.tls, { secrets, statPrefix: ssl.prefix, autoSanValidation: config.upstreamHttp.autoSanValidation });
      return { name, index, tls: provider, ssl, matchCount };
    };
    // Envoy names the default "default" (its stat is not under "default." and weft does not emit it).
    this.defaultTransport = transport(config.transportSocket, 'default', -1, false);
    this.matchTransports = config.transportSocketMatches.map((m, i) => transport(m.transportSocket, m.name, i, true));
    this.h1 = new H1Pool(this);
    this.h2 = new H2Pool(this);
    this.auto = new AutoProtocol(this, this.h1, this.h2);
    this.initialized = new Promise((r) => (this.markInitialized = r));
    this.outlier = config.outlierDetection ? new OutlierDetector(this, config.outlierDetection, deps) : undefined;
    this.healthCheckers = config.healthChecks.map((hc) => new HealthChecker(this, hc, deps));
    void this.initialized.then(() => {
      if (!this.closed) for (const h of this.healthCheckers) h.start();
    });
    if (config.type === 'STATIC' || config.type === 'EDS') {
      this.setEndpoints(config.endpoints, config.overprovisioningFactor);
      if (config.type === 'STATIC') this.markInitialized();
    } else if (config.type === 'ORIGINAL_DST') {
      // No hosts until requests name them.
      this.markInitialized();
    } else {
      void this.resolveDns();
    }
  }

  /**
   * Replaces the host set. Hosts whose address, port and weight survive keep
   * their objects (and so their connections and health); the rest are
   * created or retired.
   */
  setEndpoints(endpoints: readonly EndpointConfig[], overprovisioningFactor?: number): void {
    const old = new Map(this.hosts.map((h) => [h.key + '|' + h.priority, h]));
    const next: UpstreamHost[] = [];
    for (const e of endpoints) {
      const probe = new UpstreamHost(e.host, e.port, e.weight, e.priority, e.locality, e.hostname, e.healthy);
      const prev = old.get(probe.key + '|' + e.priority);
      if (prev && !next.includes(prev)) {
        prev.weight = e.weight;
        prev.locality = e.locality;
        if (e.healthy) prev.healthFlags.delete('failed_eds_health');
        else prev.healthFlags.add('failed_eds_health');
        prev.refreshHealth();
        next.push(prev);
        old.delete(probe.key + '|' + e.priority);
      } else {
        probe.slowStartFrom = this.clock.now();
        next.push(probe);
      }
      const host = next[next.length - 1]!;
      host.socketMatch = e.socketMatch;
      host.transport = this.transportFor(e.socketMatch);
    }
    for (const gone of old.values()) gone.removed = true;
    const changed = old.size > 0 || next.length !== this.hosts.length || next.some((h, i) => h !== this.hosts[i]);
    this.hosts = next;
    this.lb.update(next, overprovisioningFactor);
    if (changed) this.stats.membershipChange.inc();
    this.outlier?.onHostsChanged();
    for (const h of this.healthCheckers) h.onHostsChanged();
    this.refreshMembership();
    if (this.config.type === 'EDS') this.markInitialized();
  }

  /** ORIGINAL_DST: the host set the load balancer builds on demand. */
  setHosts(addrs: readonly { ip: string; port: number }[]): void {
    this.setEndpoints(addrs.map((a) => ({ host: a.ip, port: a.port, hostname: a.ip, weight: 1, priority: 0, locality: '', healthy: true })));
  }

  get statPrefix(): string {
    return this.stats.prefix;
  }

  /** The transport socket of an endpoint: the first transport_socket_matches entry its labels match, else the cluster's. */
  private transportFor(md: SocketMatchMetadata | undefined): UpstreamTransport {
    const i = resolveTransportSocketMatch(this.config.transportSocketMatches, md);
    return i < 0 ? this.defaultTransport : this.matchTransports[i]!;
  }

  /** Health flags changed (health check, outlier ejection): recompute gauges and load balancing. */
  onHealthChanged(): void {
    this.lb.refreshHealth();
    this.refreshMembership();
  }

  refreshMembership(): void {
    this.stats.membershipTotal.set(this.hosts.length);
    let healthy = 0;
    for (const h of this.hosts) if (h.healthy) healthy++;
    this.stats.membershipHealthy.set(healthy);
  }

  private async resolveDns(): Promise<void> {
    if (this.closed) return;
    const lookup = this.deps.lookup ?? defaultLookup;
    const fam: 0 | 4 | 6 = this.config.dnsLookupFamily === 'V4_ONLY' ? 4 : this.config.dnsLookupFamily === 'V6_ONLY' ? 6 : 0;
    const out: EndpointConfig[] = [];
    let ok = true;
    for (const e of this.config.endpoints) {
      try {
        let addrs = await lookup(e.host, fam);
        if (this.config.dnsLookupFamily === 'V4_PREFERRED' || this.config.dnsLookupFamily === 'AUTO') {
          const v4 = addrs.filter((a) => net.isIPv4(a));
          const v6 = addrs.filter((a) => !net.isIPv4(a));
          addrs = this.config.dnsLookupFamily === 'AUTO' ? (v6.length ? v6 : v4) : v4.length ? v4 : v6;
        }
        // LOGICAL_DNS uses only the first address, re-resolved for new connections.
        if (this.config.type === 'LOGICAL_DNS') addrs = addrs.slice(0, 1);
        for (const a of addrs) out.push({ ...e, host: a, hostname: e.hostname === e.host ? e.host : e.hostname });
      } catch (err) {
        ok = false;
        this.log.warn(`cluster ${this.config.name}: DNS resolution of ${e.host} failed: ${(err as Error).message}`);
      }
    }
    if (this.closed) return;
    if (ok || out.length > 0) {
      this.stats.updateSuccess.inc();
      this.setEndpoints(out);
    } else this.stats.updateFailure.inc();
    this.markInitialized();
    this.dnsTimer = this.clock.setTimer(this.config.dnsRefreshRateMs, () => void this.resolveDns());
  }

  /** Picks a host with the cluster's policy; undefined when none is usable. */
  pickHost(ctx?: LbContext): UpstreamHost | undefined {
    return this.lb.pick(ctx) as UpstreamHost | undefined;
  }

  /** Starts a request on `host` with the cluster's upstream protocol. */
  newRequest(host: UpstreamHost, downstreamProtocol: string, head: UpstreamRequestHead, cb: UpstreamCallbacks): UpstreamRequest {
    const sni = this.autoSni(host, head);
    const p = this.config.protocol;
    if (p === 'auto' && host.transport.tls && !head.upgrade) return this.auto.newRequest(host, head, cb, sni);
    const useH2 = p === 'http2' || (p === 'downstream' && downstreamProtocol === 'HTTP/2');
    if (useH2 && !head.upgrade) return this.h2.newRequest(host, head, cb, sni);
    return this.h1.newRequest(host, head, cb, sni);
  }

  /**
   * auto_sni: the request's host (or override_auto_sni_header's value), port
   * removed, becomes the connection's SNI. '' when off or not over TLS.
   */
  private autoSni(host: UpstreamHost, head: UpstreamRequestHead): string {
    const u = this.config.upstreamHttp;
    if (!u.autoSni || !host.transport.tls) return '';
    const v = (u.overrideAutoSniHeader && head.headers.get(u.overrideAutoSniHeader)) || head.authority;
    return stripPort(v);
  }

  /** Stops DNS refresh and closes idle connections; in-flight requests finish. */
  close(): void {
    this.closed = true;
    this.dnsTimer?.cancel();
    this.originalDst?.close();
    this.outlier?.close();
    for (const h of this.healthCheckers) h.close();
    this.h1.close();
    this.h2.close();
    // Secret subscriptions end with the cluster; open connections keep their own contexts.
    for (const t of [this.defaultTransport, ...this.matchTransports]) t.tls?.close();
  }
}

/** `host[:port]` or `[v6]:port` without the port. */
function stripPort(authority: string): string {
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    return end > 0 ? authority.slice(1, end) : authority;
  }
  const i = authority.lastIndexOf(':');
  return i >= 0 && authority.indexOf(':') === i ? authority.slice(0, i) : authority;
}
