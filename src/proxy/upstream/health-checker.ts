// Active health checking with Envoy's state machine: every host in a checked
// cluster starts as failed_active_hc, the first passing check makes it healthy
// at once, after that healthy_threshold passes in a row are needed; a host
// turns unhealthy after unhealthy_threshold network failures (connect error,
// reset, timeout) or at once on an answer that says "unhealthy" (an
// unexpected HTTP status, NOT_SERVING). The wire work lives in the probes
// (health-check-http.ts, -tcp.ts, -grpc.ts). See docs/architecture/health-checking.md.
import type { TimerHandle } from '../../common/clock.js';
import type { Counter } from '../../stats/index.js';
import type { ClusterDeps } from './cluster-deps.js';
import type { HealthCheckConfig } from './health-check-config.js';
import { GrpcProbe } from './health-check-grpc.js';
import { HttpProbe } from './health-check-http.js';
import type { HealthProbe, ProbeFactory, ProbeOutcome, ProbeTarget } from './health-check-probe.js';
import { HealthCheckStats } from './health-check-stats.js';
import { TcpProbe } from './health-check-tcp.js';
import type { UpstreamHost } from './host.js';
import type { OutlierCluster } from './outlier-detector.js';

export const FLAG_FAILED_ACTIVE_HC = 'failed_active_hc';

/** The probe for a config's checker type (the default ProbeFactory). */
export const createProbe: ProbeFactory = (target, config, stats) => {
  const c = config.check;
  switch (c.type) {
    case 'http': return new HttpProbe(target, config, c, stats);
    case 'tcp': return new TcpProbe(target, config, c);
    case 'grpc': return new GrpcProbe(target, config, c);
  }
};

/** Envoy's HealthTransition: did this result change the host's health, or move it toward a change? */
type Transition = 'unchanged' | 'changed' | 'pending';

interface Failure {
  network: boolean;
  retriable: boolean;
  passive: boolean;
  reason: string;
}

class Session {
  firstCheck = true;
  numHealthy = 0;
  numUnhealthy = 0;
  degraded = false;
  /** Bumped when a check ends (or is abandoned): late callbacks carry an old value and are ignored. */
  seq = 0;
  closed = false;
  intervalTimer: TimerHandle | undefined;
  timeoutTimer: TimerHandle | undefined;
  constructor(readonly host: UpstreamHost, readonly probe: HealthProbe) {}
}

export class HealthChecker {
  readonly stats: HealthCheckStats;
  /**
   * Resolves once every host known at start() has had its first check (or
   * left). Envoy keeps a cluster warming until then; the cluster may await it.
   */
  readonly firstChecksDone: Promise<void>;
  private resolveFirstChecks!: () => void;
  private readonly awaitingFirst = new Set<Session>();
  private readonly sessions = new Map<UpstreamHost, Session>();
  private readonly cxTotal: Counter;
  private started = false;
  private closed = false;

  constructor(
    readonly cluster: OutlierCluster,
    readonly config: HealthCheckConfig,
    readonly deps: ClusterDeps,
    private readonly probeFactory: ProbeFactory = createProbe,
  ) {
    this.stats = new HealthCheckStats(deps.stats, cluster.statPrefix);
    // Envoy checks at no_traffic_interval until the cluster has opened a connection.
    this.cxTotal = deps.stats.counter(cluster.statPrefix + 'upstream_cx_total');
    this.firstChecksDone = new Promise((r) => (this.resolveFirstChecks = r));
  }

