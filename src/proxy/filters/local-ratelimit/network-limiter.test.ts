import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigErrors } from '../../../common/errors.js';
import { ManualClock } from '../../../common/clock.js';
import { StatsStore } from '../../../stats/stats-store.js';
import type { AnyMessage } from '../../../xds/gen/types.js';
import { NETWORK_LOCAL_RATELIMIT_TYPE_URL } from './defaults.js';
import { decodeNetworkLocalRateLimit, NetworkLocalRateLimiter, type NetworkLocalRateLimitConfig } from './network-limiter.js';

function cfg(fields: Record<string, unknown>): AnyMessage {
  return { '@type': NETWORK_LOCAL_RATELIMIT_TYPE_URL, ...fields };
}

function decode(fields: Record<string, unknown>): { c: NetworkLocalRateLimitConfig | undefined; errors: string[] } {
  const errs = new ConfigErrors();
  const c = decodeNetworkLocalRateLimit(cfg(fields), 'f', errs);
  return { c, errors: errs.errors.map((e) => `${e.path}: ${e.message}`) };
}

const BUCKET = { max_tokens: 2, tokens_per_fill: { value: 1 }, fill_interval: { seconds: 1 } };

function admitted(l: NetworkLocalRateLimiter, n: number): boolean[] {
  return Array.from({ length: n }, () => l.onConnection());
}

describe('network local rate limit', () => {
  it('one token per connection; over the limit refuses and counts local_rate_limit.<prefix>.rate_limited', () => {
    const clock = new ManualClock();
    const store = new StatsStore();
    const l = new NetworkLocalRateLimiter(decode({ stat_prefix: 'tcp', token_bucket: BUCKET }).c!, store, clock);
    assert.deepEqual(admitted(l, 3), [true, true, false]);
    assert.equal(store.counter('local_rate_limit.tcp.rate_limited').value, 1);
    clock.advance(1000);
    assert.deepEqual(admitted(l, 2), [true, false]);
    assert.equal(store.counter('local_rate_limit.tcp.rate_limited').value, 2);
  });

  it('runtime_enabled default_value false lets every connection through', () => {
    const l = new NetworkLocalRateLimiter(decode({ stat_prefix: 'tcp', token_bucket: BUCKET, runtime_enabled: { runtime_key: 'k', default_value: { value: false } } }).c!, new StatsStore(), new ManualClock());
    assert.deepEqual(admitted(l, 4), [true, true, true, true]);
  });

  it('share_key: limiters with the same key and bucket share tokens; others do not', () => {
    const clock = new ManualClock();
    const store = new StatsStore();
    const a = new NetworkLocalRateLimiter(decode({ stat_prefix: 'a', token_bucket: BUCKET, share_key: 'k1' }).c!, store, clock);
    const b = new NetworkLocalRateLimiter(decode({ stat_prefix: 'b', token_bucket: BUCKET, share_key: 'k1' }).c!, store, clock);
    const c = new NetworkLocalRateLimiter(decode({ stat_prefix: 'c', token_bucket: BUCKET }).c!, store, clock);
    assert.deepEqual([a.onConnection(), b.onConnection(), a.onConnection(), b.onConnection()], [true, true, false, false]);
    assert.deepEqual(admitted(c, 2), [true, true]);
  });

  it('reports every config error with its path', () => {
    assert.deepEqual(decode({}).errors, ['f.stat_prefix: stat_prefix is required', 'f.token_bucket: token_bucket is required']);
    assert.deepEqual(decode({ stat_prefix: 's', token_bucket: { max_tokens: 1, fill_interval: { nanos: 1_000_000 } }, runtime_enabled: {}, other: 1 }).errors.map((e) => e.split(':')[0]), [
      'f.other', 'f.token_bucket.fill_interval', 'f.runtime_enabled.default_value',
    ]);
  });
});
