import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildStatsJson, renderStatsJson } from './render-json.js';
import { parseStatsParams, type StatsParams } from './stats-params.js';
import { StatsStore } from './stats-store.js';

function params(q = ''): StatsParams {
  const r = parseStatsParams(q);
  assert.ok(r.ok);
  return r.params;
}

test('stats array of name/value, sorted, histograms last in Envoy shape', () => {
  const s = new StatsStore();
  s.gauge('server.live').set(1);
  s.counter('cluster.x.upstream_rq_total').add(4);
  const h = s.histogram('cluster.x.upstream_rq_time');
  h.record(2);
  const doc = JSON.parse(renderStatsJson(s, params()));
  assert.deepEqual(doc.stats.slice(0, 2), [
    { name: 'cluster.x.upstream_rq_total', value: 4 },
    { name: 'server.live', value: 1 },
  ]);
  const hist = doc.stats[2].histograms;
  assert.deepEqual(hist.supported_quantiles, [0, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 100]);
  assert.equal(hist.computed_quantiles.length, 1);
  assert.equal(hist.computed_quantiles[0].name, 'cluster.x.upstream_rq_time');
  assert.equal(hist.computed_quantiles[0].values.length, 10);
  assert.deepEqual(hist.computed_quantiles[0].values[2], { cumulative: 2.05, interval: null }, 'NaN is null');
  assert.equal(doc.stats.length, 3);
});

test('no histograms element when no histogram is shown', () => {
  const s = new StatsStore();
  s.counter('a').inc();
  s.histogram('h');
  assert.deepEqual(buildStatsJson(s, params('usedonly')), { stats: [{ name: 'a', value: 1 }] });
  assert.deepEqual(buildStatsJson(s, params('type=Counters')), { stats: [{ name: 'a', value: 1 }] });
});

test('histogram_buckets=cumulative gives per-histogram bucket lists', () => {
  const s = new StatsStore();
  const h = s.histogram('h');
  h.record(0.4);
  h.record(3);
  const doc = buildStatsJson(s, params('histogram_buckets=cumulative'));
  const entry = (doc.stats[0] as { histograms: { name: string; buckets: { upper_bound: number; interval: number; cumulative: number }[] }[] }).histograms[0]!;
  assert.equal(entry.name, 'h');
  assert.deepEqual(entry.buckets.slice(0, 3), [
    { upper_bound: 0.5, interval: 0, cumulative: 1 },
    { upper_bound: 1, interval: 0, cumulative: 1 },
    { upper_bound: 5, interval: 0, cumulative: 2 },
  ]);
});

test('names are JSON-escaped', () => {
  const s = new StatsStore();
  s.labeledCounter('m', { path: 'a"b\\c' }).inc();
  const doc = JSON.parse(renderStatsJson(s, params()));
  assert.equal(doc.stats[0].name, 'path=.=a"b\\c;.;m');
});
