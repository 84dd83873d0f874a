import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_HISTOGRAM_BUCKETS, SUPPORTED_QUANTILES } from './defaults.js';
import { Histogram } from './histogram.js';
import { LogLinearSketch } from './log-linear-sketch.js';
import { StatsStore } from './stats-store.js';

function hist(): Histogram {
  return new StatsStore().histogram('cluster.x.upstream_rq_time', 'milliseconds');
}

test('Envoy default buckets', () => {
  assert.deepEqual(DEFAULT_HISTOGRAM_BUCKETS, [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000]);
  assert.deepEqual(hist().bounds, DEFAULT_HISTOGRAM_BUCKETS);
});

test('buckets are cumulative with le (≤) semantics, +Inf is the count', () => {
  const h = hist();
  for (const v of [0, 0.5, 0.7, 1, 5, 5.1, 1e7]) h.record(v);
  const cum = h.cumulativeBuckets();
  assert.equal(cum[0], 2, 'le=0.5 takes 0 and 0.5');
  assert.equal(cum[1], 4, 'le=1 adds 0.7 and 1');
  assert.equal(cum[2], 5, 'le=5 adds 5');
  assert.equal(cum[3], 6, 'le=10 adds 5.1');
  assert.equal(cum[cum.length - 1], 6, '1e7 is only in +Inf');
  assert.equal(h.count, 7);
  assert.equal(h.sum, 0 + 0.5 + 0.7 + 1 + 5 + 5.1 + 1e7);
  assert.deepEqual(h.disjointBuckets().slice(0, 4), [2, 2, 1, 1]);
});

test('quantiles interpolate inside two-digit bins like Envoy', () => {
  const h = hist();
  for (let i = 0; i < 10; i++) h.record(2);
  const q = h.cumulativeQuantiles();
  assert.equal(q.length, SUPPORTED_QUANTILES.length);
  assert.equal(q[0], 2, 'P0 is the bin left edge');
  assert.equal(q[2], 2.05, 'P50 is mid-bin');
  assert.equal(q[9], 2.1, 'P100 is the bin right edge');
});

test('quantiles of a spread are within one bin of the truth', () => {
  const h = hist();
  for (let v = 1; v <= 1000; v++) h.record(v);
  const q = h.cumulativeQuantiles();
  const truth = [1, 250, 500, 750, 900, 950, 990, 995, 999, 1000];
  for (let i = 0; i < truth.length; i++) {
    assert.ok(Math.abs(q[i]! - truth[i]!) <= truth[i]! * 0.1 + 1e-9, `P${SUPPORTED_QUANTILES[i]! * 100}: ${q[i]} vs ${truth[i]}`);
  }
  for (let i = 1; i < q.length; i++) assert.ok(q[i]! >= q[i - 1]!, 'quantiles are monotonic');
});

test('empty histogram has NaN quantiles; zero samples sit in the zero bin', () => {
  const h = hist();
  assert.ok(h.cumulativeQuantiles().every(Number.isNaN));
  assert.equal(h.used, false);
  h.record(0);
  assert.deepEqual(h.cumulativeQuantiles(), SUPPORTED_QUANTILES.map(() => 0));
});

test('interval statistics cover the samples between the last two flushes', () => {
  const h = hist();
  h.record(10);
  assert.ok(h.intervalQuantiles().every(Number.isNaN), 'no interval before the first flush');
  h.flush();
  assert.equal(h.intervalQuantiles()[0], 10);
  h.record(200);
  h.record(200);
  h.flush();
  const iv = h.intervalQuantiles();
  assert.equal(iv[0], 200, 'old sample is not in the new interval');
  assert.equal(h.cumulativeQuantiles()[0], 10, 'cumulative keeps everything');
  assert.deepEqual(h.intervalCumulativeBuckets().slice(7, 8), [2], 'le=250 interval bucket');
  assert.equal(h.cumulativeBuckets()[7], 3);
  h.flush();
  assert.ok(h.intervalQuantiles().every(Number.isNaN), 'an interval without samples is empty');
  assert.equal(h.intervalCumulativeBuckets()[7], 0);
});

test('sketch bins: decade boundaries, tiny and huge values, copy and difference', () => {
  const s = new LogLinearSketch();
  for (const v of [0.3, 1, 9.99, 10, 99, 100, 1e20, 1e-9]) s.add(v);
  const [p0, p100] = s.quantiles([0, 1]);
  assert.equal(p0, 0, 'values below the lowest decade count as zero');
  assert.ok(p100! >= 9.9e15, 'huge values clamp into the top bin');
  const lo = new LogLinearSketch();
  lo.add(0.3);
  assert.deepEqual(lo.quantiles([0, 1]), [0.3, 0.31]);
  const snap = new LogLinearSketch();
  snap.copyFrom(s);
  s.add(5);
  const d = new LogLinearSketch();
  d.setDifference(s, snap);
  assert.equal(d.total, 1);
  assert.deepEqual(d.quantiles([0, 1]), [5, 5.1]);
});

test('custom bucket bounds from the store options', () => {
  const store = new StatsStore({ histogramBuckets: (n) => (n.endsWith('_size') ? [10, 100] : undefined) });
  const h = store.histogram('cluster.x.upstream_rq_size', 'bytes');
  assert.deepEqual(h.bounds, [10, 100]);
  h.record(50);
  assert.deepEqual(h.cumulativeBuckets(), [0, 1]);
  assert.deepEqual(store.histogram('cluster.x.upstream_rq_time').bounds, DEFAULT_HISTOGRAM_BUCKETS);
});
