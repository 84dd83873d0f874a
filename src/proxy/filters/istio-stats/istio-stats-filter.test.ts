import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePrometheusText } from '../../../stats/prometheus-text-parser.js';
import { renderPrometheus } from '../../../stats/render-prometheus.js';
import { DEFAULT_STATS_PARAMS } from '../../../stats/stats-params.js';
import { FilterHarness } from '../fault/test-stream.js';
import { MAX_REQUEST_DERIVED_VALUES, METRICS } from './defaults.js';
import { istioStatsRegistration } from './registration.js';

const cfg = (value: object) => ({ '@type': 'type.googleapis.com/xds.type.v3.TypedStruct', type_url: 'type.googleapis.com/stats.PluginConfig', value });

function requests(h: FilterHarness) {
  return parsePrometheusText(renderPrometheus(h.store, DEFAULT_STATS_PARAMS)).get(METRICS.requestsTotal)?.samples ?? [];
}

test('client side: the Host header is the service when the cluster names none; distinct values are bounded and the overflow counted', () => {
  const h = new FilterHarness('outbound_0.0.0.0_80');
  h.addFilter(istioStatsRegistration, 'istio.stats', cfg({}));
  const n = MAX_REQUEST_DERIVED_VALUES + 50;
  for (let i = 0; i < n; i++) h.send({ authority: `h${i}.example` });
  h.send({ authority: 'h0.example' });
  const samples = requests(h);
  assert.equal(samples.length, MAX_REQUEST_DERIVED_VALUES + 1, 'one series per admitted host, plus unknown');
  assert.equal(samples.find((s) => s.labels.destination_service === 'h0.example')!.value, 2);
  assert.equal(samples.find((s) => s.labels.destination_service === 'unknown')!.value, 50);
  assert.equal(h.counter('istio_stats.label_value_overflow'), 50);
  assert.ok(samples.every((s) => s.labels.reporter === 'source'));
});

test('server side with the fallback disabled: request data never becomes a label', () => {
  const h = new FilterHarness('inbound_0.0.0.0_80');
  h.addFilter(istioStatsRegistration, 'istio.stats', cfg({ disable_host_header_fallback: true }));
  for (let i = 0; i < 20; i++) h.send({ authority: `h${i}.example`, path: `/p/${i}` });
  const samples = requests(h);
  assert.equal(samples.length, 1);
  assert.equal(samples[0]!.value, 20);
  assert.equal(samples[0]!.labels.reporter, 'destination');
  assert.equal(samples[0]!.labels.destination_service, '', 'no cluster, no node: the local canonical service, empty here');
  assert.equal(samples[0]!.labels.source_workload, 'unknown');
});

test('gRPC requests carry request_protocol=grpc and count messages both ways', () => {
  const h = new FilterHarness('inbound_0.0.0.0_80');
  h.addFilter(istioStatsRegistration, 'istio.stats', cfg({ disable_host_header_fallback: true }));
  h.send({ grpc: true, method: 'POST' });
  const fams = parsePrometheusText(renderPrometheus(h.store, DEFAULT_STATS_PARAMS));
  const s = fams.get(METRICS.requestsTotal)!.samples[0]!;
  assert.equal(s.labels.request_protocol, 'grpc');
  assert.equal(fams.get(METRICS.requestMessages)!.type, 'counter');
  assert.equal(fams.get(METRICS.responseMessages)!.samples[0]!.labels.request_protocol, 'grpc');
});
