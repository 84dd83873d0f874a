// Distributed tracing through three weft proxies with real HTTP:
//   client ─► A (outbound sidecar) ─► B (inbound sidecar) ─► app1 ─► C (outbound sidecar) ─► app2
// app1 copies the trace headers onto its onward call, as Istio asks apps to.
// A real collector double receives Zipkin v2 JSON or OTLP protobuf (decoded
// with the official definitions); one request must yield one trace with the
// right parent/child links and Envoy's tags. Then a collector that is down or
// never answers: requests are not slowed, the queue is bounded, drops counted.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { ConfigErrors } from '../../src/common/errors.js';
import { LogRegistry } from '../../src/common/log.js';
import { loadBootstrapText } from '../../src/proxy/config/bootstrap.js';
import { ProxyServer } from '../../src/proxy/server.js';
import { flushTracerExporters, setExporterLimits } from '../../src/proxy/tracing/tracer-exporters.js';
import { bootstrap, closedPort, request, startProxy, startUpstream, staticCluster, type RunningProxy, type Upstream } from '../helpers/proxy-harness.js';
import { startGrpcTraceCollector, startTraceCollector, type TraceCollector } from '../helpers/trace-collector.js';

const PROPAGATED = ['x-request-id', 'x-b3-traceid', 'x-b3-spanid', 'x-b3-parentspanid', 'x-b3-sampled', 'x-b3-flags', 'b3', 'traceparent', 'tracestate'];

type Kind = 'zipkin' | 'opentelemetry';

function tracing(kind: Kind, serviceName: string): string {
  const provider = kind === 'zipkin'
    ? `{ name: envoy.tracers.zipkin, typed_config: { "@type": type.googleapis.com/envoy.config.trace.v3.ZipkinConfig, collector_cluster: collector, collector_endpoint: /api/v2/spans, collector_endpoint_version: HTTP_JSON } }`
    : `{ name: envoy.tracers.opentelemetry, typed_config: { "@type": type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig, service_name: ${serviceName}, http_service: { http_uri: { uri: "http://collector/v1/traces", cluster: collector, timeout: 1s } } } }`;
  return `          tracing:
            random_sampling: { value: 100 }
            custom_tags:
            - { tag: istio.canonical_service, literal: { value: ${serviceName} } }
            - { tag: user, request_header: { name: x-user, default_value: anon } }
            provider: ${provider}`;
}

/** One sidecar: a listener with `direction`, routing everything to `target` as cluster `cluster`. */
function sidecar(o: { node: string; direction: 'INBOUND' | 'OUTBOUND'; cluster: string; target: number; collector: number; kind: Kind }): string {
  return `node: { id: "${o.node}", cluster: "${o.node}.default" }\n` + bootstrap({
    routes: `              - match: { prefix: "/" }
                route: { cluster: ${o.cluster} }`,
    clusters: staticCluster(o.cluster, [o.target]) + staticCluster('collector', [o.collector]),
    hcmExtra: tracing(o.kind, o.node),
    listenerExtra: `    traffic_direction: ${o.direction}`,
  });
}

interface Chain {
  collector: TraceCollector;
  app2: Upstream;
  app1: Upstream;
  a: RunningProxy;
  b: RunningProxy;
  c: RunningProxy;
  close(): Promise<void>;
}

async function startChain(kind: Kind): Promise<Chain> {
  const collector = await startTraceCollector();
  const app2 = await startUpstream('app2');
  const cPort: { port: number } = { port: 0 };
  const app1 = await startUpstream('app1', (req, _body, res) => {
    const headers: http.OutgoingHttpHeaders = {};
    for (const h of PROPAGATED) if (req.headers[h] !== undefined) headers[h] = req.headers[h];
    request({ port: cPort.port, path: '/ratings', headers }).then((r) => {
      res.end(`app1 → ${r.status}`);
    }, () => {
      res.statusCode = 502;
      res.end();
    });
  });
  const c = await startProxy(sidecar({ node: 'svc-c', direction: 'OUTBOUND', cluster: 'to_app2', target: app2.port, collector: collector.port, kind }));
  cPort.port = c.port();
  const b = await startProxy(sidecar({ node: 'svc-b', direction: 'INBOUND', cluster: 'to_app1', target: app1.port, collector: collector.port, kind }));
  const a = await startProxy(sidecar({ node: 'svc-a', direction: 'OUTBOUND', cluster: 'to_b', target: b.port(), collector: collector.port, kind }));
  return {
    collector, app2, app1, a, b, c,
    close: async () => {
      await Promise.all([a.close(), b.close(), c.close()]);
      await Promise.all([app1.close(), app2.close(), collector.close()]);
    },
  };
}

