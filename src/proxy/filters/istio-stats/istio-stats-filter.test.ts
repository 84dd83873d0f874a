import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePrometheusText } from '../../../stats/prometheus-text-parser.js';
import { renderPrometheus } from '../../../stats/render-prometheus.js';
import { DEFAULT_STATS_PARAMS } from '../../../stats/stats-params.js';
import { HeaderMap } from '../../http/headers.js';
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

test('metrics overrides: a dropped metric is never registered, tags are added (bounded), removed and given new values in place', () => {
  const h = new FilterHarness('outbound_0.0.0.0_80');
  h.addFilter(istioStatsRegistration, 'istio.stats', cfg({
    metrics: [
      { name: 'request_bytes', drop: true },
      { dimensions: { team: "'bookinfo'" } },
      { name: 'requests_total', dimensions: { request_method: 'request.method', user: "request.headers['x-user']", response_code: "'redacted'" }, tags_to_remove: ['response_flags', 'team'] },
    ],
  }));
  const n = MAX_REQUEST_DERIVED_VALUES + 5;
  for (let i = 0; i < n; i++) h.send({ authority: 'svc', method: 'POST', headers: [['x-user', `u${i}`]] });
  h.send({ authority: 'svc' });
  const fams = parsePrometheusText(renderPrometheus(h.store, DEFAULT_STATS_PARAMS));
  assert.equal(fams.get(METRICS.requestBytes), undefined, 'request_bytes dropped');
  const req = fams.get(METRICS.requestsTotal)!.samples;
  assert.equal(req.length, MAX_REQUEST_DERIVED_VALUES + 2, 'one series per admitted x-user, one for the overflow, one without the header');
  const first = req.find((s) => s.labels.user === 'u0')!;
  assert.equal(first.labels.request_method, 'POST');
  assert.equal(first.labels.response_code, 'redacted');
  assert.equal(first.labels.response_flags, undefined);
  assert.equal(first.labels.team, undefined);
  const keys = Object.keys(first.labels);
  assert.deepEqual(keys.slice(-2), ['request_method', 'user'], 'added labels come last; overridden ones keep their place');
  assert.ok(keys.indexOf('response_code') < keys.indexOf('grpc_response_status'));
  assert.equal(req.find((s) => s.labels.user === 'unknown' && s.labels.request_method === 'POST')!.value, 5);
  assert.equal(req.find((s) => s.labels.request_method === 'GET')!.labels.user, 'unknown', 'an absent header is unknown');
  assert.equal(h.counter('istio_stats.label_value_overflow'), 5);
  const dur = fams.get(METRICS.requestDuration)!.samples.find((s) => s.name.endsWith('_count'))!;
  assert.equal(dur.labels.team, 'bookinfo', 'the all-metrics dimension applies where no later entry removes it');
  assert.equal(dur.labels.user, undefined);
});

test('a request whose labels differ from the previous one is never counted in the previous set (the last-labels shortcut)', () => {
  const h = new FilterHarness('outbound_0.0.0.0_80');
  h.addFilter(istioStatsRegistration, 'istio.stats', cfg({}));
  h.routerAnswers = false;
  // status per request, and the host each goes to: repeats, alternations and returns to an earlier set.
  const plan: [number, string][] = [[200, 'a'], [200, 'a'], [503, 'a'], [200, 'a'], [200, 'b'], [200, 'b'], [404, 'b'], [200, 'a'], [503, 'a']];
  for (const [status, host] of plan) {
    h.send({ authority: host });
    const s = h.routed.at(-1)!;
    s.encodeHeaders(status, new HeaderMap(['content-type'], ['text/plain']), true);
  }
  const got = new Map(requests(h).map((s) => [`${s.labels.destination_service} ${s.labels.response_code}`, s.value]));
  assert.deepEqual(Object.fromEntries([...got].sort()), { 'a 200': 4, 'a 503': 2, 'b 200': 2, 'b 404': 1 });
});
