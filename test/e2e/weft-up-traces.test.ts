// Distributed tracing through a real `weft up` of Bookinfo:
// - default: the control plane's embedded receiver collects every sidecar's
//   spans (100% sampling); one productpage request (signed in as jason, so
//   reviews v2 calls ratings: scenario 03 is in the config folder from the
//   start) is one complete trace, fetched from the receiver's Zipkin query
//   API: productpage → details, productpage → reviews → ratings, a CLIENT
//   span at the caller's sidecar and a SERVER span at the callee's for each
//   hop, parent/child links right, Istio's tags;
// - --trace-collector http://…/v1/traces: the same trace arrives at a
//   collector written here, as OTLP/HTTP protobuf decoded with the official
//   opentelemetry-proto definitions.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ExportTraceServiceRequest } from '../../src/proxy/tracing/opentelemetry/otlp-proto.js';
import { closeAgent, copyBookinfo, get, SCENARIOS, waitFor, WeftUpProcess, type Target } from './bookinfo-mesh.js';

interface ZSpan {
  traceId: string;
  id: string;
  parentId?: string;
  name: string;
  kind: 'CLIENT' | 'SERVER';
  timestamp: number;
  duration: number;
  localEndpoint: { serviceName: string };
  tags: Record<string, string>;
}

const WAIT_MS = 20_000;

function withJasonRoute(dir: string): void {
  fs.copyFileSync(path.join(SCENARIOS, '03-jason-to-v2.yaml'), path.join(dir, 'config', '03-jason-to-v2.yaml'));
}

async function startMesh(args: string[] = []): Promise<{ up: WeftUpProcess; edge: Target }> {
  const dir = copyBookinfo();
  withJasonRoute(dir);
  const up = new WeftUpProcess(dir, args);
  await up.ready(30_000);
  const edge = { port: up.edgePort };
  await waitFor(async () => {
    const r = await get(edge, '/productpage?user=jason');
    return r.status === 200 && r.headers['x-bookinfo-details'] === 'ok' && r.headers['x-bookinfo-reviews'] !== 'unavailable';
  }, 'the product page answering with details and reviews', 15_000);
  return { up, edge };
}

/** The hop (caller service → callee service) of a CLIENT span and its SERVER child. */
function hops(spans: readonly { id: string; parentId?: string; kind?: string; service: string; tags: Record<string, string> }[]): string[] {
  const byId = new Map(spans.map((s) => [s.id, s]));
  const out: string[] = [];
  for (const s of spans) {
    if (s.kind !== 'SERVER' || !s.parentId) continue;
    const client = byId.get(s.parentId);
    if (client?.kind === 'CLIENT') out.push(`${client.service} -> ${s.service}`);
  }
  return out.sort();
}

/** Checks the tree: one root SERVER span at productpage, every other span's parent in the trace. */
function assertTree(spans: readonly { id: string; parentId?: string; kind?: string; service: string }[]): void {
  const ids = new Set(spans.map((s) => s.id));
  assert.equal(ids.size, spans.length, 'span ids are unique (Istio turns shared_span_context off)');
  const roots = spans.filter((s) => !s.parentId || !ids.has(s.parentId));
  assert.equal(roots.length, 1, `one root: ${JSON.stringify(roots)}`);
  assert.equal(roots[0]!.kind, 'SERVER');
  assert.equal(roots[0]!.service, 'productpage.default');
  // A CLIENT span's parent is the SERVER span of the same service (the app's own work).
  const byId = new Map(spans.map((s) => [s.id, s]));
  for (const s of spans.filter((x) => x.kind === 'CLIENT')) {
    const parent = byId.get(s.parentId!);
    assert.equal(parent?.kind, 'SERVER', `client span ${s.id} of ${s.service} has a server parent`);
    assert.equal(parent?.service, s.service);
  }
}

const EXPECTED_HOPS = ['productpage.default -> details.default', 'productpage.default -> reviews.default', 'reviews.default -> ratings.default'];