async function oneTracedRequest(ch: Chain): Promise<string> {
  const r = await request({ port: ch.a.port(), path: '/productpage?u=1', headers: { 'x-user': 'jason' } });
  assert.equal(r.status, 200);
  assert.equal(r.body.toString(), 'app1 → 200');
  for (const p of [ch.a, ch.b, ch.c]) flushTracerExporters(p.proxy.ctx);
  await ch.collector.waitForSpans(3);
  return r.body.toString();
}

describe('zipkin: one request through three proxies is one trace', () => {
  let ch: Chain;
  before(async () => (ch = await startChain('zipkin')));
  after(() => ch.close());

  test('client span at A, shared server span at B, client span at C under it; B3 carried to the last hop', async () => {
    await oneTracedRequest(ch);
    const spans = ch.collector.zipkin;
    assert.equal(spans.length, 3);
    const by = (svc: string) => spans.find((s) => s.localEndpoint.serviceName === svc)!;
    const a = by('svc-a.default');
    const b = by('svc-b.default');
    const c = by('svc-c.default');
    assert.match(a.traceId, /^[0-9a-f]{16}$/);
    assert.ok(spans.every((s) => s.traceId === a.traceId));
    assert.equal(a.kind, 'CLIENT');
    assert.equal(a.parentId, undefined);
    assert.equal(b.kind, 'SERVER');
    assert.equal(b.id, a.id, 'shared_span_context: the server side records under the client\'s span id');
    assert.equal(b.shared, true);
    assert.equal(c.kind, 'CLIENT');
    assert.equal(c.parentId, b.id);
    assert.notEqual(c.id, a.id);
    assert.equal(a.name, `egress 127.0.0.1:${ch.a.port()}`);
    assert.equal(b.name, 'ingress');
    // Envoy's standard tags and the custom ones.
    assert.equal(a.tags['component'], 'proxy');
    assert.equal(a.tags['node_id'], 'svc-a');
    assert.equal(a.tags['http.status_code'], '200');
    assert.equal(a.tags['http.method'], 'GET');
    assert.equal(a.tags['http.url'], `http://127.0.0.1:${ch.a.port()}/productpage?u=1`);
    assert.equal(a.tags['upstream_cluster'], 'to_b');
    assert.equal(c.tags['upstream_cluster'], 'to_app2');
    assert.equal(a.tags['response_flags'], '-');
    assert.equal(a.tags['error'], undefined);
    assert.equal(a.tags['istio.canonical_service'], 'svc-a');
    assert.equal(a.tags['user'], 'jason');
    assert.equal(c.tags['user'], 'anon');
    const rid = a.tags['guid:x-request-id']!;
    assert.equal(rid[14], 'a', 'the request id records the sampling decision');
    assert.ok(spans.every((s) => s.tags['guid:x-request-id'] === rid));
    assert.ok(a.timestamp > 0 && a.duration >= c.duration);
    // The last hop got C's context.
    const seen = ch.app2.requests.at(-1)!.headers;
    assert.equal(seen['x-b3-traceid'], a.traceId);
    assert.equal(seen['x-b3-spanid'], c.id);
    assert.equal(seen['x-b3-parentspanid'], b.id);
    assert.equal(seen['x-b3-sampled'], '1');
    const stats = ch.a.proxy.ctx.stats;
    assert.equal(stats.counter('tracing.zipkin.spans_sent').value, 1);
    assert.equal(stats.counter('tracing.zipkin.spans_dropped').value, 0);
  });

  test('x-b3-sampled: 0 from the client is honoured: context propagated, nothing reported', async () => {
    const before = ch.collector.reports;
    const r = await request({ port: ch.a.port(), path: '/', headers: { 'x-b3-sampled': '0' } });
    assert.equal(r.status, 200);
    for (const p of [ch.a, ch.b, ch.c]) flushTracerExporters(p.proxy.ctx);
    const seen = ch.app2.requests.at(-1)!.headers;
    assert.equal(seen['x-b3-sampled'], '0');
    assert.match(String(seen['x-b3-traceid']), /^[0-9a-f]{16}$/);
    assert.equal(ch.collector.reports, before);
  });

  test('a reply the proxy made itself: its span carries the x-weft-error value; the spans of proxies that only passed a response on do not', async () => {
    await ch.app2.close(); // C's upstream refuses connections from now on: C answers 503 UF itself
    const spansBefore = ch.collector.zipkin.length;
    const r = await request({ port: ch.a.port(), path: '/down' });
    assert.equal(r.body.toString(), 'app1 → 503');
    for (const p of [ch.a, ch.b, ch.c]) flushTracerExporters(p.proxy.ctx);
    await ch.collector.waitForSpans(spansBefore + 3);
    const spans = ch.collector.zipkin.slice(spansBefore);
    const c = spans.find((s) => s.localEndpoint.serviceName === 'svc-c.default')!;
    assert.equal(c.tags['http.status_code'], '503');
    assert.equal(c.tags['response_flags'], 'UF');
    assert.match(c.tags['x-weft-error'] ?? '', /^WEFT_UPSTREAM_CONNECT_FAILURE .*; cluster=to_app2/);
    for (const s of spans.filter((x) => x !== c)) assert.equal(s.tags['x-weft-error'], undefined, s.localEndpoint.serviceName);
  });
});

