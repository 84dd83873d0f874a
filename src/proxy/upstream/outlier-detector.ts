// Passive health checking (Envoy's outlier detection). The router reports each
// result; consecutive-error ejections happen at once, success-rate and
// failure-percentage ejections and every unejection at the interval sweep.
// See docs/architecture/health-checking.md.
import type { TimerHandle } from '../../common/clock.js';
import type { ClusterDeps } from './cluster-deps.js';
import type { UpstreamHost } from './host.js';
import type { OutlierConfig } from './outlier-config.js';
import { OutlierHostMonitor, type RequestCounts } from './outlier-host-monitor.js';
import { OutlierStats, type EjectionType } from './outlier-stats.js';

/** What the detector (and the active health checker) needs from its cluster. */
export interface OutlierCluster {
  readonly hosts: readonly UpstreamHost[];
  readonly statPrefix: string;
  /** Cluster name (the HTTP health check's default Host header and gRPC :authority). */
  readonly config?: { readonly name: string };
  /** The cluster's detector, when it has one: a passing active health check unejects through it. */
  readonly outlier?: OutlierDetector | undefined;
  /** Call after changing any host's health flags (and host.refreshHealth()): updates gauges and load balancing. */
  onHealthChanged(): void;
}

/**
 * Local-origin results: what the proxy saw while talking to the host, as
 * opposed to the HTTP status the host answered. `success` is a connection (or
 * stream) obtained for a request whose response is reported separately;
 * `success_final` is a success with no response to follow (tcp_proxy).
 */
export type LocalOriginEvent = 'connect_failed' | 'timeout' | 'reset' | 'success' | 'success_final';

export const FLAG_FAILED_OUTLIER_CHECK = 'failed_outlier_check';

type Origin = 'external' | 'local_origin';

export class OutlierDetector {
  readonly stats: OutlierStats;
  private readonly monitors = new Map<UpstreamHost, OutlierHostMonitor>();
  private ejectedCount = 0;
  private timer: TimerHandle | undefined;
  private closed = false;
  private readonly srAverage = { external: -1, local_origin: -1 };
  private readonly srThreshold = { external: -1, local_origin: -1 };

  constructor(readonly cluster: OutlierCluster, readonly config: OutlierConfig, readonly deps: ClusterDeps) {
    this.stats = new OutlierStats(deps.stats, cluster.statPrefix);
    this.onHostsChanged();
    this.armTimer();
  }

  /**
   * An HTTP response status from `host` (externally originated). The router
   * calls this once per upstream response, including 5xx it retries. Hot path.
   */
  putHttpResult(host: UpstreamHost, status: number): void {
    const m = this.monitors.get(host);
    if (!m) return;
    m.external.total++;
    if (status >= 500 && status <= 599) {
      if (status >= 502 && status <= 504) {
        if (++m.consecutiveGatewayFailure >= this.config.consecutiveGatewayFailure) this.onConsecutive(host, m, 'consecutive_gateway_failure');
      } else m.consecutiveGatewayFailure = 0;
      if (++m.consecutive5xx >= this.config.consecutive5xx) this.onConsecutive(host, m, 'consecutive_5xx');
    } else {
      m.external.success++;
      m.consecutive5xx = 0;
      m.consecutiveGatewayFailure = 0;
    }
  }

  /**
   * A local-origin result for `host`. Without split_external_local_origin_errors
   * (the default) Envoy maps connect failures and resets to 503 and timeouts
   * to 504, so they count as 5xx and gateway failures; `success` is then not
   * counted (the response status that follows is). Hot path.
   */
  putLocalOrigin(host: UpstreamHost, event: LocalOriginEvent): void {
    if (!this.config.splitExternalLocalOriginErrors) {
      switch (event) {
        case 'connect_failed':
        case 'reset':
          return this.putHttpResult(host, 503);
        case 'timeout':
          return this.putHttpResult(host, 504);
        case 'success_final':
          return this.putHttpResult(host, 200);
        case 'success':
          return;
      }
    }
    const m = this.monitors.get(host);
    if (!m) return;
    m.localOrigin.total++;
    if (event === 'success' || event === 'success_final') {
      m.localOrigin.success++;
      m.consecutiveLocalOriginFailure = 0;
    } else if (++m.consecutiveLocalOriginFailure >= this.config.consecutiveLocalOriginFailure) {
      this.onConsecutive(host, m, 'consecutive_local_origin_failure');
    }
  }

  /**
   * An active health check passed and the checker considers `host` healthy:
   * Envoy returns an ejected host to service at once (unless
   * successful_active_health_check_uneject_host is false).
   */
  onActiveHealthCheckSuccess(host: UpstreamHost): void {
    if (!this.config.successfulActiveHealthCheckUnejectHost) return;
    const m = this.monitors.get(host);
    if (!m || !m.ejected || host.healthFlags.has('failed_active_hc')) return;
    this.uneject(host, m, this.deps.clock.now());
  }

