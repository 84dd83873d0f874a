import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePrometheusText, type PromFamily } from './prometheus-text-parser.js';
import { renderPrometheus } from './render-prometheus.js';
import { parseStatsParams, type StatsParams } from './stats-params.js';
import { StatsStore } from './stats-store.js';

function params(q = ''): StatsParams {
  const r = parseStatsParams(q, 'prometheus');
  assert.ok(r.ok);
  return r.params;
}

/** Renders, parses strictly, and returns the families. */
function scrape(s: StatsStore, q = ''): { text: string; families: Map<string, PromFamily> } {
  const text = renderPrometheus(s, params(q));
  return { text, families: parsePrometheusText(text) };
}

function lineFor(text: string, prefix: string): string | undefined {
  return text.split('\n').find((l) => l.startsWith(prefix));
}

test('each Envoy tag-extraction family renders as Envoy renders it', () => {
  const s = new StatsStore();
  s.counter('cluster.service1.upstream_rq_total').add(7);
  s.counter('cluster.x.upstream_rq_200').add(5);
  s.counter('cluster.x.upstream_rq_2xx').add(5);
  s.gauge('cluster.x.upstream_cx_active').set(2);
  s.counter('http.ingress_http.downstream_rq_total').add(3);
  s.counter('http.ingress_http.downstream_rq_2xx').add(3);
  s.counter('listener.0.0.0.0_80.downstream_cx_total').add(4);
  s.counter('listener.0.0.0.0_80.http.ingress_http.downstream_rq_2xx').add(1);
  s.gauge('cluster.x.circuit_breakers.default.rq_open').set(0);
  s.gauge('server.live').set(1);
  const { text } = scrape(s);
  const want = [
    'envoy_cluster_upstream_rq_total{envoy_cluster_name="service1"} 7',
    'envoy_cluster_upstream_rq{envoy_response_code="200",envoy_cluster_name="x"} 5',
    'envoy_cluster_upstream_rq_xx{envoy_response_code_class="2",envoy_cluster_name="x"} 5',
    'envoy_cluster_upstream_cx_active{envoy_cluster_name="x"} 2',
    'envoy_http_downstream_rq_total{envoy_http_conn_manager_prefix="ingress_http"} 3',
    'envoy_http_downstream_rq_xx{envoy_response_code_class="2",envoy_http_conn_manager_prefix="ingress_http"} 3',
    'envoy_listener_downstream_cx_total{envoy_listener_address="0.0.0.0_80"} 4',
    'envoy_listener_http_downstream_rq_xx{envoy_response_code_class="2",envoy_http_conn_manager_prefix="ingress_http",envoy_listener_address="0.0.0.0_80"} 1',
    'envoy_cluster_circuit_breakers_default_rq_open{envoy_cluster_name="x"} 0',
    'envoy_server_live{} 1',
  ];
  for (const w of want) assert.ok(text.split('\n').includes(w), `missing line: ${w}\n--- got:\n${text}`);
  assert.ok(text.includes('# TYPE envoy_cluster_upstream_rq counter\n'));
  assert.ok(text.includes('# TYPE envoy_cluster_upstream_cx_active gauge\n'));
  assert.ok(text.includes('# TYPE envoy_server_live gauge\n'));
});

test('counters, then gauges, then histograms; families sorted; one TYPE per family', () => {
  const s = new StatsStore();
  s.counter('cluster.b.upstream_rq_200').inc();
  s.counter('cluster.a.upstream_rq_503').inc();
  s.counter('cluster.a.upstream_rq_200').inc();
  s.gauge('server.live').set(1);
  s.histogram('cluster.a.upstream_rq_time').record(1);
  const { text, families } = scrape(s);
  const types = text.split('\n').filter((l) => l.startsWith('# TYPE'));
  assert.deepEqual(types, [
    '# TYPE envoy_cluster_upstream_rq counter',
    '# TYPE envoy_server_live gauge',
    '# TYPE envoy_cluster_upstream_rq_time histogram',
  ]);
  // Members sorted by full stat name: cluster.a.*_200, cluster.a.*_503, cluster.b.*_200.
  assert.deepEqual(
    families.get('envoy_cluster_upstream_rq')!.samples.map((x) => [x.labels.envoy_cluster_name, x.labels.envoy_response_code]),
    [['a', '200'], ['a', '503'], ['b', '200']],
  );
});

