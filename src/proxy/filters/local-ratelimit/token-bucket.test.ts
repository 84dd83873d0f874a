import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigErrors } from '../../../common/errors.js';
import { decodeTokenBucket, TokenBucket } from './token-bucket.js';

function takeAll(b: TokenBucket, now: number): number {
  let n = 0;
  while (b.tryTake(now)) n++;
  return n;
}

describe('TokenBucket', () => {
  it('starts full and admits exactly tokens_per_fill per whole fill_interval, capped at max_tokens', () => {
    const b = new TokenBucket({ maxTokens: 10, tokensPerFill: 3, fillIntervalMs: 1000 }, 0);
    assert.equal(takeAll(b, 0), 10);
    assert.equal(takeAll(b, 999), 0, 'no fill before the interval ends');
    assert.equal(takeAll(b, 1000), 3);
    assert.equal(takeAll(b, 1999), 0);
    assert.equal(takeAll(b, 3000), 6, 'two intervals, two fills');
    assert.equal(takeAll(b, 100_000), 10, 'capped at max_tokens');
  });

  it('fills on the interval grid, not from the last take', () => {
    const b = new TokenBucket({ maxTokens: 1, tokensPerFill: 1, fillIntervalMs: 100 }, 50);
    assert.ok(b.tryTake(50));
    assert.ok(!b.tryTake(149));
    assert.ok(b.tryTake(150));
    assert.ok(!b.tryTake(200));
    assert.ok(b.tryTake(250), 'next tick at 250, not 300');
  });

  it('reports remaining tokens and whole seconds until the next fill', () => {
    const b = new TokenBucket({ maxTokens: 5, tokensPerFill: 1, fillIntervalMs: 60_000 }, 0);
    b.tryTake(0);
    assert.equal(b.remaining(0), 4);
    assert.equal(b.resetSeconds(0), 60);
    assert.equal(b.resetSeconds(1500), 59);
    assert.equal(b.resetSeconds(59_999), 1);
  });

  it('survives huge idle times without overflow', () => {
    const b = new TokenBucket({ maxTokens: 4294967295, tokensPerFill: 4294967295, fillIntervalMs: 50 }, 0);
    b.tryTake(0);
    assert.equal(b.remaining(1e15), 4294967295);
  });
});

describe('decodeTokenBucket', () => {
  const decode = (tb: Parameters<typeof decodeTokenBucket>[0]) => {
    const errs = new ConfigErrors();
    const spec = decodeTokenBucket(tb, 'tb', errs);
    return { spec, errors: errs.errors.map((e) => `${e.path}: ${e.message}`) };
  };

  it('defaults tokens_per_fill to 1', () => {
    assert.deepEqual(decode({ max_tokens: 5, fill_interval: { seconds: 1 } }).spec, { maxTokens: 5, tokensPerFill: 1, fillIntervalMs: 1000 });
  });

  it('reports every invalid field with its path', () => {
    const { spec, errors } = decode({ max_tokens: 0, tokens_per_fill: { value: 0 }, fill_interval: { nanos: 49_000_000 } });
    assert.equal(spec, undefined);
    assert.deepEqual(errors.map((e) => e.split(':')[0]), ['tb.max_tokens', 'tb.tokens_per_fill', 'tb.fill_interval']);
    assert.match(errors[2]!, /at least 50ms \(got 49ms\)/);
    assert.deepEqual(decode({ max_tokens: 1 }).errors, ['tb.fill_interval: fill_interval is required']);
  });
});