describe('opentelemetry: one request through three proxies is one trace (OTLP protobuf)', () => {
  let ch: Chain;
  before(async () => (ch = await startChain('opentelemetry')));
  after(() => ch.close());

  test('each proxy a span, parent links A ← B ← C, traceparent carried to the last hop', async () => {
    await oneTracedRequest(ch);
    const spans = ch.collector.otlp;
    assert.equal(spans.length, 3);
    const by = (svc: string) => spans.find((s) => s.serviceName === svc)!;
    const a = by('svc-a');
    const b = by('svc-b');
    const c = by('svc-c');
    assert.match(a.traceId, /^[0-9a-f]{32}$/);
    assert.ok(spans.every((s) => s.traceId === a.traceId));
    assert.equal(a.kind, 3); // SPAN_KIND_CLIENT
    assert.equal(b.kind, 2); // SPAN_KIND_SERVER
    assert.equal(c.kind, 3);
    assert.equal(a.parentSpanId, '');
    assert.equal(b.parentSpanId, a.spanId);
    assert.equal(c.parentSpanId, b.spanId);
    assert.equal(new Set(spans.map((s) => s.spanId)).size, 3);
    assert.ok(a.endNs > a.startNs);
    assert.equal(b.attributes['http.status_code'], '200');
    assert.equal(b.attributes['upstream_cluster'], 'to_app1');
    assert.equal(b.attributes['istio.canonical_service'], 'svc-b');
    const seen = ch.app2.requests.at(-1)!.headers;
    assert.equal(seen['traceparent'], `00-${a.traceId}-${c.spanId}-01`);
    assert.equal(ch.c.proxy.ctx.stats.counter('tracing.opentelemetry.spans_sent').value, 1);
  });
});

/** A proxy with zipkin to `collectorPort`, small exporter limits, no flush timer. */
async function startSmallQueueProxy(upstream: number, collectorPort: number, limits: Parameters<typeof setExporterLimits>[1]): Promise<{ proxy: ProxyServer; port: number }> {
  const errs = new ConfigErrors();
  const cfg = loadBootstrapText(sidecar({ node: 'svc-x', direction: 'OUTBOUND', cluster: 'app', target: upstream, collector: collectorPort, kind: 'zipkin' }), errs);
  assert.ok(cfg, errs.format());
  const proxy = new ProxyServer(cfg, { logs: new LogRegistry('error'), drainTimeMs: 50 });
  setExporterLimits(proxy.ctx, { flushIntervalMs: 0, ...limits });
  await proxy.start();
  return { proxy, port: proxy.listenerPort('listener_0')! };
}

