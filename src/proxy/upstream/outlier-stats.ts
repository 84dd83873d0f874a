// cluster.<name>.outlier_detection.* stats, under Envoy's names. Created
// eagerly (as Envoy does) so dashboards see zeros before the first ejection.
import type { Counter, Gauge, StatsStore } from '../../stats/index.js';

/** Why a host was (or would have been) ejected; the names are Envoy's stat suffixes. */
export type EjectionType =
  | 'consecutive_5xx'
  | 'consecutive_gateway_failure'
  | 'consecutive_local_origin_failure'
  | 'success_rate'
  | 'local_origin_success_rate'
  | 'failure_percentage'
  | 'failure_percentage_local_origin';

export const EJECTION_TYPES: readonly EjectionType[] = [
  'consecutive_5xx',
  'consecutive_gateway_failure',
  'consecutive_local_origin_failure',
  'success_rate',
  'local_origin_success_rate',
  'failure_percentage',
  'failure_percentage_local_origin',
];

export class OutlierStats {
  /** Hosts currently ejected (a gauge shared by every generation of the cluster: add/sub, never set). */
  readonly ejectionsActive: Gauge;
  /** Ejections that passed the max_ejection_percent check, enforced or not (Envoy: deprecated, kept for dashboards). */
  readonly ejectionsTotal: Counter;
  /** Ejections refused because max_ejection_percent was reached. */
  readonly ejectionsOverflow: Counter;
  readonly ejectionsEnforcedTotal: Counter;
  /** Deprecated Envoy counters, still emitted by Envoy. */
  readonly ejectionsConsecutive5xx: Counter;
  readonly ejectionsSuccessRate: Counter;
  readonly detected: Readonly<Record<EjectionType, Counter>>;
  readonly enforced: Readonly<Record<EjectionType, Counter>>;

  constructor(store: StatsStore, clusterPrefix: string) {
    const p = clusterPrefix + 'outlier_detection.';
    this.ejectionsActive = store.gauge(p + 'ejections_active');
    this.ejectionsTotal = store.counter(p + 'ejections_total');
    this.ejectionsOverflow = store.counter(p + 'ejections_overflow');
    this.ejectionsEnforcedTotal = store.counter(p + 'ejections_enforced_total');
    this.ejectionsConsecutive5xx = store.counter(p + 'ejections_consecutive_5xx');
    this.ejectionsSuccessRate = store.counter(p + 'ejections_success_rate');
    const detected = {} as Record<EjectionType, Counter>;
    const enforced = {} as Record<EjectionType, Counter>;
    for (const t of EJECTION_TYPES) {
      detected[t] = store.counter(p + 'ejections_detected_' + t);
      enforced[t] = store.counter(p + 'ejections_enforced_' + t);
    }
    this.detected = detected;
    this.enforced = enforced;
  }
}
