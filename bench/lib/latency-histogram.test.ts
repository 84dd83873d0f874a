import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatencyHistogram, bucketIndex, bucketUpperBound } from './latency-histogram.js';

test('values below 256 are exact', () => {
  const h = new LatencyHistogram();
  for (let v = 1; v <= 100; v++) h.record(v);
  assert.equal(h.count, 100);
  assert.equal(h.percentile(50), 50);
  assert.equal(h.percentile(99), 99);
  assert.equal(h.percentile(100), 100);
  assert.equal(h.min, 1);
  assert.equal(h.mean, 50.5);
});

test('bucket index and upper bound agree over many octaves', () => {
  let prev = -1;
  for (const v of [0, 1, 255, 256, 257, 511, 512, 1000, 65_535, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 12345, 2 ** 52]) {
    const i = bucketIndex(v);
    assert.ok(i >= prev, `index is monotonic at ${v}`);
    prev = i;
    const upper = bucketUpperBound(i);
    assert.ok(upper >= v, `upper bound ${upper} covers ${v}`);
    assert.ok(upper - v <= v / 128 + 1, `bucket of ${v} is within 1/128`);
    if (i > 0) assert.ok(bucketUpperBound(i - 1) < v, `previous bucket ends below ${v}`);
  }
});

test('percentiles of a wide distribution are within 1% and never understate', () => {
  const h = new LatencyHistogram();
  const values: number[] = [];
  for (let i = 0; i < 10_000; i++) values.push(Math.round(50_000 * Math.exp(i / 2000)));
  for (const v of values) h.record(v);
  values.sort((a, b) => a - b);
  for (const p of [50, 90, 99, 99.9]) {
    const exact = values[Math.ceil((p / 100) * values.length) - 1];
    const got = h.percentile(p);
    assert.ok(got >= exact, `p${p} ${got} >= ${exact}`);
    assert.ok(got <= exact * 1.01, `p${p} ${got} within 1% of ${exact}`);
  }
  assert.equal(h.percentile(100), values[values.length - 1]);
});

test('merge adds counts and keeps extremes', () => {
  const a = new LatencyHistogram();
  const b = new LatencyHistogram();
  a.record(10);
  b.record(1_000_000);
  b.record(5);
  a.merge(b);
  assert.equal(a.count, 3);
  assert.equal(a.min, 5);
  assert.equal(a.max, 1_000_000);
  assert.equal(a.percentile(50), 10);
});

test('an empty histogram reports zeros', () => {
  const h = new LatencyHistogram();
  assert.equal(h.percentile(99), 0);
  assert.equal(h.mean, 0);
  assert.equal(h.min, 0);
});