  /** Starts checking every host (called once the first host set is known). */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.onHostsChanged();
    for (const s of this.sessions.values()) {
      this.awaitingFirst.add(s);
      this.begin(s);
    }
    if (this.awaitingFirst.size === 0) this.resolveFirstChecks();
  }

  /**
   * The host set changed. New hosts start as failed_active_hc (Envoy: "we
   * initialize to unhealthy") and are checked at once; removed hosts' checks stop.
   */
  onHostsChanged(): void {
    if (this.closed) return;
    const current = new Set(this.cluster.hosts);
    for (const [host, s] of this.sessions) if (!current.has(host)) this.drop(s);
    let changed = false;
    for (const host of this.cluster.hosts) {
      if (this.sessions.has(host)) continue;
      if (!host.healthFlags.has(FLAG_FAILED_ACTIVE_HC)) {
        host.healthFlags.add(FLAG_FAILED_ACTIVE_HC);
        host.refreshHealth();
        changed = true;
      }
      const target: ProbeTarget = { address: host.address, port: host.port, clusterName: this.cluster.config?.name ?? '', transport: host.transport, hostname: host.hostname };
      const s = new Session(host, this.probeFactory(target, this.config, this.stats));
      this.sessions.set(host, s);
      if (this.started) this.begin(s);
    }
    if (changed) this.cluster.onHealthChanged();
  }

  /**
   * The host answered live traffic with x-envoy-immediate-health-check-fail:
   * mark it unhealthy now (a passive failure) without waiting for the next check.
   */
  reportImmediateFailure(host: UpstreamHost): void {
    const s = this.sessions.get(host);
    if (!s || s.closed) return;
    this.setUnhealthy(s, { network: false, retriable: false, passive: true, reason: 'x-envoy-immediate-health-check-fail' });
  }

  /** Whether `host` is being checked (tests, admin). */
  isChecking(host: UpstreamHost): boolean {
    return this.sessions.has(host);
  }

  close(): void {
    if (this.closed) return;
    for (const s of this.sessions.values()) this.drop(s);
    this.closed = true;
    this.resolveFirstChecks();
  }

  private begin(s: Session): void {
    const jitter = this.config.initialJitterMs;
    if (jitter <= 0) this.runCheck(s);
    else s.intervalTimer = this.deps.clock.setTimer(Math.max(1, Math.floor(this.deps.random() * jitter)), () => this.runCheck(s));
  }

  private runCheck(s: Session): void {
    if (s.closed) return;
    const seq = ++s.seq;
    s.timeoutTimer = this.deps.clock.setTimer(this.config.timeoutMs, () => {
      if (s.closed || s.seq !== seq) return;
      s.seq++;
      s.probe.abort();
      this.handleFailure(s, { network: true, retriable: false, passive: false, reason: `timed out after ${this.config.timeoutMs} ms` });
    });
    this.stats.attempt.inc();
    s.probe.start((o: ProbeOutcome) => {
      if (s.closed || s.seq !== seq) return;
      s.seq++;
      s.timeoutTimer?.cancel();
      if (o.ok) this.handleSuccess(s, o.degraded);
      else this.handleFailure(s, { network: o.network, retriable: o.retriable, passive: false, reason: o.reason });
    });
  }

  private handleSuccess(s: Session, degraded: boolean): void {
    const host = s.host;
    s.numUnhealthy = 0;
    let t: Transition = 'unchanged';
    if (host.healthFlags.has(FLAG_FAILED_ACTIVE_HC)) {
      // The very first result counts at once: faster startup, as Envoy chooses.
      if (s.firstCheck || ++s.numHealthy >= this.config.healthyThreshold) {
        host.healthFlags.delete(FLAG_FAILED_ACTIVE_HC);
        host.refreshHealth();
        // Envoy's lastHcPassTime: slow start counts from here.
        host.slowStartFrom = this.deps.clock.now();
        this.stats.healthy.inc();
        t = 'changed';
        this.deps.log.info(`health check: ${this.name()} ${host.key} is healthy${s.firstCheck ? ' (first check)' : ''}`);
      } else t = 'pending';
    } else if (this.config.alwaysLogSuccess) this.deps.log.info(`health check: ${this.name()} ${host.key} passed`);
    if (degraded !== s.degraded) {
      s.degraded = degraded;
      if (degraded) this.stats.degraded.inc();
      else this.stats.degraded.dec();
      if (t === 'unchanged') t = 'changed';
    }
    this.stats.success.inc();
    this.firstDone(s);
    if (t === 'changed') this.cluster.onHealthChanged();
    if (!host.healthFlags.has(FLAG_FAILED_ACTIVE_HC)) this.cluster.outlier?.onActiveHealthCheckSuccess(host);
    this.schedule(s, true, t);
  }

  private handleFailure(s: Session, f: Failure): void {
    const t = this.setUnhealthy(s, f);
    if (!s.closed) this.schedule(s, false, t);
  }

  private setUnhealthy(s: Session, f: Failure): Transition {
    const host = s.host;
    s.numHealthy = 0;
    let t: Transition = 'unchanged';
    if (!host.healthFlags.has(FLAG_FAILED_ACTIVE_HC)) {
      // A definite "unhealthy" answer counts at once; lost or slow answers need unhealthy_threshold in a row.
      if ((!f.network && !f.retriable) || ++s.numUnhealthy >= this.config.unhealthyThreshold) {
        host.healthFlags.add(FLAG_FAILED_ACTIVE_HC);
        host.refreshHealth();
        this.stats.healthy.dec();
        t = 'changed';
        this.deps.log.info(`health check: ${this.name()} ${host.key} is unhealthy: ${f.reason}`);
      } else t = 'pending';
    }
    if (t !== 'changed' && (s.firstCheck || this.config.alwaysLogFailures)) this.deps.log.info(`health check: ${this.name()} ${host.key} failed: ${f.reason}`);
    this.stats.failure.inc();
    if (f.network) this.stats.networkFailure.inc();
    else if (f.passive) this.stats.passiveFailure.inc();
    this.firstDone(s);
    if (t === 'changed') this.cluster.onHealthChanged();
    return t;
  }

  /** Envoy's interval choice: no_traffic_* until the cluster carried traffic, then by result and transition, plus jitter. */
  private schedule(s: Session, passed: boolean, t: Transition): void {
    const c = this.config;
    let base: number;
    if (this.cxTotal.used) {
      if (passed) base = t === 'pending' ? c.healthyEdgeIntervalMs : c.intervalMs;
      else base = t === 'pending' ? c.unhealthyEdgeIntervalMs : c.unhealthyIntervalMs;
    } else base = passed && t !== 'pending' ? c.noTrafficHealthyIntervalMs : c.noTrafficIntervalMs;
    const pctRange = Math.floor((c.intervalJitterPercent * base) / 100);
    if (pctRange > 0) base += Math.floor(this.deps.random() * pctRange);
    if (c.intervalJitterMs > 0) base += Math.floor(this.deps.random() * c.intervalJitterMs);
    s.intervalTimer?.cancel();
    s.intervalTimer = this.deps.clock.setTimer(Math.max(1, base), () => this.runCheck(s));
  }

  private firstDone(s: Session): void {
    s.firstCheck = false;
    if (this.awaitingFirst.delete(s) && this.awaitingFirst.size === 0) this.resolveFirstChecks();
  }

  private drop(s: Session): void {
    s.closed = true;
    s.intervalTimer?.cancel();
    s.timeoutTimer?.cancel();
    s.probe.close();
    this.sessions.delete(s.host);
    if (!s.host.healthFlags.has(FLAG_FAILED_ACTIVE_HC)) this.stats.healthy.dec();
    if (s.degraded) this.stats.degraded.dec();
    this.firstDone(s);
  }

  private name(): string {
    return this.cluster.config?.name ?? this.cluster.statPrefix;
  }
}
