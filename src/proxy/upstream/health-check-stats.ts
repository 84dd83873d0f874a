// cluster.<name>.health_check.* stats, under Envoy's names, created eagerly.
import type { Counter, Gauge, StatsStore } from '../../stats/index.js';

export class HealthCheckStats {
  readonly attempt: Counter;
  readonly success: Counter;
  readonly failure: Counter;
  /** Failures where the host could not be reached or answered too late (connect error, reset, timeout). */
  readonly networkFailure: Counter;
  /** Failures reported from live traffic (x-envoy-immediate-health-check-fail). */
  readonly passiveFailure: Counter;
  /** Responses checked against service_name_matcher. */
  readonly verifyCluster: Counter;
  /** Hosts the checker considers healthy (add/sub: shared by every generation of the cluster). */
  readonly healthy: Gauge;
  readonly degraded: Gauge;

  constructor(store: StatsStore, clusterPrefix: string) {
    const p = clusterPrefix + 'health_check.';
    this.attempt = store.counter(p + 'attempt');
    this.success = store.counter(p + 'success');
    this.failure = store.counter(p + 'failure');
    this.networkFailure = store.counter(p + 'network_failure');
    this.passiveFailure = store.counter(p + 'passive_failure');
    this.verifyCluster = store.counter(p + 'verify_cluster');
    this.healthy = store.gauge(p + 'healthy');
    this.degraded = store.gauge(p + 'degraded');
  }
}
