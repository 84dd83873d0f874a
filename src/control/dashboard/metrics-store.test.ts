import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matcher } from './promql/parser.js';
import { MetricsStore, seriesKey } from './metrics-store.js';

const name = (n: string) => [matcher('__name__', '=', n)];
function points(store: MetricsStore, metric: string, from = -Infinity, to = Infinity): [number, number | 'stale'][][] {
  return [...store.select(name(metric), from, to)].map((s) => {
    const out: [number, number | 'stale'][] = [];
    for (let i = s.from; i < s.to; i++) out.push([s.ts[i]!, s.stale?.[i] === 1 ? 'stale' : s.vs[i]!]);
    return out;
  });
}

test('keeps samples for the window only: older ones are evicted, empty series removed, both counted', () => {
  const store = new MetricsStore({ windowMs: 100, maxSeries: 10, maxSamples: 1000 });
  for (let t = 0; t <= 300; t += 10) store.append({ __name__: 'a' }, t, t);
  store.append({ __name__: 'b' }, 0, 1);
  store.evict(300);
  assert.deepEqual(points(store, 'a')[0]!.map(([t]) => t), [200, 210, 220, 230, 240, 250, 260, 270, 280, 290, 300]);
  assert.deepEqual(points(store, 'b'), []);
  assert.equal(store.seriesCount, 1);
  assert.equal(store.sampleCount, 11);
  assert.equal(store.counters.samplesEvicted, 21);
  assert.equal(store.counters.seriesEvicted, 1);
  // The buffers are reused: a long run stays at the window's size.
  for (let t = 310; t <= 100_000; t += 10) {
    store.append({ __name__: 'a' }, t, t);
    if (t % 1000 === 0) store.evict(t);
  }
  store.evict(100_000);
  assert.equal(store.sampleCount, 11);
});

test('the series cap refuses new series (counted); existing ones keep taking samples', () => {
  const store = new MetricsStore({ windowMs: 1e9, maxSeries: 2, maxSamples: 1000 });
  assert.ok(store.append({ __name__: 'x', i: '1' }, 1, 1));
  assert.ok(store.append({ __name__: 'x', i: '2' }, 1, 1));
  assert.equal(store.append({ __name__: 'x', i: '3' }, 1, 1), undefined);
  assert.ok(store.append({ __name__: 'x', i: '1' }, 2, 2));
  assert.equal(store.seriesCount, 2);
  assert.equal(store.counters.seriesRefused, 1);
});

test('the sample cap: eviction drops the oldest samples first and says how much window is left; a hard ceiling refuses (counted)', () => {
  const store = new MetricsStore({ windowMs: 1000, maxSeries: 10, maxSamples: 20 });
  for (let t = 0; t <= 390; t += 10) {
    store.append({ __name__: 'x' }, t, t);
    store.append({ __name__: 'y' }, t, t);
  }
  assert.equal(store.sampleCount, 25, 'appends stop at the hard ceiling, 25% over the cap');
  assert.equal(store.counters.samplesRefused, 80 - 25);
  store.evict(400);
  assert.ok(store.sampleCount <= 20, `${store.sampleCount}`);
  // The newest samples stayed; the window now starts later.
  const kept = points(store, 'x')[0]!.map(([t]) => t);
  assert.equal(kept[kept.length - 1], 120);
  assert.ok(store.effectiveWindowMs < 1000 && store.effectiveWindowMs >= 400 - kept[0]!, `${store.effectiveWindowMs}`);
  // Under the cap again, appends go on; the newest are kept, the oldest go at the next eviction.
  for (let t = 400; t <= 600; t += 10) {
    store.append({ __name__: 'x' }, t, t);
    store.append({ __name__: 'y' }, t, t);
    store.evict(t);
  }
  assert.ok(store.sampleCount <= 20);
  assert.equal(points(store, 'x')[0]!.at(-1)![0], 600);
});

test('out-of-order and duplicate timestamps are refused and counted', () => {
  const store = new MetricsStore({ windowMs: 1e9, maxSeries: 10, maxSamples: 100 });
  store.append({ __name__: 'x' }, 10, 1);
  store.append({ __name__: 'x' }, 5, 2);
  store.append({ __name__: 'x' }, 10, 3);
  assert.deepEqual(points(store, 'x'), [[[10, 1]]]);
  assert.equal(store.counters.samplesOutOfOrder, 2);
});

test('staleness markers: stored once, after the last sample, and read as stale', () => {
  const store = new MetricsStore({ windowMs: 1e9, maxSeries: 10, maxSamples: 100 });
  const key = store.append({ __name__: 'x', a: '1' }, 10, 1)!;
  assert.equal(key, seriesKey({ a: '1', __name__: 'x' }));
  store.markStale(key, 20);
  store.markStale(key, 30); // already stale
  store.markStale('no such series', 30);
  store.append({ __name__: 'x', a: '1' }, 40, 2);
  assert.deepEqual(points(store, 'x'), [[[10, 1], [20, 'stale'], [40, 2]]]);
});

test('select: left-open time range, every matcher applied, with and without a metric name', () => {
  const store = new MetricsStore({ windowMs: 1e9, maxSeries: 10, maxSamples: 100 });
  for (const t of [10, 20, 30]) {
    store.append({ __name__: 'req', code: '200' }, t, t);
    store.append({ __name__: 'req', code: '503' }, t, t);
    store.append({ __name__: 'other', code: '200' }, t, t);
  }
  assert.deepEqual(points(store, 'req', 10, 30), [[[20, 20], [30, 30]], [[20, 20], [30, 30]]]);
  const sel = (ms: ReturnType<typeof matcher>[]) => [...store.select(ms, 0, 100)].map((s) => s.labels.__name__ + s.labels.code).sort();
  assert.deepEqual(sel([matcher('code', '=~', '5..')]), ['req503']);
  assert.deepEqual(sel([matcher('code', '=', '200')]), ['other200', 'req200']);
  assert.deepEqual(sel([matcher('__name__', '=~', 'req|other'), matcher('code', '!=', '503')]), ['other200', 'req200']);
  assert.deepEqual(sel([matcher('__name__', '=', 'req'), matcher('missing', '=', '')]), ['req200', 'req503']);
  assert.deepEqual(store.names(), ['other', 'req']);
});