  /** The host set changed: new hosts start un-ejected, removed hosts are forgotten. */
  onHostsChanged(): void {
    const current = new Set(this.cluster.hosts);
    for (const [host, m] of this.monitors) {
      if (current.has(host)) continue;
      if (m.ejected) this.countUneject();
      this.monitors.delete(host);
    }
    for (const host of current) if (!this.monitors.has(host)) this.monitors.set(host, new OutlierHostMonitor());
  }

  /** Whether `host` is ejected now. */
  isEjected(host: UpstreamHost): boolean {
    return this.monitors.get(host)?.ejected ?? false;
  }

  /** Times `host` has been ejected (0 when unknown). */
  numEjections(host: UpstreamHost): number {
    return this.monitors.get(host)?.numEjections ?? 0;
  }

  /** The host's success rate (percent) from the last sweep, -1 without enough volume (admin /clusters `success_rate`). */
  hostSuccessRate(host: UpstreamHost, origin: Origin = 'external'): number {
    const m = this.monitors.get(host);
    if (!m) return -1;
    return origin === 'external' ? m.successRate : m.localOriginSuccessRate;
  }

  /** Cluster mean success rate from the last sweep, -1 when not computed (admin `outlier::success_rate_average`). */
  successRateAverage(origin: Origin = 'external'): number {
    return this.srAverage[origin];
  }

  /** Success-rate ejection threshold from the last sweep, -1 when not computed (admin `outlier::success_rate_ejection_threshold`). */
  successRateEjectionThreshold(origin: Origin = 'external'): number {
    return this.srThreshold[origin];
  }

  /** Stops the sweep timer and releases this generation's share of ejections_active. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.timer?.cancel();
    this.stats.ejectionsActive.sub(this.ejectedCount);
    this.ejectedCount = 0;
  }

  private armTimer(): void {
    if (this.closed) return;
    this.timer = this.deps.clock.setTimer(this.config.intervalMs, () => this.onInterval());
  }

  /** The sweep: unejections due, then success-rate and failure-percentage analysis over the interval just ended. */
  private onInterval(): void {
    if (this.closed) return;
    const now = this.deps.clock.now();
    for (const [host, m] of this.monitors) {
      this.checkUneject(host, m, now);
      m.external.roll();
      m.localOrigin.roll();
      m.successRate = -1;
      m.localOriginSuccessRate = -1;
    }
    this.processSuccessRate('external');
    this.processSuccessRate('local_origin');
    this.armTimer();
  }

  private checkUneject(host: UpstreamHost, m: OutlierHostMonitor, now: number): void {
    if (!m.ejected) {
      // Healthy for a whole interval since the last unejection: the next ejection is shorter.
      if (m.lastUnejectedAt >= 0 && now - m.lastUnejectedAt >= this.config.intervalMs && m.ejectTimeBackoff > 0) m.ejectTimeBackoff--;
      return;
    }
    if (now - m.ejectedAt >= m.ejectionTimeMs) this.uneject(host, m, now);
  }

  private onConsecutive(host: UpstreamHost, m: OutlierHostMonitor, type: EjectionType): void {
    // Reset first, so a run of errors is detected again even without an interleaved success.
    if (type === 'consecutive_5xx') m.consecutive5xx = 0;
    else if (type === 'consecutive_gateway_failure') m.consecutiveGatewayFailure = 0;
    else m.consecutiveLocalOriginFailure = 0;
    if (m.ejected) return;
    this.stats.detected[type].inc();
    if (type === 'consecutive_5xx') this.stats.ejectionsConsecutive5xx.inc();
    this.eject(host, m, type);
  }

