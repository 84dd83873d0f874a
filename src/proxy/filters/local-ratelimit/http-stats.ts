// Stats of the HTTP local rate limit filter, under Envoy's names:
// `<stat_prefix>.http_local_rate_limit.<name>` (rooted at the server, not
// under `http.<hcm prefix>.`, exactly as Envoy emits them).
import type { Counter } from '../../../stats/counter.js';
import type { StatsStore } from '../../../stats/stats-store.js';

export class HttpLocalRateLimitStats {
  /** Requests the filter checked (filter_enabled hit). */
  readonly enabled: Counter;
  /** Requests refused (over the limit and filter_enforced hit). */
  readonly enforced: Counter;
  /** Requests over the limit, enforced or not. */
  readonly rateLimited: Counter;
  /** Requests under the limit. */
  readonly ok: Counter;

  constructor(store: StatsStore, statPrefix: string) {
    const p = `${statPrefix}.http_local_rate_limit.`;
    this.enabled = store.counter(`${p}enabled`);
    this.enforced = store.counter(`${p}enforced`);
    this.rateLimited = store.counter(`${p}rate_limited`);
    this.ok = store.counter(`${p}ok`);
  }
}
