// HCM tracing from the Telemetry API and mesh config: provider choice by
// scope (root → namespace → workload, then defaultProviders.tracing, then
// the legacy defaultConfig.tracing.zipkin), sampling (Istio's 1% default),
// custom tags, the collector's outbound cluster, and that weft's proxy
// accepts what is emitted.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Telemetry, TelemetrySpec } from '../../api/telemetry.js';
import { DEFAULT_MESH, type ExtensionProvider, type MeshConfig, type ProxyInfo } from '../model/types.js';
import { bookinfoPush, bookinfoService, gatewayProxy, sidecarProxy } from './test-bookinfo.js';
import { decodeWithProxy } from './test-proxy-decode.js';
import { translateProxy } from './translate-proxy.js';
import { virtualService } from './test-bookinfo.js';

const gatewayObjects = () => [
  { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'bookinfo-gateway', namespace: 'istio-system' }, spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 8080, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] } },
  virtualService('bookinfo', { hosts: ['*'], gateways: ['istio-system/bookinfo-gateway'], http: [{ route: [{ destination: { host: 'productpage', port: { number: 9080 } } }] }] }),
] as Parameters<typeof bookinfoPush>[0];

const tel = (name: string, namespace: string, spec: TelemetrySpec, selector?: Record<string, string>): Telemetry => ({
  apiVersion: 'telemetry.istio.io/v1', kind: 'Telemetry', metadata: { name, namespace }, spec: { ...spec, ...(selector ? { selector: { matchLabels: selector } } : {}) },
});

const ZIPKIN: ExtensionProvider = { name: 'zipkin', zipkin: { service: 'zipkin.istio-system.svc.cluster.local', port: 9411 } };
const OTEL_GRPC: ExtensionProvider = { name: 'otel', opentelemetry: { service: 'otel-collector.istio-system.svc.cluster.local', port: 4317, maxTagLength: 99 } };
const OTEL_HTTP: ExtensionProvider = { name: 'otel-http', opentelemetry: { service: 'otel-collector.istio-system.svc.cluster.local', port: 4318, http: { path: '/v1/traces', timeoutMs: 1500, headers: [{ name: 'x-token', value: 't' }] } } };
const providers = (...ps: ExtensionProvider[]): Partial<MeshConfig> => ({ extensionProviders: [...DEFAULT_MESH.extensionProviders, ...ps] });

const collectors = [
  { ...bookinfoService('zipkin', 9411), hostname: 'zipkin.istio-system.svc.cluster.local', namespace: 'istio-system' },
  { ...bookinfoService('otel-collector', 4317, 'GRPC'), hostname: 'otel-collector.istio-system.svc.cluster.local', namespace: 'istio-system', ports: [{ name: 'grpc', port: 4317, protocol: 'GRPC' as const }, { name: 'http', port: 4318, protocol: 'HTTP' as const }] },
];

interface Tracing {
  client_sampling?: { value: number };
  random_sampling?: { value: number };
  overall_sampling?: { value: number };
  max_path_tag_length?: { value: number };
  custom_tags?: { tag: string; literal?: { value: string }; request_header?: { name: string; default_value?: string }; environment?: { name: string } }[];
  provider: { name: string; typed_config: Record<string, unknown> };
}

type Listener = { name: string; filter_chains: { filters: { name: string; typed_config: { tracing?: Tracing } }[] }[] };

function translate(telemetries: Telemetry[], mesh: Partial<MeshConfig>, proxy: ProxyInfo = sidecarProxy(), objects: Parameters<typeof bookinfoPush>[0] = []) {
  const push = bookinfoPush(objects, { services: collectors, telemetries, mesh });
  const out = translateProxy(proxy, push);
  const hcmTracing = (name: string): Tracing | undefined => {
    const l = (out.resources.listeners as Listener[]).find((x) => x.name === name);
    assert.ok(l, `listener ${name}`);
    return l.filter_chains.at(-1)!.filters.at(-1)!.typed_config.tracing;
  };
  return { out, hcmTracing, server: () => hcmTracing('virtualInbound'), client: () => hcmTracing('0.0.0.0_9080') };
}

