// circuit_breakers.thresholds → per-priority limits, with Envoy's defaults.
import { CFG, ConfigErrors, joinPath } from '../../common/errors.js';
import type { envoy_config_cluster_v3_CircuitBreakers } from '../../xds/gen/types.js';
import { checkSupported, wrapped } from '../config/support.js';

/** Envoy's defaults for every threshold it does not get. */
export const CIRCUIT_BREAKER_DEFAULTS = {
  maxConnections: 1024,
  maxPendingRequests: 1024,
  maxRequests: 1024,
  maxRetries: 3,
};

export interface Thresholds {
  maxConnections: number;
  maxPendingRequests: number;
  maxRequests: number;
  maxRetries: number;
}

/** Limits for the DEFAULT and HIGH routing priorities. */
export interface CircuitBreakerLimits {
  default: Thresholds;
  high: Thresholds;
}

export function decodeCircuitBreakers(cb: envoy_config_cluster_v3_CircuitBreakers | undefined, path: string, errs: ConfigErrors): CircuitBreakerLimits {
  const out: CircuitBreakerLimits = { default: { ...CIRCUIT_BREAKER_DEFAULTS }, high: { ...CIRCUIT_BREAKER_DEFAULTS } };
  if (!cb) return out;
  checkSupported(cb, path, errs, ['thresholds']);
  const seen = new Set<string>();
  (cb.thresholds ?? []).forEach((t, i) => {
    const p = joinPath(joinPath(path, 'thresholds'), i);
    checkSupported(t, p, errs, ['priority', 'max_connections', 'max_pending_requests', 'max_requests', 'max_retries', 'track_remaining']);
    const prio = t.priority ?? 'DEFAULT';
    if (seen.has(prio)) errs.error(joinPath(p, 'priority'), `duplicate thresholds for priority ${prio}`, CFG.DUPLICATE);
    seen.add(prio);
    const target = prio === 'HIGH' ? out.high : out.default;
    target.maxConnections = wrapped(t.max_connections, CIRCUIT_BREAKER_DEFAULTS.maxConnections);
    target.maxPendingRequests = wrapped(t.max_pending_requests, CIRCUIT_BREAKER_DEFAULTS.maxPendingRequests);
    target.maxRequests = wrapped(t.max_requests, CIRCUIT_BREAKER_DEFAULTS.maxRequests);
    target.maxRetries = wrapped(t.max_retries, CIRCUIT_BREAKER_DEFAULTS.maxRetries);
  });
  return out;
}