  private processSuccessRate(origin: Origin): void {
    const c = this.config;
    this.srAverage[origin] = -1;
    this.srThreshold[origin] = -1;
    const n = this.monitors.size;
    if (n < c.successRateMinimumHosts && n < c.failurePercentageMinimumHosts) return;
    const minVolume = Math.min(c.successRateRequestVolume, c.failurePercentageRequestVolume);
    const srHosts: [UpstreamHost, number][] = [];
    const fpHosts: [UpstreamHost, number][] = [];
    let sum = 0;
    for (const [host, m] of this.monitors) {
      if (m.ejected) continue;
      const counts: RequestCounts = origin === 'external' ? m.external : m.localOrigin;
      const volume = counts.lastTotal;
      if (volume === 0) continue;
      const rate = counts.lastSuccessRate;
      if (volume >= minVolume) {
        if (origin === 'external') m.successRate = rate;
        else m.localOriginSuccessRate = rate;
      }
      if (volume >= c.successRateRequestVolume) {
        srHosts.push([host, rate]);
        sum += rate;
      }
      if (volume >= c.failurePercentageRequestVolume) fpHosts.push([host, rate]);
    }
    if (srHosts.length > 0 && srHosts.length >= c.successRateMinimumHosts) {
      const mean = sum / srHosts.length;
      let variance = 0;
      for (const [, r] of srHosts) variance += (r - mean) ** 2;
      variance /= srHosts.length;
      const threshold = mean - c.successRateStdevFactor * Math.sqrt(variance);
      this.srAverage[origin] = mean;
      this.srThreshold[origin] = threshold;
      const type: EjectionType = origin === 'external' ? 'success_rate' : 'local_origin_success_rate';
      for (const [host, rate] of srHosts) {
        if (rate >= threshold) continue;
        this.stats.detected[type].inc();
        this.stats.ejectionsSuccessRate.inc();
        const m = this.monitors.get(host)!;
        if (!m.ejected) this.eject(host, m, type);
      }
    }
    if (fpHosts.length > 0 && fpHosts.length >= c.failurePercentageMinimumHosts) {
      const type: EjectionType = origin === 'external' ? 'failure_percentage' : 'failure_percentage_local_origin';
      for (const [host, rate] of fpHosts) {
        if (100 - rate < c.failurePercentageThreshold) continue;
        this.stats.detected[type].inc();
        const m = this.monitors.get(host)!;
        if (!m.ejected) this.eject(host, m, type);
      }
    }
  }

  /** Envoy's ejectHost: the max_ejection_percent check, then the enforcement roll, then the ejection. */
  private eject(host: UpstreamHost, m: OutlierHostMonitor, type: EjectionType): void {
    const c = this.config;
    const total = this.monitors.size;
    const withinCap = (100 * (this.ejectedCount + 1)) / total <= c.maxEjectionPercent;
    if (!withinCap && !(c.alwaysEjectOneHost && this.ejectedCount === 0)) {
      this.stats.ejectionsOverflow.inc();
      return;
    }
    this.stats.ejectionsTotal.inc();
    if (!this.enforced(type)) return;
    const base = c.baseEjectionTimeMs;
    // Grow the multiplier until base × multiplier reaches the cap.
    if (base * m.ejectTimeBackoff < c.maxEjectionTimeMs) m.ejectTimeBackoff++;
    const jitter = c.maxEjectionTimeJitterMs > 0 ? Math.floor(this.deps.random() * (c.maxEjectionTimeJitterMs + 1)) : 0;
    m.ejectionTimeMs = Math.min(base * m.ejectTimeBackoff, c.maxEjectionTimeMs) + jitter;
    m.ejected = true;
    m.ejectedAt = this.deps.clock.now();
    m.numEjections++;
    this.ejectedCount++;
    this.stats.ejectionsActive.inc();
    this.stats.ejectionsEnforcedTotal.inc();
    this.stats.enforced[type].inc();
    host.healthFlags.add(FLAG_FAILED_OUTLIER_CHECK);
    host.refreshHealth();
    this.deps.log.info(`outlier detection: ${this.name()}: ejected ${host.key} (${type}) for ${m.ejectionTimeMs} ms`);
    this.cluster.onHealthChanged();
  }

  private uneject(host: UpstreamHost, m: OutlierHostMonitor, now: number): void {
    m.ejected = false;
    m.lastUnejectedAt = now;
    // Fresh counters, so a host near a threshold is not ejected again by a few new errors.
    m.resetConsecutive();
    this.countUneject();
    host.healthFlags.delete(FLAG_FAILED_OUTLIER_CHECK);
    host.refreshHealth();
    this.deps.log.info(`outlier detection: ${this.name()}: unejected ${host.key}`);
    this.cluster.onHealthChanged();
  }

  private name(): string {
    return this.cluster.config?.name ?? this.cluster.statPrefix;
  }

  private countUneject(): void {
    this.ejectedCount--;
    this.stats.ejectionsActive.dec();
  }

  private enforced(type: EjectionType): boolean {
    const c = this.config;
    let pct: number;
    switch (type) {
      case 'consecutive_5xx': pct = c.enforcingConsecutive5xx; break;
      case 'consecutive_gateway_failure': pct = c.enforcingConsecutiveGatewayFailure; break;
      case 'consecutive_local_origin_failure': pct = c.enforcingConsecutiveLocalOriginFailure; break;
      case 'success_rate': pct = c.enforcingSuccessRate; break;
      case 'local_origin_success_rate': pct = c.enforcingLocalOriginSuccessRate; break;
      case 'failure_percentage': pct = c.enforcingFailurePercentage; break;
      case 'failure_percentage_local_origin': pct = c.enforcingFailurePercentageLocalOrigin; break;
    }
    if (pct >= 100) return true;
    if (pct <= 0) return false;
    return this.deps.random() * 100 < pct;
  }
}
