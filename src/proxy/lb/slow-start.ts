// Envoy's slow start mode (round_robin_lb_config / least_request_lb_config
// .slow_start_config; Istio's DestinationRule loadBalancer.warmup): a host
// that joined the cluster (or last passed an active health check) less than
// slow_start_window ago gets a fraction of its weight that grows with time:
//
//   NewWeight  = Weight * max(MinWeightPercent, TimeFactor ^ (1 / Aggression))
//   TimeFactor = max(TimeSinceStartInSeconds, 1) / SlowStartWindowInSeconds
//
// (Envoy's load-balancing docs, "Slow start mode").
import type { LbHost, SlowStartConfig } from './types.js';

export type { SlowStartConfig } from './types.js';

/** Envoy's defaults for slow_start_config. */
export const SLOW_START_DEFAULTS = {
  /** aggression.default_value when the runtime gives none. */
  aggression: 1.0,
  /** min_weight_percent: keeps a new host's EDF deadline reasonable. */
  minWeightPercent: 10,
};

/**
 * While a host is in slow start its weight is recomputed at most this often
 * (the formula counts in seconds); the schedule is rebuilt then.
 */
export const SLOW_START_REFRESH_MS = 1000;

/** The weight factor (0, 1] of a host that started `ageMs` ago; 1 once out of the window. */
export function slowStartFactor(ageMs: number, cfg: SlowStartConfig): number {
  if (ageMs >= cfg.windowMs) return 1;
  const timeFactor = Math.min(1, Math.max(ageMs / 1000, 1) / (cfg.windowMs / 1000));
  const f = cfg.aggression === 1 ? timeFactor : Math.pow(timeFactor, 1 / cfg.aggression);
  return Math.max(cfg.minWeight, f);
}

/** Whether any of `hosts` is still within the window at `now`. */
export function anyInSlowStart(hosts: readonly LbHost[], cfg: SlowStartConfig, now: number): boolean {
  for (const h of hosts) if (h.slowStartFrom !== undefined && now - h.slowStartFrom < cfg.windowMs) return true;
  return false;
}

/** Effective weights of `hosts` at `now` (weights below 1 count as 1, as everywhere). */
export function slowStartWeights(hosts: readonly LbHost[], cfg: SlowStartConfig, now: number): Float64Array {
  const out = new Float64Array(hosts.length);
  for (let i = 0; i < hosts.length; i++) {
    const h = hosts[i]!;
    const w = h.weight >= 1 ? h.weight : 1;
    out[i] = h.slowStartFrom === undefined ? w : w * slowStartFactor(now - h.slowStartFrom, cfg);
  }
  return out;
}
