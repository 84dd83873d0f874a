// HttpConnectionManager.tracing through the bootstrap decoder: what is
// accepted, and every refusal with its path and code, all in one run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CFG, ConfigErrors } from '../../common/errors.js';
import { loadBootstrapText } from '../config/bootstrap.js';
import type { HcmConfig } from '../http/connection-manager-config.js';
import { decodeTracing } from './decode-tracing.js';

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';
const ZIPKIN = 'type.googleapis.com/envoy.config.trace.v3.ZipkinConfig';
const OTEL = 'type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig';
const PATH = 'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.tracing';

function load(tracing: unknown, direction?: string): { errs: ConfigErrors; hcm: HcmConfig | undefined } {
  const hcm = { '@type': HCM, stat_prefix: 'in', tracing, route_config: { virtual_hosts: [{ name: 'vh', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'c' } }] }] }, http_filters: [{ name: 'r', typed_config: { '@type': ROUTER } }] };
  const yaml = JSON.stringify({
    static_resources: {
      listeners: [{ name: 'l', ...(direction ? { traffic_direction: direction } : {}), address: { socket_address: { address: '127.0.0.1', port_value: 0 } }, filter_chains: [{ filters: [{ name: 'hcm', typed_config: hcm }] }] }],
      clusters: [{ name: 'c', type: 'STATIC', connect_timeout: '1s', load_assignment: { cluster_name: 'c', endpoints: [] } }],
    },
  });
  const errs = new ConfigErrors();
  const cfg = loadBootstrapText(yaml, errs);
  const spec = cfg?.listeners[0]?.filterChains[0]?.terminal;
  return { errs, hcm: spec?.kind === 'http' ? spec.hcm : undefined };
}

function issues(errs: ConfigErrors): [string, string][] {
  return errs.errors.map((e) => [e.code, e.path]);
}

test('Istio\'s zipkin tracing config decodes: sampling as a numerator of 10000, custom tags, defaults', () => {
  process.env.WEFT_TRACING_TEST_ENV = 'from-env';
  const { errs, hcm } = load({
    random_sampling: { value: 1 },
    custom_tags: [
      { tag: 'istio.canonical_service', literal: { value: 'productpage' } },
      { tag: 'env', environment: { name: 'WEFT_TRACING_TEST_ENV' } },
      { tag: 'env.missing', environment: { name: 'WEFT_TRACING_TEST_ENV_UNSET', default_value: 'dflt' } },
      { tag: 'user', request_header: { name: 'X-User', default_value: 'anon' } },
    ],
    provider: { name: 'envoy.tracers.zipkin', typed_config: { '@type': ZIPKIN, collector_cluster: 'zipkin', collector_endpoint: '/api/v2/spans', collector_endpoint_version: 'HTTP_JSON', trace_id_128bit: true, shared_span_context: false } },
  }, 'OUTBOUND');
  assert.deepEqual(errs.errors, []);
  const t = hcm!.tracing!;
  assert.equal(hcm!.trafficDirection, 'OUTBOUND');
  assert.equal(t.providerName, 'envoy.tracers.zipkin');
  assert.equal(t.randomSampling, 100);
  assert.equal(t.clientSampling, 10000);
  assert.equal(t.overallSampling, 10000);
  assert.equal(t.maxPathTagLength, 256);
  assert.deepEqual(t.tracer, { kind: 'zipkin', collector: { cluster: 'zipkin', path: '/api/v2/spans', authority: 'zipkin', timeoutMs: 5000, headers: [] }, traceId128: true, sharedSpanContext: false });
  assert.deepEqual(t.customTags, [
    { kind: 'literal', tag: 'istio.canonical_service', value: 'productpage' },
    { kind: 'environment', tag: 'env', value: 'from-env' },
    { kind: 'environment', tag: 'env.missing', value: 'dflt' },
    { kind: 'request_header', tag: 'user', header: 'x-user', defaultValue: 'anon' },
  ]);
});

