// envoy.type.v3.TokenBucket: the shared limiter of the HTTP and network local
// rate limit filters. Envoy refills with a timer every fill_interval; weft gets
// the same discrete behaviour without timers by counting, on each take, how
// many whole intervals passed since the last fill (time comes from the
// injected clock, so tests drive it by hand).
import { ConfigErrors, joinPath } from '../../../common/errors.js';
import { checkSupported, durationMs } from '../../config/support.js';
import type { envoy_type_v3_TokenBucket } from '../../../xds/gen/types.js';
import { DEFAULT_TOKENS_PER_FILL, MIN_FILL_INTERVAL_MS } from './defaults.js';

const UINT32_MAX = 4294967295;

/** A validated token_bucket. */
export interface TokenBucketSpec {
  readonly maxTokens: number;
  readonly tokensPerFill: number;
  readonly fillIntervalMs: number;
}

/** Decodes a token_bucket with Envoy's rules; undefined (errors reported) when unusable. */
export function decodeTokenBucket(tb: envoy_type_v3_TokenBucket, path: string, errs: ConfigErrors): TokenBucketSpec | undefined {
  checkSupported(tb, path, errs, ['max_tokens', 'tokens_per_fill', 'fill_interval']);
  let ok = true;
  const maxTokens = tb.max_tokens ?? 0;
  if (!Number.isInteger(maxTokens) || maxTokens <= 0 || maxTokens > UINT32_MAX) {
    errs.error(joinPath(path, 'max_tokens'), `must be an integer in [1, ${UINT32_MAX}] (got ${maxTokens})`);
    ok = false;
  }
  let tokensPerFill = DEFAULT_TOKENS_PER_FILL;
  if (tb.tokens_per_fill !== undefined) {
    tokensPerFill = tb.tokens_per_fill.value ?? 0;
    if (!Number.isInteger(tokensPerFill) || tokensPerFill <= 0) {
      errs.error(joinPath(path, 'tokens_per_fill'), `must be greater than 0 (got ${tokensPerFill})`);
      ok = false;
    }
  }
  const fillIntervalMs = durationMs(tb.fill_interval);
  if (fillIntervalMs === undefined) {
    errs.required(joinPath(path, 'fill_interval'), 'fill_interval is required');
    ok = false;
  } else if (fillIntervalMs < MIN_FILL_INTERVAL_MS) {
    // Envoy: "local rate limit token bucket fill timer must be >= 50ms".
    errs.error(joinPath(path, 'fill_interval'), `must be at least ${MIN_FILL_INTERVAL_MS}ms (got ${fillIntervalMs}ms)`);
    ok = false;
  }
  return ok ? { maxTokens, tokensPerFill, fillIntervalMs: fillIntervalMs! } : undefined;
}

/**
 * One bucket. Starts full; every whole fill_interval since creation adds
 * tokens_per_fill, capped at max_tokens. Not thread-aware (Node is single
 * threaded), so one bucket serves every connection of the process, like
 * Envoy's per-process bucket.
 */
export class TokenBucket {
  private tokens: number;
  /** Time of the last (virtual) fill tick; ticks fall on creation time + k × interval. */
  private lastFill: number;

  constructor(readonly spec: TokenBucketSpec, now: number) {
    this.tokens = spec.maxTokens;
    this.lastFill = now;
  }

  /** Takes one token; false when the bucket is empty. */
  tryTake(now: number): boolean {
    this.refill(now);
    if (this.tokens === 0) return false;
    this.tokens--;
    return true;
  }

  /** Tokens left after the last take (x-ratelimit-remaining). */
  remaining(now: number): number {
    this.refill(now);
    return this.tokens;
  }

  /**
   * Seconds until the next fill (x-ratelimit-reset), truncated the way Envoy's
   * timer bucket reports it: fill_interval minus the whole seconds since the last fill.
   */
  resetSeconds(now: number): number {
    this.refill(now);
    const sinceFill = now - this.lastFill;
    return Math.max(0, Math.trunc((this.spec.fillIntervalMs - Math.floor(sinceFill / 1000) * 1000) / 1000));
  }

  private refill(now: number): void {
    const interval = this.spec.fillIntervalMs;
    const elapsed = now - this.lastFill;
    if (elapsed < interval) return;
    const ticks = Math.floor(elapsed / interval);
    this.lastFill += ticks * interval;
    const max = this.spec.maxTokens;
    // ticks × tokens_per_fill may exceed 2^53 only after absurd idle times; cap first.
    this.tokens = ticks >= max ? max : Math.min(max, this.tokens + ticks * this.spec.tokensPerFill);
  }
}
