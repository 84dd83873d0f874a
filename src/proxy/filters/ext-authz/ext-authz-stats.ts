// Stats of envoy.filters.http.ext_authz under Envoy's names:
// http.<hcm stat_prefix>.ext_authz.[<filter stat_prefix>.]{ok,denied,error,failure_mode_allowed,disabled}.
import type { Counter } from '../../../stats/counter.js';
import type { StatsStore } from '../../../stats/stats-store.js';

export const EXT_AUTHZ_COUNTERS = ['ok', 'denied', 'error', 'failure_mode_allowed', 'disabled'] as const;

export class ExtAuthzStats {
  /** The authorizer allowed the request. */
  readonly ok: Counter;
  /** The authorizer denied it (or, for gRPC, answered a non-OK status). */
  readonly denied: Counter;
  /** The check failed: unreachable, timed out, a gRPC error, an HTTP 5xx, a malformed answer. */
  readonly error: Counter;
  /** An error let the request through because failure_mode_allow is set. */
  readonly failureModeAllowed: Counter;
  /** filter_enabled turned the filter off for the request. */
  readonly disabled: Counter;

  constructor(readonly store: StatsStore, hcmStatPrefix: string, statPrefix: string) {
    const p = statPrefix ? `http.${hcmStatPrefix}.ext_authz.${statPrefix}.` : `http.${hcmStatPrefix}.ext_authz.`;
    this.ok = store.counter(`${p}ok`);
    this.denied = store.counter(`${p}denied`);
    this.error = store.counter(`${p}error`);
    this.failureModeAllowed = store.counter(`${p}failure_mode_allowed`);
    this.disabled = store.counter(`${p}disabled`);
  }
}