test('opentelemetry over http_service and grpc_service', () => {
  const http = load({ provider: { name: 'envoy.tracers.opentelemetry', typed_config: { '@type': OTEL, service_name: 'productpage.default', http_service: { http_uri: { uri: 'http://otel:4318/v1/traces', cluster: 'otel', timeout: '2s' }, request_headers_to_add: [{ header: { key: 'Authorization', value: 'k' } }] } } } });
  assert.deepEqual(http.errs.errors, []);
  assert.deepEqual(http.hcm!.tracing!.tracer, { kind: 'opentelemetry', transport: 'http', serviceName: 'productpage.default', collector: { cluster: 'otel', path: '/v1/traces', authority: 'otel:4318', timeoutMs: 2000, headers: [['authorization', 'k']] } });
  const grpc = load({ provider: { name: 'envoy.tracers.opentelemetry', typed_config: { '@type': OTEL, grpc_service: { envoy_grpc: { cluster_name: 'otel-grpc' } } } } });
  assert.deepEqual(grpc.errs.errors, []);
  const g = grpc.hcm!.tracing!.tracer;
  assert.equal(g.kind === 'opentelemetry' && g.transport, 'grpc');
  assert.equal(g.collector.path, '/opentelemetry.proto.collector.trace.v1.TraceService/Export');
  assert.equal(g.kind === 'opentelemetry' && g.serviceName, 'unknown_service:envoy');
});

test('every refusal at once, each with its path and code; the listener is refused', () => {
  const { errs, hcm } = load({
    verbose: true,
    random_sampling: { value: 150 },
    custom_tags: [
      { tag: 'm', metadata: { kind: { request: {} }, metadata_key: { key: 'k', path: [{ key: 'a' }] } } },
      { tag: 'none' },
    ],
    provider: { name: 'envoy.tracers.zipkin', typed_config: { '@type': ZIPKIN, collector_cluster: 'zipkin', collector_endpoint: '/api/v2/spans', collector_endpoint_version: 'GRPC' } },
  });
  assert.equal(hcm, undefined);
  assert.deepEqual(issues(errs), [
    [CFG.INVALID_VALUE, `${PATH}.random_sampling.value`],
    [CFG.UNSUPPORTED_VALUE, `${PATH}.verbose`],
    [CFG.UNSUPPORTED_FIELD, `${PATH}.custom_tags[0].metadata`],
    [CFG.REQUIRED, `${PATH}.custom_tags[1]`],
    [CFG.UNSUPPORTED_VALUE, `${PATH}.provider.typed_config.collector_endpoint_version`],
  ]);
});

test('a tracer weft does not run is refused with the tracers it runs; required fields are named', () => {
  const dd = load({ provider: { name: 'envoy.tracers.datadog', typed_config: { '@type': 'type.googleapis.com/envoy.config.trace.v3.DatadogConfig', collector_cluster: 'dd' } } });
  assert.deepEqual(issues(dd.errs), [[CFG.UNSUPPORTED_EXTENSION, `${PATH}.provider.typed_config`]]);
  assert.match(dd.errs.errors[0]!.message, /envoy\.tracers\.zipkin, envoy\.tracers\.opentelemetry/);
  const none = load({ random_sampling: { value: 1 } });
  assert.deepEqual(issues(none.errs), [[CFG.REQUIRED, `${PATH}.provider`]]);
  const empty = load({ provider: { name: 'z', typed_config: { '@type': ZIPKIN } } });
  assert.deepEqual(issues(empty.errs), [[CFG.REQUIRED, `${PATH}.provider.typed_config.collector_cluster`], [CFG.REQUIRED, `${PATH}.provider.typed_config.collector_endpoint`]]);
  const otel = load({ provider: { name: 'o', typed_config: { '@type': OTEL, sampler: { name: 's', typed_config: { '@type': ZIPKIN } }, http_service: { http_uri: { uri: 'not a url' } } } } });
  assert.deepEqual(issues(otel.errs), [
    [CFG.UNSUPPORTED_FIELD, `${PATH}.provider.typed_config.sampler`],
    [CFG.REQUIRED, `${PATH}.provider.typed_config.http_service.http_uri.cluster`],
    [CFG.INVALID_VALUE, `${PATH}.provider.typed_config.http_service.http_uri.uri`],
  ]);
});

test('no tracing field: no tracing', () => {
  assert.equal(decodeTracing(undefined, 'x', new ConfigErrors()), undefined);
  assert.equal(load(undefined).hcm!.tracing, undefined);
});