describe('weft up: traces', { timeout: 120_000 }, () => {
  describe('the embedded receiver', () => {
    let up: WeftUpProcess;
    let edge: Target;
    let base: string;

    before(async () => {
      ({ up, edge } = await startMesh());
      base = (JSON.parse(fs.readFileSync(path.join(up.dir, '.weft', 'state.json'), 'utf8')) as { traces: { url: string } }).traces.url;
    });

    after(async () => {
      await up?.kill();
      closeAgent();
      if (up) fs.rmSync(up.dir, { recursive: true, force: true });
    });

    it('writes the receiver URL to state.json and the banner', () => {
      assert.equal(base, `http://127.0.0.1:${up.state.debugPort}`);
      assert.ok(up.output().includes(`${base}/api/v2/traces`), up.output());
    });

    it('one productpage request is one complete trace in the Zipkin query API', async () => {
      const probe = `probe-${process.pid}-${Date.now()}`;
      const r = await get(edge, `/productpage?user=jason&${probe}`);
      assert.equal(r.status, 200);
      // The trace of this request: its root span's http.url holds the probe. Spans arrive per sidecar, so wait for all 7.
      const trace = await waitFor(async () => {
        const traces = (await (await fetch(`${base}/api/v2/traces?serviceName=productpage.default&limit=50`)).json()) as ZSpan[][];
        const t = traces.find((x) => x.some((s) => s.tags['http.url']?.includes(probe)));
        return t && t.length >= 7 && t.some((s) => s.localEndpoint.serviceName === 'ratings.default' && s.kind === 'SERVER') ? t : undefined;
      }, 'a complete trace of the request', WAIT_MS);
      const spans = trace.map((s) => ({ ...s, service: s.localEndpoint.serviceName }));
      assert.equal(new Set(trace.map((s) => s.traceId)).size, 1);
      assertTree(spans);
      assert.deepEqual(hops(spans), EXPECTED_HOPS);
      // 4 SERVER spans (productpage, details, reviews, ratings) and 3 CLIENT spans, one per hop.
      assert.equal(spans.filter((s) => s.kind === 'SERVER').length, 4, JSON.stringify(trace, null, 1));
      assert.equal(spans.filter((s) => s.kind === 'CLIENT').length, 3, JSON.stringify(trace, null, 1));
      for (const s of trace) {
        const svc = s.localEndpoint.serviceName.split('.')[0]!;
        assert.equal(s.tags['istio.canonical_service'], svc, JSON.stringify(s));
        assert.equal(s.tags['istio.namespace'], 'default');
        assert.ok(s.tags['istio.canonical_revision'], 'canonical revision tag');
        assert.ok(s.tags['istio.mesh_id'], 'mesh id tag');
        assert.equal(s.tags['http.status_code'], '200');
        assert.ok(s.tags.upstream_cluster, `upstream_cluster on ${s.name}`);
        assert.ok(s.duration > 0 && s.timestamp > 0);
      }
      const ratingsClient = trace.find((s) => s.kind === 'CLIENT' && s.localEndpoint.serviceName === 'reviews.default')!;
      assert.match(ratingsClient.tags.upstream_cluster!, /^outbound\|9080\|\|ratings\.default\.svc\.cluster\.local$/);
      // Span names are Istio's route decorators: host:port/*.
      assert.ok(trace.some((s) => s.name === 'ratings.default.svc.cluster.local:9080/*'), trace.map((s) => s.name).join(', '));
      // The same trace by id.
      const byId = (await (await fetch(`${base}/api/v2/trace/${trace[0]!.traceId}`)).json()) as ZSpan[];
      assert.equal(byId.length, trace.length);
    });

    it('services and span names are listed', async () => {
      const services = (await (await fetch(`${base}/api/v2/services`)).json()) as string[];
      for (const s of ['details.default', 'productpage.default', 'ratings.default', 'reviews.default']) assert.ok(services.includes(s), services.join(','));
      const names = (await (await fetch(`${base}/api/v2/spans?serviceName=reviews.default`)).json()) as string[];
      assert.ok(names.includes('ratings.default.svc.cluster.local:9080/*'), names.join(','));
    });
  });

  describe('--trace-collector: OTLP/HTTP to an external collector', () => {
    let up: WeftUpProcess;
    let edge: Target;
    let collector: http.Server;
    const received: { traceId: string; id: string; parentId: string; kind: string; service: string; tags: Record<string, string> }[] = [];
    let contentTypes = new Set<string>();

    before(async () => {
      collector = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          contentTypes.add(`${req.method} ${req.url} ${req.headers['content-type']}`);
          const msg = ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(Buffer.concat(chunks)), { longs: String }) as {
            resourceSpans?: { resource?: { attributes?: { key: string; value: { stringValue?: string } }[] }; scopeSpans?: { spans?: { traceId: Uint8Array; spanId: Uint8Array; parentSpanId?: Uint8Array; kind: number; attributes?: { key: string; value: { stringValue?: string } }[] }[] }[] }[];
          };
          for (const rs of msg.resourceSpans ?? []) {
            const service = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
            for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) {
              const tags: Record<string, string> = {};
              for (const a of s.attributes ?? []) tags[a.key] = a.value.stringValue ?? '';
              received.push({
                traceId: Buffer.from(s.traceId).toString('hex'), id: Buffer.from(s.spanId).toString('hex'),
                parentId: Buffer.from(s.parentSpanId ?? []).toString('hex'), kind: s.kind === 2 ? 'SERVER' : s.kind === 3 ? 'CLIENT' : String(s.kind), service, tags,
              });
            }
          }
          res.writeHead(200, { 'content-type': 'application/x-protobuf' });
          res.end();
        });
      });
      await new Promise<void>((r) => collector.listen(0, '127.0.0.1', () => r()));
      const port = (collector.address() as net.AddressInfo).port;
      ({ up, edge } = await startMesh(['--trace-collector', `http://127.0.0.1:${port}/v1/traces`, '--trace-sampling', '100']));
    });

    after(async () => {
      await up?.kill();
      closeAgent();
      collector?.close();
      if (up) fs.rmSync(up.dir, { recursive: true, force: true });
    });

    it('the trace arrives as OTLP/HTTP protobuf, decoded with the official definitions', async () => {
      const before_ = new Set(received.map((s) => s.traceId));
      const r = await get(edge, '/productpage?user=jason');
      assert.equal(r.status, 200);
      const trace = await waitFor(() => {
        const byTrace = new Map<string, typeof received>();
        for (const s of received) if (!before_.has(s.traceId)) byTrace.set(s.traceId, [...(byTrace.get(s.traceId) ?? []), s]);
        return [...byTrace.values()].find((t) => t.length >= 7 && t.some((s) => s.service === 'ratings.default' && s.kind === 'SERVER'));
      }, 'the OTLP spans of the request', WAIT_MS);
      assert.deepEqual([...contentTypes].filter((c) => !c.startsWith('POST /v1/traces application/x-protobuf')), []);
      const spans = trace.map((s) => ({ ...s, ...(s.parentId ? { parentId: s.parentId } : { parentId: undefined }) })) as { id: string; parentId?: string; kind: string; service: string; tags: Record<string, string> }[];
      assertTree(spans);
      assert.deepEqual(hops(spans), EXPECTED_HOPS);
      assert.equal(up.output().includes('exported to http://127.0.0.1:'), true);
      for (const s of trace) assert.equal(s.tags['istio.namespace'], 'default');
    });
  });
});
