import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderStatsText } from './render-text.js';
import { parseStatsParams, type StatsParams } from './stats-params.js';
import { StatsStore } from './stats-store.js';

function params(q = ''): StatsParams {
  const r = parseStatsParams(q);
  assert.ok(r.ok);
  return r.params;
}

function sample(): StatsStore {
  const s = new StatsStore();
  s.counter('cluster.b.upstream_rq_total').add(2);
  s.counter('cluster.a.upstream_rq_total').inc();
  s.counter('cluster.a-b.upstream_rq_total');
  s.gauge('server.live').set(1);
  s.gauge('server.hidden_thing', 'hidden_accumulate').set(9);
  s.counter('http.ingress_http.downstream_rq_total').add(3);
  const h = s.histogram('cluster.a.upstream_rq_time', 'milliseconds');
  h.record(2);
  h.record(2);
  s.histogram('cluster.a.upstream_cx_length_ms', 'milliseconds');
  return s;
}

test('counters and gauges as `name: value` sorted segment-wise, then histograms', () => {
  const out = renderStatsText(sample(), params());
  assert.equal(
    out,
    [
      'cluster.a.upstream_rq_total: 1',
      'cluster.a-b.upstream_rq_total: 0',
      'cluster.b.upstream_rq_total: 2',
      'http.ingress_http.downstream_rq_total: 3',
      'server.live: 1',
      'cluster.a.upstream_cx_length_ms: No recorded values',
      'cluster.a.upstream_rq_time: P0(nan,2) P25(nan,2.025) P50(nan,2.05) P75(nan,2.075) P90(nan,2.09) P95(nan,2.095) P99(nan,2.099) P99.5(nan,2.0995) P99.9(nan,2.0999) P100(nan,2.1)',
      '',
    ].join('\n'),
  );
});

test('interval quantiles appear after a flush', () => {
  const s = sample();
  s.flush();
  const line = renderStatsText(s, params('filter=upstream_rq_time')).trim();
  assert.match(line, /^cluster\.a\.upstream_rq_time: P0\(2,2\) P25\(2\.025,2\.025\) /);
});

test('usedonly and filter', () => {
  const out = renderStatsText(sample(), params('usedonly&filter=^cluster\\.a\\.'));
  assert.equal(out, 'cluster.a.upstream_rq_total: 1\ncluster.a.upstream_rq_time: ' + out.split('cluster.a.upstream_rq_time: ')[1]);
  assert.ok(!out.includes('upstream_cx_length_ms'), 'unused histogram hidden');
  assert.ok(!out.includes('a-b'), 'zero counter hidden');
});

test('type filter', () => {
  assert.equal(renderStatsText(sample(), params('type=Gauges')), 'server.live: 1\n');
  const h = renderStatsText(sample(), params('type=Histograms'));
  assert.equal(h.split('\n').filter(Boolean).length, 2);
});

test('bucket summaries, cumulative and disjoint', () => {
  const s = new StatsStore();
  const h = s.histogram('h');
  h.record(3);
  h.record(7);
  s.flush();
  h.record(0.2);
  const cum = renderStatsText(s, params('histogram_buckets=cumulative'));
  assert.ok(cum.startsWith('h: B0.5(0,1) B1(0,1) B5(1,2) B10(2,3) B25(2,3)'), cum);
  assert.ok(cum.includes(' B1.8e+06(2,3) B3.6e+06(2,3)\n'));
  const dis = renderStatsText(s, params('histogram_buckets=disjoint'));
  assert.ok(dis.startsWith('h: B0.5(0,1) B1(0,0) B5(1,1) B10(1,1) B25(0,0)'), dis);
});

test('labeled metrics appear under their flattened name', () => {
  const s = new StatsStore();
  s.labeledCounter('istio_requests_total', { reporter: 'source', response_code: '200' }).inc();
  assert.equal(renderStatsText(s, params()), 'reporter=.=source;.;response_code=.=200;.;istio_requests_total: 1\n');
});
