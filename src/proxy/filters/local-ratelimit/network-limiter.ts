// envoy.filters.network.local_ratelimit: one token per new connection; a
// connection that finds the bucket empty is closed at once, before any other
// network filter sees it. The listener owns one NetworkLocalRateLimiter per
// filter chain config and asks it on every accepted connection.
import { ConfigErrors, joinPath } from '../../../common/errors.js';
import type { Clock } from '../../../common/clock.js';
import type { Counter } from '../../../stats/counter.js';
import type { StatsStore } from '../../../stats/stats-store.js';
import type { AnyMessage, envoy_extensions_filters_network_local_ratelimit_v3_LocalRateLimit } from '../../../xds/gen/types.js';
import { checkSupported } from '../../config/support.js';
import { decodeTokenBucket, TokenBucket, type TokenBucketSpec } from './token-bucket.js';

/** Validated network LocalRateLimit. */
export interface NetworkLocalRateLimitConfig {
  readonly statPrefix: string;
  readonly bucket: TokenBucketSpec;
  /** runtime_enabled.default_value (true when unset); false lets every connection through. */
  readonly enabled: boolean;
  /** Configs with the same share_key and token_bucket share one bucket; undefined never shares. */
  readonly shareKey: string | undefined;
}

/** Decodes the filter's typed_config; undefined (errors reported with their paths) when unusable. */
export function decodeNetworkLocalRateLimit(cfg: AnyMessage | envoy_extensions_filters_network_local_ratelimit_v3_LocalRateLimit, path: string, errs: ConfigErrors): NetworkLocalRateLimitConfig | undefined {
  const c = cfg as envoy_extensions_filters_network_local_ratelimit_v3_LocalRateLimit;
  const before = errs.errors.length;
  checkSupported(c, path, errs, ['stat_prefix', 'token_bucket', 'runtime_enabled', 'share_key']);
  const statPrefix = c.stat_prefix ?? '';
  if (!statPrefix) errs.required(joinPath(path, 'stat_prefix'), 'stat_prefix is required');
  let bucket: TokenBucketSpec | undefined;
  if (!c.token_bucket) errs.required(joinPath(path, 'token_bucket'), 'token_bucket is required');
  else bucket = decodeTokenBucket(c.token_bucket, joinPath(path, 'token_bucket'), errs);
  let enabled = true;
  const re = c.runtime_enabled;
  if (re) {
    const rp = joinPath(path, 'runtime_enabled');
    // runtime_key is accepted: weft has no runtime layer, so default_value always applies.
    checkSupported(re, rp, errs, ['default_value', 'runtime_key']);
    if (!re.default_value) errs.required(joinPath(rp, 'default_value'), 'default_value is required');
    else enabled = re.default_value.value === true;
  }
  if (errs.errors.length > before || !bucket) return undefined;
  return { statPrefix, bucket, enabled, shareKey: c.share_key || undefined };
}

// Buckets shared by share_key. Weak, so a bucket lives exactly as long as some
// limiter uses it; an LDS update that keeps the key and bucket keeps the tokens.
const sharedBuckets = new Map<string, WeakRef<TokenBucket>>();

function sharedBucket(key: string, spec: TokenBucketSpec, now: number): TokenBucket {
  const k = `${key}\u0000${spec.maxTokens}/${spec.tokensPerFill}/${spec.fillIntervalMs}`;
  const live = sharedBuckets.get(k)?.deref();
  if (live) return live;
  for (const [name, ref] of sharedBuckets) if (!ref.deref()) sharedBuckets.delete(name);
  const b = new TokenBucket(spec, now);
  sharedBuckets.set(k, new WeakRef(b));
  return b;
}

/** Runtime of one network local rate limit filter config. */
export class NetworkLocalRateLimiter {
  /** `local_rate_limit.<stat_prefix>.rate_limited` (Envoy's code name; its docs say `local_ratelimit.`). */
  readonly rateLimited: Counter;
  private readonly bucket: TokenBucket;

  constructor(readonly config: NetworkLocalRateLimitConfig, stats: StatsStore, private readonly clock: Clock) {
    this.rateLimited = stats.counter(`local_rate_limit.${config.statPrefix}.rate_limited`);
    const now = clock.now();
    this.bucket = config.shareKey ? sharedBucket(config.shareKey, config.bucket, now) : new TokenBucket(config.bucket, now);
  }

  /**
   * Called once per accepted connection, before any other network filter.
   * true: go on. false: the caller closes the connection at once without
   * flushing (and, like Envoy, may mark its stream info URX).
   */
  onConnection(): boolean {
    if (!this.config.enabled) return true;
    if (this.bucket.tryTake(this.clock.now())) return true;
    this.rateLimited.inc();
    return false;
  }
}
