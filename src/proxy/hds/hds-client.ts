// weft proxy's Health Discovery Service client (Envoy's HdsDelegate): one
// gRPC stream to the control plane, which answers the proxy's
// HealthCheckRequest with HealthCheckSpecifiers (clusters, their checks,
// their endpoints); the proxy checks those endpoints with its own active
// health checking and sends EndpointHealthResponse every `interval`.
// See docs/architecture/xds-server.md (HDS) and docs/proxy.md.
import { ConfigErrors } from '../../common/errors.js';
import type { Clock, TimerHandle } from '../../common/clock.js';
import type { Logger } from '../../common/log.js';
import type { Counter, StatsStore } from '../../stats/index.js';
import { decodeBinary, encodeBinary } from '../../xds/codec.js';
import type {
  envoy_config_core_v3_Node, envoy_service_health_v3_EndpointHealthResponse,
  envoy_service_health_v3_HealthCheckRequestOrEndpointHealthResponse, envoy_service_health_v3_HealthCheckSpecifier,
} from '../../xds/gen/types.js';
import type { HdsRuntime } from '../runtime.js';
import type { ProbeFactory } from '../upstream/health-check-probe.js';
import { AdsStream } from '../xds-client/ads-stream.js';
import { nodeProto } from '../xds-client/node.js';
import { grpcTarget } from '../config/address.js';
import { decodeHealthCheckSpecifier, type HdsPlan } from './decode-specifier.js';
import { HdsCluster } from './hds-cluster.js';
import type { HdsConfig } from './hds-config.js';
import { HDS_DEFAULTS, HDS_STREAM_METHOD } from './hds-defaults.js';

const UPSTREAM_MSG = 'envoy.service.health.v3.HealthCheckRequestOrEndpointHealthResponse';
const SPECIFIER = 'envoy.service.health.v3.HealthCheckSpecifier';

export interface HdsClientDeps {
  node: envoy_config_core_v3_Node;
  /** `host:port` of the HDS server now (a host of the hds_config cluster), or undefined when it has none. */
  target: () => string | undefined;
  authority: string;
  clock: Clock;
  random: () => number;
  stats: StatsStore;
  log: Logger;
  /** Probe seam for tests; the proxy's own probes by default. */
  probeFactory?: ProbeFactory;
}

/** hds_delegate.* under Envoy's names. */
class HdsStats {
  /** Specifiers received. */
  readonly requests: Counter;
  /** Messages sent: the HealthCheckRequest of each stream, then every report (Envoy counts both). */
  readonly responses: Counter;
  /** Stream failures and refused specifiers. */
  readonly errors: Counter;
  /** Specifiers that changed what is checked. */
  readonly updates: Counter;
  constructor(store: StatsStore) {
    this.requests = store.counter('hds_delegate.requests');
    this.responses = store.counter('hds_delegate.responses');
    this.errors = store.counter('hds_delegate.errors');
    this.updates = store.counter('hds_delegate.updates');
  }
}

export class HdsClient {
  readonly stats: HdsStats;
  private readonly stream: AdsStream;
  private readonly clusters = new Map<string, HdsCluster>();
  private reportIntervalMs = 0;
  private reportTimer: TimerHandle | undefined;
  private lastSpecifier = '';
  private stopped = false;

  constructor(private readonly deps: HdsClientDeps) {
    this.stats = new HdsStats(deps.stats);
    this.stream = new AdsStream(deps.target, HDS_STREAM_METHOD, deps.authority, {
      onOpen: () => this.onOpen(),
      onMessage: (b) => this.onMessage(b),
      onClose: (reason) => this.onClose(reason),
    }, deps.clock, deps.random, deps.log);
  }

  /** The client of a running proxy: its node, clocks, stats, and the hds_config cluster. */
  static forProxy(proxy: HdsRuntime, cfg: HdsConfig): HdsClient {
    const n = proxy.bootstrap.node;
    const ctx = proxy.ctx;
    return new HdsClient({
      node: nodeProto(n),
      target: () => {
        const h = ctx.clusters.get(cfg.cluster)?.pickHost();
        return h ? grpcTarget(h.address, h.port) : undefined;
      },
      authority: cfg.authority,
      clock: ctx.clock,
      random: ctx.random,
      stats: ctx.stats,
      log: proxy.logs.logger('hds'),
    });
  }

  start(): void {
    this.stream.start();
  }

