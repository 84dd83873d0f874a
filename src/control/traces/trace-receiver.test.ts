// The embedded trace receiver over real HTTP: Zipkin v2 JSON and OTLP/HTTP
// (protobuf and JSON, encoded here with the official opentelemetry-proto
// definitions) in; Zipkin's v2 query API out; the store's count and byte
// bounds with drops counted; bad bodies answered 400 and counted.
import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ExportTraceServiceRequest } from '../../proxy/tracing/opentelemetry/otlp-proto.js';
import { renderPrometheus, DEFAULT_STATS_PARAMS, StatsStore } from '../../stats/index.js';
import { TraceReceiver } from './trace-receiver.js';
import { TraceStore } from './trace-store.js';

const NOW_MS = 1_765_000_000_000;
const T0_US = (NOW_MS - 60_000) * 1000;

const TRACE_A = 'a'.repeat(32);
const zipkinSpans = [
  { traceId: TRACE_A, id: '0000000000000001', name: 'productpage.default.svc.cluster.local:9080/*', kind: 'SERVER', timestamp: T0_US, duration: 5000, localEndpoint: { serviceName: 'productpage.default' }, tags: { 'http.status_code': '200' } },
  { traceId: TRACE_A, id: '0000000000000002', parentId: '0000000000000001', name: 'reviews.default.svc.cluster.local:9080/*', kind: 'CLIENT', timestamp: T0_US + 100, duration: 3000, localEndpoint: { serviceName: 'productpage.default' }, remoteEndpoint: { serviceName: 'reviews' }, tags: {} },
  { traceId: TRACE_A, id: '0000000000000003', parentId: '0000000000000002', name: 'reviews.default.svc.cluster.local:9080/*', kind: 'SERVER', timestamp: T0_US + 200, duration: 2500, localEndpoint: { serviceName: 'reviews.default' }, tags: {} },
];

/** An ExportTraceServiceRequest object for the official definitions (ids as bytes). */
function otlpRequest(traceId: string, spans: { id: string; parent?: string; name: string; kind: number; startUs: number; durUs: number }[], service = 'details.default') {
  return {
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
      scopeSpans: [{
        scope: { name: 'envoy' },
        spans: spans.map((s) => ({
          traceId: Buffer.from(traceId, 'hex'), spanId: Buffer.from(s.id, 'hex'), ...(s.parent ? { parentSpanId: Buffer.from(s.parent, 'hex') } : {}),
          name: s.name, kind: s.kind, startTimeUnixNano: String(BigInt(s.startUs) * 1000n), endTimeUnixNano: String(BigInt(s.startUs + s.durUs) * 1000n),
          attributes: [{ key: 'http.status_code', value: { stringValue: '200' } }, { key: 'retries', value: { intValue: 2 } }],
        })),
      }],
    }],
  };
}

function post(port: number, path: string, body: Buffer | string, contentType: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': contentType } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function getJson(port: number, path: string): Promise<{ status: number; json: unknown }> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`);
  const text = await r.text();
  return { status: r.status, json: r.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : text };
}

