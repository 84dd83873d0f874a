// Envoy's per-secret SDS stats: every SDS subscription (over ADS, its own
// SDS stream, or a file) counts under `sds.<secret name>.` with the xDS
// subscription names (update_attempt, update_success, update_rejected,
// update_failure, init_fetch_timeout, and the update_time gauge), plus SdsApi's
// key_rotation_failed. The same
// name from two sources shares one scope, as in Envoy.
import type { Counter } from '../../../stats/counter.js';
import type { Gauge } from '../../../stats/gauge.js';
import type { StatsStore } from '../../../stats/stats-store.js';

export interface SdsStats {
  /** Every response or file read for this secret. */
  readonly updateAttempt: Counter;
  /** Accepted and applied. */
  readonly updateSuccess: Counter;
  /** Refused (decode or validation errors, wrong name, not exactly one secret): NACKed, the last good value stays. */
  readonly updateRejected: Counter;
  /** The source could not be read or reached (stream closed, file unreadable). */
  readonly updateFailure: Counter;
  /** initial_fetch_timeout passed before the first value arrived. */
  readonly initFetchTimeout: Counter;
  /** A file the secret names changed and could not be loaded (the last good material stays). */
  readonly keyRotationFailed: Counter;
  /** Wall time of the last accepted update, ms since the epoch. */
  readonly updateTime: Gauge;
}

export function sdsStats(stats: StatsStore, secretName: string): SdsStats {
  const p = `sds.${secretName}.`;
  return {
    updateAttempt: stats.counter(`${p}update_attempt`),
    updateSuccess: stats.counter(`${p}update_success`),
    updateRejected: stats.counter(`${p}update_rejected`),
    updateFailure: stats.counter(`${p}update_failure`),
    initFetchTimeout: stats.counter(`${p}init_fetch_timeout`),
    keyRotationFailed: stats.counter(`${p}key_rotation_failed`),
    updateTime: stats.gauge(`${p}update_time`, 'never_import'),
  };
}