  /** Names of the clusters being checked now (admin, tests). */
  clusterNames(): string[] {
    return [...this.clusters.keys()];
  }

  /** The cluster being checked under `name` (tests, admin). */
  cluster(name: string): HdsCluster | undefined {
    return this.clusters.get(name);
  }

  /** The report the next interval would send. */
  buildReport(): envoy_service_health_v3_EndpointHealthResponse {
    const perCluster = [...this.clusters.values()].map((c) => c.report());
    // Envoy sends the per-cluster form and, for servers that predate it, the same entries as the flat list.
    const flat = perCluster.flatMap((c) => (c.locality_endpoints_health ?? []).flatMap((l) => l.endpoints_health ?? []));
    return { ...(flat.length ? { endpoints_health: flat } : {}), ...(perCluster.length ? { cluster_endpoints_health: perCluster } : {}) };
  }

  stop(): void {
    this.stopped = true;
    this.reportTimer?.cancel();
    this.reportTimer = undefined;
    this.stream.stop();
    for (const c of this.clusters.values()) c.close();
    this.clusters.clear();
  }

  private send(msg: envoy_service_health_v3_HealthCheckRequestOrEndpointHealthResponse): void {
    this.stream.send(encodeBinary(UPSTREAM_MSG, msg));
    this.stats.responses.inc();
  }

  private onOpen(): void {
    this.send({ health_check_request: { node: this.deps.node, capability: { health_check_protocols: [...HDS_DEFAULTS.capability] } } });
  }

  private onClose(reason: string): void {
    // As Envoy: reports stop with the stream and resume with the next specifier; checks keep running meanwhile.
    this.stats.errors.inc();
    this.reportTimer?.cancel();
    this.reportTimer = undefined;
    this.reportIntervalMs = 0;
    this.deps.log.debug(`HDS stream closed: ${reason}`);
  }

  private onMessage(bytes: Buffer): void {
    if (this.stopped) return;
    this.stats.requests.inc();
    let spec: envoy_service_health_v3_HealthCheckSpecifier;
    try {
      spec = decodeBinary<envoy_service_health_v3_HealthCheckSpecifier>(SPECIFIER, bytes);
    } catch (e) {
      this.stats.errors.inc();
      this.deps.log.error(`HDS: cannot decode HealthCheckSpecifier: ${(e as Error).message}`);
      return;
    }
    const errs = new ConfigErrors();
    const plan = decodeHealthCheckSpecifier(spec, errs);
    for (const w of errs.warnings) this.deps.log.warn(`HDS specifier: ${w.path || '<root>'}: ${w.message}`);
    if (!plan) {
      this.stats.errors.inc();
      this.deps.log.error(`HDS specifier refused; still checking what the last good one named:\n${errs.errors.map((e) => `  ${e.path || '<root>'}: ${e.message}`).join('\n')}`);
      return;
    }
    this.apply(plan, spec);
  }

  private apply(plan: HdsPlan, spec: envoy_service_health_v3_HealthCheckSpecifier): void {
    const text = JSON.stringify(spec.cluster_health_checks ?? []);
    if (text !== this.lastSpecifier) {
      this.lastSpecifier = text;
      this.stats.updates.inc();
      const keep = new Set(plan.clusters.map((c) => c.name));
      for (const [name, c] of this.clusters) {
        if (!keep.has(name)) {
          c.close();
          this.clusters.delete(name);
        }
      }
      for (const p of plan.clusters) {
        const cur = this.clusters.get(p.name);
        if (cur && cur.sameChecks(p)) {
          cur.setEndpoints(p.localities);
          continue;
        }
        cur?.close();
        const c = new HdsCluster(p, { clock: this.deps.clock, random: this.deps.random, stats: this.deps.stats, log: this.deps.log }, this.deps.probeFactory);
        this.clusters.set(p.name, c);
        c.start();
      }
    }
    if (plan.reportIntervalMs !== this.reportIntervalMs || !this.reportTimer) {
      this.reportIntervalMs = plan.reportIntervalMs;
      this.armReport();
    }
  }

  private armReport(): void {
    this.reportTimer?.cancel();
    this.reportTimer = this.deps.clock.setTimer(this.reportIntervalMs, () => {
      this.reportTimer = undefined;
      if (this.stopped || !this.stream.connected) return;
      this.send({ endpoint_health_response: this.buildReport() });
      this.armReport();
    });
  }
}