describe('trace receiver', () => {
  let server: http.Server;
  let port: number;
  let receiver: TraceReceiver;
  const stats = new StatsStore();

  before(async () => {
    receiver = new TraceReceiver({ now: () => NOW_MS, maxBodyBytes: 64 * 1024 }, stats);
    server = http.createServer((req, res) => {
      if (!receiver.handle(req, res)) {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as net.AddressInfo).port;
  });

  after(() => server.close());

  it('takes Zipkin v2 JSON (202) and serves it through the query API', async () => {
    const r = await post(port, '/api/v2/spans', JSON.stringify(zipkinSpans), 'application/json');
    assert.equal(r.status, 202);
    assert.deepEqual((await getJson(port, '/api/v2/services')).json, ['productpage.default', 'reviews.default']);
    assert.deepEqual((await getJson(port, '/api/v2/spans?serviceName=productpage.default')).json, ['productpage.default.svc.cluster.local:9080/*', 'reviews.default.svc.cluster.local:9080/*']);
    assert.deepEqual((await getJson(port, '/api/v2/remoteServices?serviceName=productpage.default')).json, ['reviews']);
    const trace = (await getJson(port, `/api/v2/trace/${TRACE_A}`)).json as { id: string; parentId?: string }[];
    assert.deepEqual(trace.map((s) => [s.id, s.parentId]), [['0000000000000001', undefined], ['0000000000000002', '0000000000000001'], ['0000000000000003', '0000000000000002']]);
    assert.equal((await getJson(port, `/api/v2/trace/${'b'.repeat(32)}`)).status, 404);
  });

  it('takes OTLP/HTTP protobuf encoded with the official definitions', async () => {
    const traceId = 'c'.repeat(32);
    const msg = ExportTraceServiceRequest.fromObject(otlpRequest(traceId, [
      { id: '00000000000000c1', name: 'details.default.svc.cluster.local:9080/*', kind: 2, startUs: T0_US + 1000, durUs: 800 },
      { id: '00000000000000c2', parent: '00000000000000c1', name: 'internal', kind: 1, startUs: T0_US + 1100, durUs: 100 },
    ]));
    const r = await post(port, '/v1/traces', Buffer.from(ExportTraceServiceRequest.encode(msg).finish()), 'application/x-protobuf');
    assert.equal(r.status, 200);
    assert.equal(r.body.length, 0, 'an empty ExportTraceServiceResponse');
    const trace = (await getJson(port, `/api/v2/trace/${traceId}`)).json as Record<string, unknown>[];
    assert.deepEqual(trace[0], {
      traceId, id: '00000000000000c1', name: 'details.default.svc.cluster.local:9080/*', timestamp: T0_US + 1000, duration: 800,
      localEndpoint: { serviceName: 'details.default' }, tags: { 'http.status_code': '200', retries: '2' }, kind: 'SERVER',
    });
    assert.equal(trace[1]!.parentId, '00000000000000c1');
    assert.equal(trace[1]!.kind, undefined, 'INTERNAL has no Zipkin kind');
  });

  it('takes OTLP/HTTP JSON (hex ids, as the OTLP spec writes them)', async () => {
    const traceId = 'd'.repeat(32);
    // The official definitions' JSON form, with ids turned to hex as OTLP/JSON requires.
    const obj = ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.fromObject(otlpRequest(traceId, [
      { id: '00000000000000d1', name: 'ratings.default.svc.cluster.local:9080/*', kind: 3, startUs: T0_US + 2000, durUs: 50 },
    ], 'reviews.default')), { longs: String, enums: Number, bytes: String }) as { resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[] };
    for (const s of obj.resourceSpans[0]!.scopeSpans[0]!.spans) {
      for (const k of ['traceId', 'spanId']) s[k] = Buffer.from(s[k] as string, 'base64').toString('hex');
    }
    const r = await post(port, '/v1/traces', JSON.stringify(obj), 'application/json');
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body.toString()), {});
    const trace = (await getJson(port, `/api/v2/trace/${traceId}`)).json as Record<string, unknown>[];
    assert.equal(trace.length, 1);
    assert.equal(trace[0]!.kind, 'CLIENT');
    assert.deepEqual(trace[0]!.localEndpoint, { serviceName: 'reviews.default' });
  });

  it('GET /api/v2/traces filters by service, span name, duration, time window and limit, newest first', async () => {
    const q = async (s: string) => ((await getJson(port, `/api/v2/traces?${s}`)).json as { traceId: string }[][]).map((t) => t[0]!.traceId[0]);
    assert.deepEqual(await q(''), ['d', 'c', 'a']);
    assert.deepEqual(await q('serviceName=reviews.default'), ['d', 'a']);
    assert.deepEqual(await q('serviceName=productpage.default&spanName=reviews.default.svc.cluster.local:9080/*'), ['a']);
    assert.deepEqual(await q('minDuration=1000'), ['a']);
    assert.deepEqual(await q('maxDuration=60'), ['d']);
    assert.deepEqual(await q('limit=1'), ['d']);
    assert.deepEqual(await q('lookback=30000'), [], 'all traces started 60 s ago');
    assert.deepEqual(await q(`endTs=${NOW_MS - 59_000}&lookback=2000`), ['d', 'c', 'a']);
    assert.equal((await getJson(port, '/api/v2/traces?limit=ten')).status, 400);
    assert.equal((await getJson(port, '/api/v2/traces?annotationQuery=error')).status, 400);
    assert.equal((await getJson(port, '/api/v2/spans')).status, 400);
  });

  it('bad bodies get 400 and are counted; invalid spans are skipped and counted', async () => {
    assert.equal((await post(port, '/api/v2/spans', '{"not":"an array"}', 'application/json')).status, 400);
    assert.equal((await post(port, '/v1/traces', Buffer.from([0xff, 0xff, 0xff]), 'application/x-protobuf')).status, 400);
    assert.equal((await post(port, '/v1/traces', '{}', 'text/plain')).status, 400);
    assert.equal((await post(port, '/api/v2/spans', 'x'.repeat(70 * 1024), 'application/json')).status, 413);
    assert.equal((await post(port, '/api/v2/spans', JSON.stringify([{ traceId: 'xyz', id: '1' }, zipkinSpans[0]]), 'application/json')).status, 202);
    const text = renderPrometheus(stats, DEFAULT_STATS_PARAMS);
    const v = (name: string) => Number(/ (\d+)$/.exec(text.split('\n').find((l) => l.startsWith(name))!)![1]);
    assert.equal(v('zipkin_collector_messages_dropped_total{transport="http"}'), 4);
    assert.equal(v('zipkin_collector_spans_dropped_total{transport="http"}'), 1);
    assert.equal(v('weft_trace_store_traces'), 3);
  });
});

