// envoy.extensions.filters.http.health_check.v3.HealthCheck decoded into
// immutable settings.
import { CFG, ConfigErrors, joinPath } from '../../../common/errors.js';
import { checkSupported, durationMs } from '../../config/support.js';
import { decodeHeaderMatcher, type HeaderCondition } from '../../route/route-match-header.js';
import type { AnyMessage, envoy_extensions_filters_http_health_check_v3_HealthCheck } from '../../../xds/gen/types.js';

export const HEALTH_CHECK_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.health_check.v3.HealthCheck';

export interface HealthCheckSettings {
  /** true: health checks go upstream (and the answer may be cached); false: answered here. */
  readonly passThroughMode: boolean;
  /** How long an upstream answer is reused (pass-through only); 0: not cached. */
  readonly cacheTimeMs: number;
  /** Min healthy percentage (0..100) per cluster; answered 503 when any is below. */
  readonly clusterMinHealthyPercentages: ReadonlyMap<string, number>;
  /** All must match for a request to be a health check. */
  readonly headers: readonly HeaderCondition[];
}

export function decodeHealthCheck(cfg: AnyMessage, path: string, errs: ConfigErrors): HealthCheckSettings | undefined {
  const c = cfg as envoy_extensions_filters_http_health_check_v3_HealthCheck;
  const before = errs.errors.length;
  checkSupported(c, path, errs, ['pass_through_mode', 'cache_time', 'cluster_min_healthy_percentages', 'headers']);
  if (c.pass_through_mode === undefined) errs.required(joinPath(path, 'pass_through_mode'), 'pass_through_mode is required');
  const passThroughMode = c.pass_through_mode?.value === true;
  const cacheTimeMs = durationMs(c.cache_time, 0);
  if (cacheTimeMs < 0) errs.error(joinPath(path, 'cache_time'), 'must not be negative');
  // Envoy refuses a cache time without pass-through: there is no upstream answer to cache.
  if (cacheTimeMs > 0 && !passThroughMode) errs.error(joinPath(path, 'cache_time'), 'cache_time requires pass_through_mode: true', CFG.CONFLICT);
  const pct = new Map<string, number>();
  for (const [name, p] of Object.entries(c.cluster_min_healthy_percentages ?? {})) {
    const v = p?.value ?? 0;
    if (!(v >= 0 && v <= 100)) errs.error(`${joinPath(path, 'cluster_min_healthy_percentages')}[${JSON.stringify(name)}].value`, `must be in [0, 100] (got ${v})`);
    else pct.set(name, v);
  }
  const headers: HeaderCondition[] = [];
  (c.headers ?? []).forEach((m, i) => {
    const h = decodeHeaderMatcher(m, joinPath(joinPath(path, 'headers'), i), errs);
    if (h) headers.push(h);
  });
  if (errs.errors.length > before) return undefined;
  return { passThroughMode, cacheTimeMs, clusterMinHealthyPercentages: pct, headers };
}
