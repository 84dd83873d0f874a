// Stats of envoy.filters.http.jwt_authn under Envoy's names:
// http.<stat_prefix>.jwt_authn.{allowed,denied,cors_preflight_bypassed,
// jwks_fetch_success,jwks_fetch_failed,jwt_cache_hit,jwt_cache_miss}.
import type { Counter } from '../../../stats/counter.js';
import type { StatsStore } from '../../../stats/stats-store.js';

export const JWT_AUTHN_COUNTERS = ['allowed', 'denied', 'cors_preflight_bypassed', 'jwks_fetch_success', 'jwks_fetch_failed', 'jwt_cache_hit', 'jwt_cache_miss'] as const;

export class JwtAuthnStats {
  readonly allowed: Counter;
  readonly denied: Counter;
  readonly corsPreflightBypassed: Counter;
  readonly jwksFetchSuccess: Counter;
  readonly jwksFetchFailed: Counter;
  readonly jwtCacheHit: Counter;
  readonly jwtCacheMiss: Counter;

  /** `prefix`: `http.<hcm stat_prefix>.`. */
  constructor(readonly store: StatsStore, prefix: string) {
    const c = (n: (typeof JWT_AUTHN_COUNTERS)[number]) => store.counter(`${prefix}jwt_authn.${n}`);
    this.allowed = c('allowed');
    this.denied = c('denied');
    this.corsPreflightBypassed = c('cors_preflight_bypassed');
    this.jwksFetchSuccess = c('jwks_fetch_success');
    this.jwksFetchFailed = c('jwks_fetch_failed');
    this.jwtCacheHit = c('jwt_cache_hit');
    this.jwtCacheMiss = c('jwt_cache_miss');
  }
}