describe('trace store bounds', () => {
  const span = (trace: number, id: number, pad = 0) => ({ traceId: trace.toString(16).padStart(32, '0'), id: id.toString(16).padStart(16, '0'), name: 'x'.repeat(pad), timestamp: 1 + trace });

  it('keeps at most maxTraces, evicting the oldest and counting its spans', () => {
    const s = new TraceStore({ maxTraces: 2 });
    s.add(span(1, 1));
    s.add(span(1, 2));
    s.add(span(2, 3));
    s.add(span(3, 4));
    assert.equal(s.traceCount, 2);
    assert.equal(s.trace(span(1, 0).traceId), undefined);
    assert.deepEqual(s.counters, { spansAccepted: 4, spansDropped: 0, spansEvicted: 2, tracesEvicted: 1 });
  });

  it('keeps at most maxBytes; a span larger than the bound is dropped', () => {
    const one = Buffer.byteLength(JSON.stringify(span(1, 1, 100)));
    const s = new TraceStore({ maxBytes: one * 3 });
    for (let i = 1; i <= 5; i++) s.add(span(i, i, 100));
    assert.ok(s.byteCount <= one * 3);
    assert.equal(s.traceCount, 3);
    assert.equal(s.counters.tracesEvicted, 2);
    s.add(span(9, 9, one * 4));
    assert.equal(s.counters.spansDropped, 1);
    assert.equal(s.traceCount, 3);
  });

  it('caps spans per trace; 64-bit trace ids match their 128-bit form', () => {
    const s = new TraceStore({ maxSpansPerTrace: 2 });
    for (let i = 1; i <= 3; i++) s.add({ traceId: '00000000000000ab', id: i.toString(16).padStart(16, '0') });
    assert.equal(s.trace('000000000000000000000000000000ab')!.length, 2);
    assert.equal(s.counters.spansDropped, 1);
  });
});
