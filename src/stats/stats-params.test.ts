import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_STATS_PARAMS, parseStatsParams } from './stats-params.js';

test('defaults', () => {
  const r = parseStatsParams('');
  assert.ok(r.ok);
  assert.deepEqual(r.params, DEFAULT_STATS_PARAMS);
});

test('all parameters parse', () => {
  const r = parseStatsParams('?usedonly&filter=cluster%5C.a&type=Counters&histogram_buckets=cumulative&format=json');
  assert.ok(r.ok);
  assert.equal(r.params.usedOnly, true);
  assert.ok(r.params.filter?.test('x.cluster.a.y'));
  assert.ok(!r.params.filter?.test('clusterXa'));
  assert.equal(r.params.type, 'Counters');
  assert.equal(r.params.histogramBuckets, 'cumulative');
  assert.equal(r.params.format, 'json');
  const forced = parseStatsParams(new URLSearchParams('format=json'), 'prometheus');
  assert.ok(forced.ok && forced.params.format === 'prometheus');
});

test('bad values are errors, not ignored', () => {
  for (const q of ['filter=(', 'type=Bogus', 'histogram_buckets=detailed', 'format=html']) {
    const r = parseStatsParams(q);
    assert.equal(r.ok, false, q);
  }
  const r = parseStatsParams('histogram_buckets=disjoint', 'prometheus');
  assert.equal(r.ok, false);
});

test('RE2 spellings in filters', () => {
  const r = parseStatsParams('filter=' + encodeURIComponent('upstream_rq_[[:digit:]]+$'));
  assert.ok(r.ok);
  assert.ok(r.params.filter?.test('cluster.a.upstream_rq_200'));
  assert.ok(!r.params.filter?.test('cluster.a.upstream_rq_total'));
});
