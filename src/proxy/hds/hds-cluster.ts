// One cluster the control plane asked this proxy to health-check over HDS: a
// host set that carries no traffic, checked by the same HealthChecker (and
// probes) as the proxy's own clusters, and read back as a report.
import type {
  envoy_config_core_v3_HealthStatus, envoy_service_health_v3_ClusterEndpointsHealth, envoy_service_health_v3_EndpointHealth,
} from '../../xds/gen/types.js';
import type { ClusterDeps } from '../upstream/cluster-deps.js';
import { createProbe, HealthChecker } from '../upstream/health-checker.js';
import type { HealthProbe, ProbeFactory } from '../upstream/health-check-probe.js';
import { UpstreamHost } from '../upstream/host.js';
import type { OutlierCluster } from '../upstream/outlier-detector.js';
import type { HdsClusterPlan, HdsLocality } from './decode-specifier.js';

/** What the last finished check of a host said, beyond the health flag the checker keeps. */
interface CheckNote {
  checked: boolean;
  timedOut: boolean;
  degraded: boolean;
}

export class HdsCluster implements OutlierCluster {
  hosts: UpstreamHost[] = [];
  /** Envoy scopes an HDS cluster's stats as `cluster.<name>.`, like any cluster. */
  readonly statPrefix: string;
  readonly config: { readonly name: string };
  readonly outlier = undefined;
  private localities: { locality: HdsLocality['locality']; hosts: UpstreamHost[] }[] = [];
  private readonly notes = new Map<string, CheckNote>();
  private readonly checker: HealthChecker;

  constructor(readonly plan: HdsClusterPlan, deps: ClusterDeps, probeFactory: ProbeFactory = createProbe) {
    this.config = { name: plan.name };
    this.statPrefix = `cluster.${plan.name}.`;
    this.place(plan.localities);
    this.checker = new HealthChecker(this, plan.healthCheck, deps, this.noting(probeFactory));
    // Sessions exist before start(), as for a cluster's first host set (start() begins each once).
    this.checker.onHostsChanged();
  }

  /** Starts checking (every host begins as failed_active_hc, as in any checked cluster). */
  start(): void {
    this.checker.start();
  }

  /** Whether `plan` can be applied by setEndpoints (same checks), or needs a new HdsCluster. */
  sameChecks(plan: HdsClusterPlan): boolean {
    return JSON.stringify(plan.healthCheck.source) === JSON.stringify(this.plan.healthCheck.source);
  }

  /** New endpoint list: hosts that stay keep their state and schedule; new ones are checked now. */
  setEndpoints(localities: readonly HdsLocality[]): void {
    this.place(localities);
    const live = new Set(this.hosts.map((h) => h.key));
    for (const k of this.notes.keys()) if (!live.has(k)) this.notes.delete(k);
    this.checker.onHostsChanged();
  }

  /** Nothing routes over an HDS cluster: health changes only show up in the next report. */
  onHealthChanged(): void {}

  /** The cluster's part of EndpointHealthResponse, grouped by the specifier's localities. */
  report(): envoy_service_health_v3_ClusterEndpointsHealth {
    return {
      cluster_name: this.plan.name,
      locality_endpoints_health: this.localities.map((l) => ({
        ...(l.locality ? { locality: l.locality } : {}),
        endpoints_health: l.hosts.map((h): envoy_service_health_v3_EndpointHealth => ({
          endpoint: { address: { socket_address: { address: h.address, port_value: h.port } } },
          health_status: this.statusOf(h),
        })),
      })),
    };
  }

  /**
   * HEALTHY while the checker keeps the host routable (DEGRADED when the host
   * said x-envoy-degraded); before its first check finishes UNKNOWN, so a
   * control plane never acts on the "unhealthy until checked" start state
   * (Envoy reports UNHEALTHY there); TIMEOUT when the last check timed out,
   * else UNHEALTHY.
   */
  statusOf(h: UpstreamHost): envoy_config_core_v3_HealthStatus {
    const n = this.notes.get(h.key);
    if (!n?.checked) return 'UNKNOWN';
    if (h.healthy) return n.degraded ? 'DEGRADED' : 'HEALTHY';
    return n.timedOut ? 'TIMEOUT' : 'UNHEALTHY';
  }

  close(): void {
    this.checker.close();
  }

  private place(localities: readonly HdsLocality[]): void {
    const old = new Map(this.hosts.map((h) => [h.key, h]));
    const hosts: UpstreamHost[] = [];
    this.localities = localities.map((l) => {
      const group: UpstreamHost[] = [];
      for (const e of l.endpoints) {
        const h = old.get(e.key) ?? new UpstreamHost(e.host, e.port, 1, 0, '', e.host, true);
        old.delete(e.key);
        group.push(h);
        hosts.push(h);
      }
      return { locality: l.locality, hosts: group };
    });
    this.hosts = hosts;
  }

  /** Wraps probes to learn what the checker does not keep: whether a host was checked, timed out, or is degraded. */
  private noting(factory: ProbeFactory): ProbeFactory {
    return (target, config, stats) => {
      const inner = factory(target, config, stats);
      const key = this.hosts.find((h) => h.address === target.address && h.port === target.port)?.key ?? `${target.address}:${target.port}`;
      const note = (): CheckNote => {
        let n = this.notes.get(key);
        if (!n) this.notes.set(key, (n = { checked: false, timedOut: false, degraded: false }));
        return n;
      };
      const probe: HealthProbe = {
        start: (done) => inner.start((o) => {
          const n = note();
          n.checked = true;
          n.timedOut = false;
          n.degraded = o.ok && o.degraded;
          done(o);
        }),
        abort: () => {
          // The checker aborts a probe only when its timeout fired.
          const n = note();
          n.checked = true;
          n.timedOut = true;
          n.degraded = false;
          inner.abort();
        },
        close: () => inner.close(),
      };
      return probe;
    };
  }
}