test('histograms: every default bucket, +Inf, _sum, _count; labels before le', () => {
  const s = new StatsStore();
  const h = s.histogram('cluster.x.upstream_rq_time', 'milliseconds');
  for (const v of [1, 3, 30, 30000, 5000000]) h.record(v);
  const d = s.histogram('http.ingress_http.downstream_rq_time', 'milliseconds');
  d.record(0.25);
  const { text, families } = scrape(s);
  const f = families.get('envoy_cluster_upstream_rq_time')!;
  assert.equal(f.type, 'histogram');
  const buckets = f.samples.filter((x) => x.name.endsWith('_bucket'));
  assert.deepEqual(buckets.map((b) => b.labels.le), ['0.5', '1', '5', '10', '25', '50', '100', '250', '500', '1000', '2500', '5000', '10000', '30000', '60000', '300000', '600000', '1800000', '3600000', '+Inf']);
  assert.deepEqual(buckets.map((b) => b.value), [0, 1, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 5]);
  assert.equal(lineFor(text, 'envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name="x",le="0.5"}'), 'envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name="x",le="0.5"} 0');
  assert.equal(lineFor(text, 'envoy_cluster_upstream_rq_time_sum'), 'envoy_cluster_upstream_rq_time_sum{envoy_cluster_name="x"} 5030034');
  assert.equal(lineFor(text, 'envoy_cluster_upstream_rq_time_count'), 'envoy_cluster_upstream_rq_time_count{envoy_cluster_name="x"} 5');
  assert.equal(lineFor(text, 'envoy_http_downstream_rq_time_bucket'), 'envoy_http_downstream_rq_time_bucket{envoy_http_conn_manager_prefix="ingress_http",le="0.5"} 1');
});

test('a histogram without tags prints le alone and empty braces for sum/count', () => {
  const s = new StatsStore();
  s.histogram('server.initialization_time_ms').record(12);
  const { text } = scrape(s);
  assert.ok(text.includes('envoy_server_initialization_time_ms_bucket{le="25"} 1\n'));
  assert.ok(text.includes('envoy_server_initialization_time_ms_sum{} 12\n'));
  assert.ok(text.includes('envoy_server_initialization_time_ms_count{} 1\n'));
});

test('label values are escaped and names sanitised', () => {
  const s = new StatsStore();
  s.counter('cluster.outbound|9080|v1|reviews.upstream_rq_total').inc();
  s.labeledCounter('istio_requests_total', { 'request.path': 'a"b\\c\nd', reporter: 'source' }).inc();
  const { text, families } = scrape(s);
  assert.ok(text.includes('envoy_cluster_upstream_rq_total{envoy_cluster_name="outbound|9080|v1|reviews"} 1\n'));
  assert.ok(text.includes('istio_requests_total{request_path="a\\"b\\\\c\\nd",reporter="source"} 1\n'), text);
  assert.equal(families.get('istio_requests_total')!.samples[0]!.labels.request_path, 'a"b\\c\nd', 'round-trips through a strict parser');
  const s2 = new StatsStore();
  s2.counter('weird-name:with.dots').inc();
  assert.ok(renderPrometheus(s2, params()).includes('envoy_weird_name_with_dots{} 1\n'));
});

test('labeled metrics keep their own family name and label order', () => {
  const s = new StatsStore();
  s.labeledCounter('istio_requests_total', { reporter: 'destination', response_code: '503' }).add(2);
  s.labeledCounter('istio_requests_total', { reporter: 'destination', response_code: '200' }).add(8);
  const h = s.labeledHistogram('istio_request_duration_milliseconds', { reporter: 'destination' }, 'milliseconds');
  h.record(7);
  const { text, families } = scrape(s);
  assert.equal(families.get('istio_requests_total')!.type, 'counter');
  assert.deepEqual(families.get('istio_requests_total')!.samples.map((x) => x.value), [8, 2]);
  assert.ok(text.includes('istio_request_duration_milliseconds_bucket{reporter="destination",le="10"} 1\n'));
  assert.equal(families.get('istio_request_duration_milliseconds')!.type, 'histogram');
});