describe('HCM tracing translation', () => {
  it('no provider anywhere: no tracing (weft has no default collector address)', () => {
    const t = translate([], providers(ZIPKIN));
    assert.equal(t.server(), undefined);
    assert.equal(t.client(), undefined);
  });

  it('defaultProviders.tracing: Istio\'s Zipkin config on inbound and outbound HCMs, 1% by default, Istio tags', () => {
    const t = translate([], { ...providers(ZIPKIN), defaultProviders: { metrics: ['prometheus'], tracing: ['zipkin'] } });
    for (const tr of [t.server(), t.client()]) {
      assert.ok(tr);
      assert.deepEqual(tr.client_sampling, { value: 100 });
      assert.deepEqual(tr.random_sampling, { value: 1 });
      assert.deepEqual(tr.overall_sampling, { value: 100 });
      assert.equal(tr.provider.name, 'envoy.tracers.zipkin');
      const { '@type': type, ...cfg } = tr.provider.typed_config;
      assert.equal(type, 'type.googleapis.com/envoy.config.trace.v3.ZipkinConfig');
      assert.deepEqual(cfg, {
        collector_cluster: 'outbound|9411||zipkin.istio-system.svc.cluster.local',
        collector_endpoint: '/api/v2/spans',
        trace_id_128bit: true,
        shared_span_context: { value: false },
        collector_endpoint_version: 'HTTP_JSON',
        collector_hostname: 'zipkin.istio-system.svc.cluster.local',
      });
      const tags = Object.fromEntries((tr.custom_tags ?? []).map((c) => [c.tag, c.literal?.value]));
      assert.deepEqual(tags, {
        'istio.canonical_revision': 'v1', 'istio.canonical_service': 'productpage', 'istio.cluster_id': 'Kubernetes',
        'istio.mesh_id': 'cluster.local', 'istio.namespace': 'default',
      });
    }
    // The collector's cluster exists in the same proxy's CDS.
    assert.ok((t.out.resources.clusters as { name: string }[]).some((c) => c.name === 'outbound|9411||zipkin.istio-system.svc.cluster.local'));
  });

  it('Telemetry scopes compose: workload overrides namespace overrides root; per side with match.mode', () => {
    const mesh = { ...providers(ZIPKIN, OTEL_GRPC), defaultProviders: { tracing: ['zipkin'] } };
    const root = tel('mesh', 'istio-system', { tracing: [{ randomSamplingPercentage: 10, customTags: { team: { literal: { value: 'a' } } } }] });
    const ns = tel('ns', 'default', { tracing: [{ providers: [{ name: 'otel' }], customTags: { user: { header: { name: 'end-user', defaultValue: 'anon' } } } }] });
    const wl = tel('pp', 'default', { tracing: [{ match: { mode: 'SERVER' }, randomSamplingPercentage: 50 }] }, { app: 'productpage' });
    const t = translate([root, ns, wl], mesh);
    const server = t.server()!;
    const client = t.client()!;
    assert.equal(server.provider.name, 'envoy.tracers.opentelemetry');
    assert.deepEqual(server.random_sampling, { value: 50 });
    assert.deepEqual(client.random_sampling, { value: 10 });
    assert.deepEqual(server.max_path_tag_length, { value: 99 });
    const cfg = client.provider.typed_config;
    assert.deepEqual(cfg.grpc_service, { envoy_grpc: { cluster_name: 'outbound|4317||otel-collector.istio-system.svc.cluster.local', authority: 'otel-collector.istio-system.svc.cluster.local' } });
    assert.equal(cfg.service_name, 'productpage.default');
    const custom = client.custom_tags!.filter((c) => !c.tag.startsWith('istio.'));
    assert.deepEqual(custom, [{ tag: 'team', literal: { value: 'a' } }, { tag: 'user', request_header: { name: 'end-user', default_value: 'anon' } }]);
  });

  it('disableSpanReporting and enableIstioTags false', () => {
    const mesh = { ...providers(ZIPKIN), defaultProviders: { tracing: ['zipkin'] } };
    const off = translate([tel('mesh', 'istio-system', { tracing: [{ disableSpanReporting: true }] })], mesh);
    assert.equal(off.server(), undefined);
    const noTags = translate([tel('mesh', 'istio-system', { tracing: [{ enableIstioTags: false }] })], mesh);
    assert.equal(noTags.server()!.custom_tags, undefined);
  });

  it('OpenTelemetry over HTTP: http_uri to the collector path, timeout and headers', () => {
    const t = translate([tel('mesh', 'istio-system', { tracing: [{ providers: [{ name: 'otel-http' }] }] })], providers(OTEL_HTTP));
    assert.deepEqual(t.client()!.provider.typed_config.http_service, {
      http_uri: { uri: 'http://otel-collector.istio-system.svc.cluster.local:4318/v1/traces', cluster: 'outbound|4318||otel-collector.istio-system.svc.cluster.local', timeout: { seconds: 1, nanos: 500_000_000 } },
      request_headers_to_add: [{ header: { key: 'x-token', value: 't' } }],
    });
  });

  it('legacy defaultConfig.tracing: Zipkin at its address with its sampling, only with enableTracing', () => {
    const legacy = { defaultTracing: { sampling: 25, zipkin: { address: 'zipkin.istio-system:9411' } } };
    const t = translate([], legacy);
    assert.equal(t.server()!.provider.typed_config.collector_cluster, 'outbound|9411||zipkin.istio-system.svc.cluster.local');
    assert.deepEqual(t.server()!.random_sampling, { value: 25 });
    assert.equal(translate([], { ...legacy, enableTracing: false }).server(), undefined);
  });

  it('a provider whose service is not in the registry, or that is not a tracer: no tracing, with a message', () => {
    const ghost = { name: 'ghost', zipkin: { service: 'jaeger.observability.svc.cluster.local', port: 9411 } };
    const t = translate([], { ...providers(ghost), defaultProviders: { tracing: ['ghost'] } });
    assert.equal(t.server(), undefined);
    assert.ok(t.out.messages.some((m) => m.code === 'WEFT_TR_TELEMETRY_PROVIDER' && m.message.includes('jaeger.observability.svc.cluster.local')), JSON.stringify(t.out.messages));
    const prom = translate([tel('mesh', 'istio-system', { tracing: [{ providers: [{ name: 'prometheus' }] }] })], {});
    assert.equal(prom.server(), undefined);
    assert.ok(prom.out.messages.some((m) => m.message.includes('not a tracing provider')));
    const missing = translate([tel('mesh', 'istio-system', { tracing: [{ providers: [{ name: 'nope' }] }] })], {});
    assert.ok(missing.out.messages.some((m) => m.message.includes('"nope" is not in meshConfig.extensionProviders')));
  });

  it('gateways trace too, and the proxy accepts every tracing config emitted', () => {
    const mesh = { ...providers(ZIPKIN, OTEL_GRPC, OTEL_HTTP), defaultProviders: { tracing: ['zipkin'] } };
    for (const provider of ['zipkin', 'otel', 'otel-http']) {
      const t = translate([tel('mesh', 'istio-system', { tracing: [{ providers: [{ name: provider }], customTags: { e: { environment: { name: 'HOME' } } } }] })], mesh);
      const d = decodeWithProxy(t.out.resources);
      assert.deepEqual(d.errors, [], provider);
    }
    const gw = translate([], mesh, gatewayProxy(), gatewayObjects());
    const listeners = (gw.out.resources.listeners as Listener[]);
    assert.ok(listeners.length > 0);
    for (const l of listeners) assert.equal(l.filter_chains.at(-1)!.filters.at(-1)!.typed_config.tracing?.provider.name, 'envoy.tracers.zipkin', l.name);
    assert.deepEqual(decodeWithProxy(gw.out.resources).errors, []);
  });
});