describe('a collector that is down or slow does not slow requests', () => {
  test('collector never answers: one report in flight, two spans queued, the rest dropped and counted', async () => {
    const collector = await startTraceCollector({ hang: true });
    const app = await startUpstream('app');
    const px = await startSmallQueueProxy(app.port, collector.port, { minFlushSpans: 1, maxReportsInFlight: 1, maxQueuedSpans: 2 });
    try {
      const N = 10;
      for (let i = 0; i < N; i++) assert.equal((await request({ port: px.port, path: `/r${i}` })).status, 200);
      await collector.waitForReports(1);
      const stat = (n: string) => px.proxy.ctx.stats.counter(`tracing.zipkin.${n}`).value;
      assert.equal(stat('spans_sent'), 1);
      assert.equal(stat('spans_dropped'), N - 1 - 2);
      assert.equal(collector.reports, 1);
      assert.equal(collector.zipkin.length, 1);
    } finally {
      await px.proxy.shutdown();
      await app.close();
      await collector.close();
    }
  });

  test('collector down: every request answered, reports fail and are counted', async () => {
    const app = await startUpstream('app');
    const px = await startSmallQueueProxy(app.port, await closedPort(), { minFlushSpans: 1 });
    try {
      for (let i = 0; i < 5; i++) assert.equal((await request({ port: px.port, path: `/r${i}` })).status, 200);
      const failed = px.proxy.ctx.stats.counter('tracing.zipkin.reports_failed');
      // Reports fail asynchronously (connection refused): wait for the counter, bounded.
      for (let i = 0; i < 500 && failed.value === 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.ok(failed.value >= 1);
      assert.equal(px.proxy.ctx.stats.counter('tracing.zipkin.reports_sent').value, 0);
    } finally {
      await px.proxy.shutdown();
      await app.close();
    }
  });
});

test('opentelemetry over grpc_service: OTLP/gRPC Export to an HTTP/2 collector cluster', async () => {
  const collector = await startGrpcTraceCollector();
  const app = await startUpstream('app');
  const px = await startProxy(`node: { id: "svc-g", cluster: "svc-g.default" }\n` + bootstrap({
    routes: `              - match: { prefix: "/" }
                route: { cluster: app }`,
    clusters: staticCluster('app', [app.port]) + staticCluster('otel', [collector.port], `    typed_extension_protocol_options:
      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
        explicit_http_config: { http2_protocol_options: {} }`),
    hcmExtra: `          tracing:
            provider: { name: envoy.tracers.opentelemetry, typed_config: { "@type": type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig, service_name: svc-g, grpc_service: { envoy_grpc: { cluster_name: otel }, timeout: 2s } } }`,
  }));
  try {
    const r = await request({ port: px.port(), path: '/g', headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } });
    assert.equal(r.status, 200);
    flushTracerExporters(px.proxy.ctx);
    await collector.waitForSpans(1);
    const [s] = collector.otlp;
    assert.equal(s!.traceId, '0af7651916cd43dd8448eb211c80319c');
    assert.equal(s!.parentSpanId, 'b7ad6b7169203331');
    assert.equal(s!.kind, 2); // no traffic_direction: ingress, SERVER
    assert.equal(s!.serviceName, 'svc-g');
    const sent = px.proxy.ctx.stats.counter('tracing.opentelemetry.reports_sent');
    // The proxy counts the report once grpc-status 0 is back: bounded wait for that one response.
    for (let i = 0; i < 500 && sent.value === 0; i++) await new Promise((res) => setTimeout(res, 10));
    assert.equal(sent.value, 1);
    assert.equal(px.proxy.ctx.stats.counter('tracing.opentelemetry.reports_dropped').value, 0);
  } finally {
    await px.close();
    await app.close();
    await collector.close();
  }
});
