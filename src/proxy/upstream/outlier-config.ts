// outlier_detection (envoy.config.cluster.v3.OutlierDetection) → OutlierConfig:
// every knob resolved to a number at config time, with Envoy's defaults.
import { ConfigErrors, joinPath } from '../../common/errors.js';
import type { envoy_config_cluster_v3_OutlierDetection, google_protobuf_Duration } from '../../xds/gen/types.js';
import { checkSupported, durationMs, wrapped } from '../config/support.js';

/** Envoy's documented defaults (outlier_detection.proto); one place, so docs and code agree. */
export const OUTLIER_DEFAULTS = {
  consecutive5xx: 5,
  /** 502/503/504 in a row. Detected by default, but see enforcingConsecutiveGatewayFailure. */
  consecutiveGatewayFailure: 5,
  consecutiveLocalOriginFailure: 5,
  intervalMs: 10_000,
  baseEjectionTimeMs: 30_000,
  /** The cap on base × times-ejected; Envoy uses max(300 s, base_ejection_time) when unset. */
  maxEjectionTimeMs: 300_000,
  maxEjectionTimeJitterMs: 0,
  /** Strict since Envoy 1.27: with fewer than 10 hosts nothing is ejected unless always_eject_one_host. */
  maxEjectionPercent: 10,
  alwaysEjectOneHost: false,
  enforcingConsecutive5xx: 100,
  /** 0: gateway-failure ejection is opt-in (a 503 storm is often the proxy's own doing). */
  enforcingConsecutiveGatewayFailure: 0,
  enforcingConsecutiveLocalOriginFailure: 100,
  enforcingSuccessRate: 100,
  enforcingLocalOriginSuccessRate: 100,
  successRateMinimumHosts: 5,
  successRateRequestVolume: 100,
  /** success_rate_stdev_factor 1900 / 1000. */
  successRateStdevFactor: 1.9,
  failurePercentageThreshold: 85,
  /** 0: failure-percentage ejection is opt-in. */
  enforcingFailurePercentage: 0,
  enforcingFailurePercentageLocalOrigin: 0,
  failurePercentageMinimumHosts: 5,
  failurePercentageRequestVolume: 50,
  splitExternalLocalOriginErrors: false,
  successfulActiveHealthCheckUnejectHost: true,
} as const;

export interface OutlierConfig {
  readonly consecutive5xx: number;
  readonly consecutiveGatewayFailure: number;
  readonly consecutiveLocalOriginFailure: number;
  readonly intervalMs: number;
  readonly baseEjectionTimeMs: number;
  readonly maxEjectionTimeMs: number;
  readonly maxEjectionTimeJitterMs: number;
  readonly maxEjectionPercent: number;
  readonly alwaysEjectOneHost: boolean;
  /** Enforcement chances, in percent (0..100). */
  readonly enforcingConsecutive5xx: number;
  readonly enforcingConsecutiveGatewayFailure: number;
  readonly enforcingConsecutiveLocalOriginFailure: number;
  readonly enforcingSuccessRate: number;
  readonly enforcingLocalOriginSuccessRate: number;
  readonly enforcingFailurePercentage: number;
  readonly enforcingFailurePercentageLocalOrigin: number;
  readonly successRateMinimumHosts: number;
  readonly successRateRequestVolume: number;
  readonly successRateStdevFactor: number;
  readonly failurePercentageThreshold: number;
  readonly failurePercentageMinimumHosts: number;
  readonly failurePercentageRequestVolume: number;
  readonly splitExternalLocalOriginErrors: boolean;
  readonly successfulActiveHealthCheckUnejectHost: boolean;
  /** The proto, for config_dump. */
  readonly source: envoy_config_cluster_v3_OutlierDetection;
}

const FIELDS = [
  'consecutive_5xx', 'interval', 'base_ejection_time', 'max_ejection_percent', 'enforcing_consecutive_5xx',
  'enforcing_success_rate', 'success_rate_minimum_hosts', 'success_rate_request_volume', 'success_rate_stdev_factor',
  'consecutive_gateway_failure', 'enforcing_consecutive_gateway_failure', 'split_external_local_origin_errors',
  'consecutive_local_origin_failure', 'enforcing_consecutive_local_origin_failure', 'enforcing_local_origin_success_rate',
  'failure_percentage_threshold', 'enforcing_failure_percentage', 'enforcing_failure_percentage_local_origin',
  'failure_percentage_minimum_hosts', 'failure_percentage_request_volume', 'max_ejection_time', 'max_ejection_time_jitter',
  'successful_active_health_check_uneject_host', 'always_eject_one_host',
] as const;