test('a family claimed by two kinds is emitted once (first kind wins), keeping the output valid', () => {
  const s = new StatsStore();
  s.counter('cluster.a.thing').inc();
  s.labeledGauge('envoy_cluster_thing', { envoy_cluster_name: 'b' }).set(1);
  const { families } = scrape(s);
  assert.equal(families.get('envoy_cluster_thing')!.type, 'counter');
  assert.equal(families.get('envoy_cluster_thing')!.samples.length, 1);
});

test('usedonly, filter and hidden gauges', () => {
  const s = new StatsStore();
  s.counter('cluster.a.upstream_rq_total').inc();
  s.counter('cluster.a.upstream_rq_retry');
  s.gauge('server.hidden', 'hidden_accumulate').set(1);
  s.histogram('cluster.a.upstream_rq_time');
  const used = scrape(s, 'usedonly').text;
  assert.equal(used, '# TYPE envoy_cluster_upstream_rq_total counter\nenvoy_cluster_upstream_rq_total{envoy_cluster_name="a"} 1\n');
  const filtered = scrape(s, 'filter=retry').text;
  assert.equal(filtered, '# TYPE envoy_cluster_upstream_rq_retry counter\nenvoy_cluster_upstream_rq_retry{envoy_cluster_name="a"} 0\n');
  assert.ok(!scrape(s).text.includes('hidden'));
});

test('a large mixed store produces output the strict parser accepts', () => {
  const s = new StatsStore();
  for (const c of ['a', 'b', 'outbound|80||web.default.svc.cluster.local']) {
    const sc = s.scope(`cluster.${c}`);
    for (const code of ['200', '404', '503']) sc.counter(`upstream_rq_${code}`).inc();
    for (const cls of ['2', '4', '5']) sc.counter(`upstream_rq_${cls}xx`).inc();
    sc.counter('upstream_rq_total').add(3);
    sc.gauge('upstream_cx_active').set(1);
    sc.scope('circuit_breakers.default').gauge('rq_open').set(0);
    sc.scope('circuit_breakers.high').gauge('rq_open').set(0);
    sc.histogram('upstream_rq_time', 'milliseconds').record(5);
    sc.histogram('upstream_cx_connect_ms', 'milliseconds').record(1);
  }
  for (const l of ['0.0.0.0_15001', '[__1]_80', 'virtualInbound']) {
    s.counter(`listener.${l}.downstream_cx_total`).inc();
    s.counter(`listener.${l}.http.inbound_0.0.0.0_8080.downstream_rq_2xx`).inc();
    s.histogram(`listener.${l}.downstream_cx_length_ms`).record(100);
  }
  s.counter('http.admin.downstream_rq_total').inc();
  s.gauge('server.live').set(1);
  s.labeledCounter('istio_requests_total', { reporter: 'source', source_workload: 'productpage-v1' }).inc();
  const { families } = scrape(s);
  assert.ok(families.size > 15);
  // The circuit-breaker priority stays part of the family name.
  assert.ok(families.has('envoy_cluster_circuit_breakers_default_rq_open'));
  assert.ok(families.has('envoy_cluster_circuit_breakers_high_rq_open'));
  assert.equal(families.get('envoy_cluster_upstream_rq')!.samples.length, 6);
  // With Envoy's default tags a dotted cluster name leaves its tail in the
  // family name, exactly as Envoy does; Istio's bootstrap adds its own
  // cluster_name regex for that (see tag-producer.test.ts).
  assert.equal(families.get('envoy_cluster_default_svc_cluster_local_upstream_rq')!.samples[0]!.labels.envoy_cluster_name, 'outbound|80||web');
});
