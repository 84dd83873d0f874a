// Metric names, types and label names against Istio's documented list
// ("Istio Standard Metrics", istio.io/latest/docs/reference/config/metrics/),
// and bucket boundaries as Prometheus reads them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StreamInfo } from '../../access-log/stream-info.js';
import { DEFAULT_HISTOGRAM_BUCKETS } from '../../../stats/defaults.js';
import { parsePrometheusText } from '../../../stats/prometheus-text-parser.js';
import { renderPrometheus } from '../../../stats/render-prometheus.js';
import { DEFAULT_STATS_PARAMS } from '../../../stats/stats-params.js';
import { StatsStore } from '../../../stats/stats-store.js';
import { HTTP_LABELS, METRICS, TCP_LABELS } from './defaults.js';
import { IstioTcpStatsFactory } from './tcp-stats.js';

/** Istio's documented metrics: name, Prometheus type, protocol. */
const ISTIO_METRICS: [string, 'counter' | 'histogram', 'http' | 'grpc' | 'tcp'][] = [
  ['istio_requests_total', 'counter', 'http'],
  ['istio_request_duration_milliseconds', 'histogram', 'http'],
  ['istio_request_bytes', 'histogram', 'http'],
  ['istio_response_bytes', 'histogram', 'http'],
  ['istio_request_messages_total', 'counter', 'grpc'],
  ['istio_response_messages_total', 'counter', 'grpc'],
  ['istio_tcp_sent_bytes_total', 'counter', 'tcp'],
  ['istio_tcp_received_bytes_total', 'counter', 'tcp'],
  ['istio_tcp_connections_opened_total', 'counter', 'tcp'],
  ['istio_tcp_connections_closed_total', 'counter', 'tcp'],
];

/** Istio's documented labels (the "Labels" section), as sets. */
const ISTIO_COMMON_LABELS = [
  'reporter', 'source_workload', 'source_workload_namespace', 'source_principal', 'source_app', 'source_version',
  'source_canonical_service', 'source_canonical_revision', 'source_cluster',
  'destination_workload', 'destination_workload_namespace', 'destination_principal', 'destination_app', 'destination_version',
  'destination_service', 'destination_service_name', 'destination_service_namespace',
  'destination_canonical_service', 'destination_canonical_revision', 'destination_cluster',
  'request_protocol', 'response_flags', 'connection_security_policy',
];
const ISTIO_HTTP_ONLY = ['response_code', 'grpc_response_status'];

test('every documented metric name, and no other', () => {
  assert.deepEqual(Object.values(METRICS).sort(), ISTIO_METRICS.map(([n]) => n).sort());
});

for (const [name, type, proto] of ISTIO_METRICS) {
  test(`${name}: ${type}, labels as documented for ${proto}`, () => {
    const labels = proto === 'tcp' ? TCP_LABELS : HTTP_LABELS;
    const want = proto === 'tcp' ? ISTIO_COMMON_LABELS : [...ISTIO_COMMON_LABELS, ...ISTIO_HTTP_ONLY];
    assert.deepEqual([...labels].sort(), [...want].sort());
    assert.equal(new Set(labels).size, labels.length);
  });
}

test('TCP: the network-side recorder emits the four TCP families with Istio\'s labels, opened at open and bytes at close', () => {
  const stats = new StatsStore();
  const f = new IstioTcpStatsFactory('destination', { disableHostHeaderFallback: true, metrics: [] }, { stats, node: { id: 'n', cluster: 'c', metadata: { NAMESPACE: 'db', WORKLOAD_NAME: 'mysql-v1', LABELS: { app: 'mysql' } } } });
  const info = new StreamInfo();
  info.upstreamCluster = 'inbound|3306||';
  const c = f.open(info);
  let fams = parsePrometheusText(renderPrometheus(stats, DEFAULT_STATS_PARAMS));
  assert.equal(fams.get('istio_tcp_connections_opened_total')!.samples[0]!.value, 1);
  assert.equal(fams.get('istio_tcp_connections_closed_total')!.samples[0]!.value, 0);
  info.bytesReceived = 100;
  info.bytesSent = 2500;
  c.close();
  c.close(); // idempotent
  fams = parsePrometheusText(renderPrometheus(stats, DEFAULT_STATS_PARAMS));
  for (const [name, type, proto] of ISTIO_METRICS.filter(([, , p]) => p === 'tcp')) {
    const fam = fams.get(name)!;
    assert.equal(fam.type, type, name);
    assert.deepEqual(Object.keys(fam.samples[0]!.labels), [...TCP_LABELS], `${name} (${proto})`);
    assert.equal(fam.samples[0]!.labels.request_protocol, 'tcp');
    assert.equal(fam.samples[0]!.labels.source_workload, 'unknown');
    assert.equal(fam.samples[0]!.labels.destination_workload, 'mysql-v1');
  }
  assert.equal(fams.get('istio_tcp_sent_bytes_total')!.samples[0]!.value, 2500);
  assert.equal(fams.get('istio_tcp_received_bytes_total')!.samples[0]!.value, 100);
  assert.equal(fams.get('istio_tcp_connections_closed_total')!.samples[0]!.value, 1);
});

test('histogram buckets: Envoy\'s defaults (Istio sets no others), counted with Prometheus\'s le rule at the boundaries', () => {
  assert.deepEqual(DEFAULT_HISTOGRAM_BUCKETS, [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000]);
  const stats = new StatsStore();
  const h = stats.labeledHistogram(METRICS.requestDuration, { reporter: 'destination' }, 'milliseconds');
  for (const v of [0, 0.5, 0.6, 1, 3600000, 3600001]) h.record(v);
  const fam = parsePrometheusText(renderPrometheus(stats, DEFAULT_STATS_PARAMS)).get(METRICS.requestDuration)!;
  const bucket = (le: string) => fam.samples.find((s) => s.name.endsWith('_bucket') && s.labels.le === le)!.value;
  assert.equal(bucket('0.5'), 2); // 0 and 0.5
  assert.equal(bucket('1'), 4); // + 0.6 and 1
  assert.equal(bucket('1800000'), 4);
  assert.equal(bucket('3600000'), 5);
  assert.equal(bucket('+Inf'), 6);
  assert.equal(fam.samples.find((s) => s.name.endsWith('_count'))!.value, 6);
});