type PercentField =
  | 'max_ejection_percent' | 'enforcing_consecutive_5xx' | 'enforcing_success_rate' | 'enforcing_consecutive_gateway_failure'
  | 'enforcing_consecutive_local_origin_failure' | 'enforcing_local_origin_success_rate' | 'failure_percentage_threshold'
  | 'enforcing_failure_percentage' | 'enforcing_failure_percentage_local_origin';

export function decodeOutlierDetection(o: envoy_config_cluster_v3_OutlierDetection, path: string, errs: ConfigErrors): OutlierConfig | undefined {
  checkSupported(o, path, errs, FIELDS);
  const d = OUTLIER_DEFAULTS;
  const pct = (f: PercentField, dflt: number): number => {
    const v = wrapped(o[f], dflt);
    if (v > 100) errs.error(joinPath(path, f), 'must be at most 100');
    return Math.min(100, v);
  };
  const positiveMs = (f: 'interval' | 'base_ejection_time' | 'max_ejection_time', v: google_protobuf_Duration | undefined, dflt: number): number => {
    const ms = durationMs(v, dflt);
    if (v && ms <= 0) errs.error(joinPath(path, f), 'must be greater than 0');
    return ms;
  };
  const baseEjectionTimeMs = positiveMs('base_ejection_time', o.base_ejection_time, d.baseEjectionTimeMs);
  const maxEjectionTimeMs = o.max_ejection_time
    ? positiveMs('max_ejection_time', o.max_ejection_time, d.maxEjectionTimeMs)
    : Math.max(d.maxEjectionTimeMs, baseEjectionTimeMs);
  if (o.max_ejection_time && maxEjectionTimeMs < baseEjectionTimeMs) {
    errs.error(joinPath(path, 'max_ejection_time'), 'must not be less than base_ejection_time');
  }
  const jitter = durationMs(o.max_ejection_time_jitter, d.maxEjectionTimeJitterMs);
  if (jitter < 0) errs.error(joinPath(path, 'max_ejection_time_jitter'), 'must not be negative');
  return {
    consecutive5xx: wrapped(o.consecutive_5xx, d.consecutive5xx),
    consecutiveGatewayFailure: wrapped(o.consecutive_gateway_failure, d.consecutiveGatewayFailure),
    consecutiveLocalOriginFailure: wrapped(o.consecutive_local_origin_failure, d.consecutiveLocalOriginFailure),
    intervalMs: positiveMs('interval', o.interval, d.intervalMs),
    baseEjectionTimeMs,
    maxEjectionTimeMs,
    maxEjectionTimeJitterMs: Math.max(0, jitter),
    maxEjectionPercent: pct('max_ejection_percent', d.maxEjectionPercent),
    alwaysEjectOneHost: wrapped(o.always_eject_one_host, d.alwaysEjectOneHost),
    enforcingConsecutive5xx: pct('enforcing_consecutive_5xx', d.enforcingConsecutive5xx),
    enforcingConsecutiveGatewayFailure: pct('enforcing_consecutive_gateway_failure', d.enforcingConsecutiveGatewayFailure),
    enforcingConsecutiveLocalOriginFailure: pct('enforcing_consecutive_local_origin_failure', d.enforcingConsecutiveLocalOriginFailure),
    enforcingSuccessRate: pct('enforcing_success_rate', d.enforcingSuccessRate),
    enforcingLocalOriginSuccessRate: pct('enforcing_local_origin_success_rate', d.enforcingLocalOriginSuccessRate),
    enforcingFailurePercentage: pct('enforcing_failure_percentage', d.enforcingFailurePercentage),
    enforcingFailurePercentageLocalOrigin: pct('enforcing_failure_percentage_local_origin', d.enforcingFailurePercentageLocalOrigin),
    successRateMinimumHosts: wrapped(o.success_rate_minimum_hosts, d.successRateMinimumHosts),
    successRateRequestVolume: wrapped(o.success_rate_request_volume, d.successRateRequestVolume),
    successRateStdevFactor: wrapped(o.success_rate_stdev_factor, d.successRateStdevFactor * 1000) / 1000,
    failurePercentageThreshold: pct('failure_percentage_threshold', d.failurePercentageThreshold),
    failurePercentageMinimumHosts: wrapped(o.failure_percentage_minimum_hosts, d.failurePercentageMinimumHosts),
    failurePercentageRequestVolume: wrapped(o.failure_percentage_request_volume, d.failurePercentageRequestVolume),
    splitExternalLocalOriginErrors: o.split_external_local_origin_errors ?? d.splitExternalLocalOriginErrors,
    successfulActiveHealthCheckUnejectHost: wrapped(o.successful_active_health_check_uneject_host, d.successfulActiveHealthCheckUnejectHost),
    source: o,
  };
}
