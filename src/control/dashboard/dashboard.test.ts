// The dashboard's HTTP API over real sockets: a fixture sidecar serving
// Istio's metrics, targets that refuse connections, answer too slowly or
// serve malformed text, the Prometheus API subset, the graph, the built UI's
// static serving (and its refusals), replies and explanations. Time is an
// injected clock: each scrape is 5 s later.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { StoredSpan } from '../traces/trace-store.js';
import { Dashboard, type DashboardSources, type DashboardTarget } from './dashboard.js';

const T0 = 1_800_000_000_000;

async function listen(handler: http.RequestListener): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as net.AddressInfo).port };
}

async function closedPort(): Promise<number> {
  const { server, port } = await listen(() => undefined);
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

const ISTIO = (n: number) => {
  const dst = 'destination_service="reviews.default.svc.cluster.local",destination_service_name="reviews",destination_service_namespace="default",destination_workload="reviews-v1",destination_workload_namespace="default",destination_app="reviews",destination_version="v1"';
  const src = 'source_workload="productpage-v1",source_workload_namespace="default",source_app="productpage",source_version="v1",source_principal="spiffe://cluster.local/ns/default/sa/bookinfo-productpage"';
  return [
    '# TYPE istio_requests_total counter',
    `istio_requests_total{reporter="destination",${src},${dst},request_protocol="http",response_code="200",response_flags="-",connection_security_policy="mutual_tls"} ${50 * n}`,
    `istio_requests_total{reporter="destination",${src},${dst},request_protocol="http",response_code="503",response_flags="UF",connection_security_policy="mutual_tls"} ${5 * n}`,
    '# TYPE istio_request_duration_milliseconds histogram',
    `istio_request_duration_milliseconds_bucket{reporter="destination",${src},${dst},le="10"} ${40 * n}`,
    `istio_request_duration_milliseconds_bucket{reporter="destination",${src},${dst},le="100"} ${55 * n}`,
    `istio_request_duration_milliseconds_bucket{reporter="destination",${src},${dst},le="+Inf"} ${55 * n}`,
    `istio_request_duration_milliseconds_sum{reporter="destination",${src},${dst}} ${500 * n}`,
    `istio_request_duration_milliseconds_count{reporter="destination",${src},${dst}} ${55 * n}`,
    '# TYPE envoy_cluster_upstream_rq_total counter',
    `envoy_cluster_upstream_rq_total{envoy_cluster_name="outbound|9080||ratings"} ${n}`,
    '# TYPE envoy_server_live gauge',
    'envoy_server_live 1',
    // A label that clashes with a target label (Prometheus renames it exported_namespace).
    '# TYPE app_info gauge',
    'app_info{namespace="inner",pod="x"} 1',
    '',
  ].join('\n');
};

describe('dashboard HTTP API', () => {
  let clock = T0;
  let scrapes = 0;
  let sidecar: http.Server;
  let malformed: http.Server;
  let slow: http.Server;
  let api: http.Server;
  let base = '';
  let dashboard: Dashboard;
  let staticDir: string;
  const spans: StoredSpan[][] = [];
  const targets: DashboardTarget[] = [];

  before(async () => {
    const s = await listen((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(ISTIO(scrapes));
    });
    sidecar = s.server;
    const m = await listen((_req, res) => res.end('istio_requests_total{ 1\n'));
    malformed = m.server;
    const sl = await listen(() => undefined); // never answers
    slow = sl.server;
    const refused = await closedPort();
    targets.push(
      { id: 'default/reviews-v1', workload: 'reviews-v1', namespace: 'default', app: 'reviews', version: 'v1', url: `http://127.0.0.1:${s.port}/stats/prometheus`, job: 'kubernetes-pods', kind: 'sidecar', service: 'reviews.default.svc.cluster.local' },
      { id: 'default/broken', workload: 'broken', namespace: 'default', url: `http://127.0.0.1:${m.port}/stats/prometheus`, job: 'kubernetes-pods' },
      { id: 'default/slow', workload: 'slow', namespace: 'default', url: `http://127.0.0.1:${sl.port}/stats/prometheus`, job: 'kubernetes-pods' },
      { id: 'default/gone', workload: 'gone', namespace: 'default', url: `http://127.0.0.1:${refused}/stats/prometheus`, job: 'kubernetes-pods' },
    );
    staticDir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-dash-static-'));
    const sources: DashboardSources = {
      config: () => ({
        snapshot: {
          version: 3, files: ['/cfg/vs.yaml'],
          accepted: [{ key: 'VirtualService reviews.default', obj: { kind: 'VirtualService' } as never, file: '/cfg/vs.yaml', line: 1 }],
          rejected: [{ file: '/cfg/bad.yaml', index: 0, line: 7, key: 'VirtualService broken.default', messages: [{ code: 'WEFT0102', severity: 'error', key: 'VirtualService broken.default', path: 'spec.http[0].route', message: 'route is required', file: '/cfg/bad.yaml', line: 9 }] }],
          messages: [],
        },
        analysis: [{ code: 'WEFT0301', severity: 'warning', key: 'VirtualService reviews.default', path: 'spec.http[0].route[0].destination.subset', message: 'subset v9 is not defined', file: '/cfg/vs.yaml', line: 12, istio: 'IST0101' }],
        proxies: [{ id: 'sidecar~1~reviews-v1.default~default.svc.cluster.local', cluster: 'reviews.default', connected: true, messages: [{ code: 'WEFT_TR_FIELD_IGNORED', severity: 'warning', key: 'VirtualService reviews.default', path: 'spec.http[0].mirror', message: 'not translated' }],
          types: [{ typeUrl: 'type.googleapis.com/envoy.config.listener.v3.Listener', subscribed: '*', sentVersion: '3.2', ackedVersion: '3.1', inFlight: false, pushes: 2, acks: 1, nacks: 1, lastNack: { version: '3.2', nonce: 'n', message: 'bad listener', code: 3, time: 0 } }] }],
        credentialIssues: [{ name: 'gw-cert', path: '/cfg/secrets/gw-cert/tls.key', code: 'CREDENTIAL_KEY_MISMATCH', reason: 'the key does not match the certificate', keptLastGood: true }],
      }),
      traces: () => spans,
      locate: (k) => (k === 'VirtualService ratings.default' ? { file: '/cfg/ratings.yaml', line: 4 } : undefined),
    };
    dashboard = new Dashboard({ now: () => clock, scrapeTimeoutMs: 300, staticDir, targets }, sources);
    // 13 scrapes 5 s apart: a full minute of samples for rate(…[1m]).
    for (let i = 0; i <= 12; i++) {
      scrapes = i;
      clock = T0 + i * 5000;
      await dashboard.scraper.scrapeAll();
    }
    const a = await listen((req, res) => {
      if (!dashboard.handle(req, res)) res.writeHead(404).end();
    });
    api = a.server;
    base = `http://127.0.0.1:${a.port}`;
  });

  after(async () => {
    await dashboard.stop();
    for (const srv of [sidecar, malformed, slow, api]) {
      srv.closeAllConnections();
      srv.close();
    }
    fs.rmSync(staticDir, { recursive: true, force: true });
  });

  const get = async (p: string, init?: RequestInit) => {
    const r = await fetch(`${base}${p}`, { redirect: 'manual', ...init });
    const text = await r.text();
    return { status: r.status, headers: r.headers, text, json: () => JSON.parse(text) as any };
  };

  it('targets: up with its series; refused, slow and malformed targets are down with the reason (malformed counted)', async () => {
    const t = (await get('/api/dashboard/targets')).json() as { id: string; health: string; lastError?: string; series: number; lastScrapeMs: number }[];
    const by = Object.fromEntries(t.map((x) => [x.id, x]));
    assert.equal(by['default/reviews-v1'].health, 'up');
    assert.equal(by['default/reviews-v1'].lastScrapeMs, T0 + 60_000);
    // The Envoy cluster stat is not stored (dropMetrics); istio's, envoy_server_live and app_info are.
    assert.equal(by['default/reviews-v1'].series, 2 + 5 + 1 + 1);
    assert.equal(by['default/broken'].health, 'down');
    assert.match(by['default/broken'].lastError!, /^malformed exposition: line 1: /);
    assert.equal(by['default/slow'].health, 'down');
    assert.match(by['default/slow'].lastError!, /no answer within 300 ms/);
    assert.equal(by['default/gone'].health, 'down');
    assert.match(by['default/gone'].lastError!, /ECONNREFUSED/);
    const st = (await get('/api/dashboard/status')).json();
    assert.equal(st.source, 'embedded');
    assert.deepEqual({ ...st.scrape, scrapes: undefined, failures: undefined }, { intervalSeconds: 5, windowSeconds: 3600, effectiveWindowSeconds: 3600, targets: 4, healthy: 1, malformed: 13, scrapes: undefined, failures: undefined });
    assert.equal(st.scrape.failures, 39);
    assert.deepEqual(st.traces, { source: 'embedded' });
    assert.equal(typeof st.version, 'string');
  });

  it('up{} and target labels as Prometheus sets them (a clashing label becomes exported_<name>)', async () => {
    const q = (await get(`/api/v1/query?query=${encodeURIComponent('up')}&time=${(T0 + 60_000) / 1000}`)).json();
    assert.deepEqual(q.data.result.map((r: any) => `${r.metric.pod}=${r.value[1]}`).sort(), ['broken=0', 'gone=0', 'reviews-v1=1', 'slow=0']);
    const info = (await get(`/api/v1/query?query=app_info&time=${(T0 + 60_000) / 1000}`)).json();
    assert.deepEqual(info.data.result[0].metric, { __name__: 'app_info', exported_namespace: 'inner', exported_pod: 'x', job: 'kubernetes-pods', instance: new URL(targets[0]!.url).host, namespace: 'default', pod: 'reviews-v1' });
  });

  it('/api/v1/query: Prometheus\'s answer shape, evaluated at `time`', async () => {
    const r = await get(`/api/v1/query?query=${encodeURIComponent('sum by (response_code) (rate(istio_requests_total[1m]))')}&time=${(T0 + 60_000) / 1000}`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/json');
    const body = r.json();
    assert.equal(body.status, 'success');
    assert.equal(body.data.resultType, 'vector');
    // Values are strings (Prometheus's); compared as numbers to 1e-9 (extrapolation's division leaves 0.9999999999999999).
    assert.deepEqual(body.data.result.sort((a: any, b: any) => a.metric.response_code.localeCompare(b.metric.response_code))
      .map((x: any) => [x.metric, x.value[0], typeof x.value[1], Number(Number(x.value[1]).toFixed(9))]), [
      [{ response_code: '200' }, (T0 + 60_000) / 1000, 'string', 10],
      [{ response_code: '503' }, (T0 + 60_000) / 1000, 'string', 1],
    ]);
    const scalar = (await get('/api/v1/query?query=1%2B1&time=100')).json();
    assert.deepEqual(scalar, { status: 'success', data: { resultType: 'scalar', result: [100, '2'] } });
  });

  it('/api/v1/query_range: a matrix, one point per step', async () => {
    const start = (T0 + 30_000) / 1000;
    const body = (await get(`/api/v1/query_range?query=${encodeURIComponent('sum(istio_requests_total{response_code="200"})')}&start=${start}&end=${start + 20}&step=10s`)).json();
    assert.deepEqual(body, { status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values: [[start, '300'], [start + 10, '400'], [start + 20, '500']] }] } });
  });

  it('errors: 400 bad_data naming the unsupported function or the bad parameter; 422 for execution errors; 405 for anything but GET', async () => {
    const fn = await get(`/api/v1/query?query=${encodeURIComponent('holt_winters(x[5m], 0.1, 0.1)')}`);
    assert.equal(fn.status, 400);
    assert.equal(fn.json().errorType, 'bad_data');
    assert.match(fn.json().error, /unsupported PromQL function "holt_winters"/);
    for (const p of ['/api/v1/query', '/api/v1/query?query=up&time=yesterday', '/api/v1/query_range?query=up&start=1&end=2&step=0', '/api/v1/query_range?query=up&start=2&end=1&step=1',
      // Timestamps beyond Prometheus's maxTime (this one is Infinity as a double) are refused, not stepped through forever.
      `/api/v1/query_range?query=up&start=${'9'.repeat(400)}&end=${'9'.repeat(400)}&step=1`, `/api/v1/query?query=up&time=${'9'.repeat(400)}`, '/api/dashboard/graph?window=2m', '/api/dashboard/replies?limit=-1', '/api/dashboard/explain']) {
      const r = await get(p);
      assert.equal(r.status, 400, p);
      assert.deepEqual(Object.keys(r.json()).sort(), ['error', 'errorType', 'status'], p);
    }
    const exec = await get(`/api/v1/query?query=${encodeURIComponent('istio_requests_total / on(reporter) istio_requests_total')}`);
    assert.equal(exec.status, 422);
    assert.match(exec.json().error, /many-to-many/);
    for (const method of ['POST', 'PUT', 'DELETE']) {
      for (const p of ['/api/v1/query?query=up', '/api/dashboard/status', '/dashboard/']) assert.equal((await get(p, { method })).status, 405, `${method} ${p}`);
    }
  });

  it('graph: workload → service → workload with rps, error ratio (5xx and flags), p50/p99 and mTLS; unscraped workloads are nodes marked down', async () => {
    clock = T0 + 60_000;
    const g = (await get('/api/dashboard/graph?window=1m')).json();
    assert.equal(g.window, '1m');
    assert.equal(g.generatedAt, T0 + 60_000);
    const edges = Object.fromEntries(g.edges.map((e: any) => [e.id, e]));
    const inbound = edges['wl:default/productpage-v1->svc:reviews.default.svc.cluster.local#http'];
    assert.ok(inbound, JSON.stringify(Object.keys(edges)));
    assert.equal(inbound.rps, 11);
    assert.equal(inbound.errorRatio, Math.round((1 / 11) * 1e6) / 1e6);
    assert.equal(inbound.mtls, 'mutual_tls');
    // 40 of every 55 under 10 ms: the median in the first bucket (10 · 27.5/40), p99 in the second.
    assert.equal(inbound.p50Ms, 6.875);
    assert.equal(inbound.p99Ms, 96.7); // 10 + 90 · (0.99·55 − 40)/15
    const outbound = edges['svc:reviews.default.svc.cluster.local->wl:default/reviews-v1#http'];
    assert.equal(outbound.rps, 11);
    const nodes = Object.fromEntries(g.nodes.map((n: any) => [n.id, n]));
    assert.deepEqual(nodes['wl:default/reviews-v1'], { id: 'wl:default/reviews-v1', kind: 'workload', label: 'reviews v1', namespace: 'default', workload: 'reviews-v1', app: 'reviews', version: 'v1', service: 'reviews.default.svc.cluster.local', scrape: 'up' });
    assert.equal(nodes['wl:default/productpage-v1'].scrape, 'unknown');
    assert.equal(nodes['wl:default/broken'].scrape, 'down');
    assert.equal(nodes['svc:reviews.default.svc.cluster.local'].kind, 'service');
  });

  it('config: objects with their messages, file and line; proxies with sent/ACKed versions and NACKs; translation notes', async () => {
    const c = (await get('/api/dashboard/config')).json();
    assert.deepEqual(c.objects, [
      { kind: 'VirtualService', name: 'reviews', namespace: 'default', file: '/cfg/vs.yaml', line: 1, status: 'warning', messages: [{ code: 'WEFT0301', severity: 'warning', message: 'subset v9 is not defined', path: 'spec.http[0].route[0].destination.subset', file: '/cfg/vs.yaml', line: 12, istio: 'IST0101' }] },
      { kind: 'VirtualService', name: 'broken', namespace: 'default', file: '/cfg/bad.yaml', line: 7, status: 'rejected', messages: [{ code: 'WEFT0102', severity: 'error', message: 'route is required', path: 'spec.http[0].route', file: '/cfg/bad.yaml', line: 9 }] },
    ]);
    assert.deepEqual(c.proxies, [{ id: 'sidecar~1~reviews-v1.default~default.svc.cluster.local', cluster: 'reviews.default', connected: true, types: [{ typeUrl: 'type.googleapis.com/envoy.config.listener.v3.Listener', sentVersion: '3.2', ackedVersion: '3.1', nack: { version: '3.2', message: 'bad listener' } }] }]);
    assert.deepEqual(c.notes, [
      { code: 'WEFT_TR_FIELD_IGNORED', message: 'spec.http[0].mirror: not translated', object: 'VirtualService reviews.default', file: '/cfg/vs.yaml', line: 1 },
      { code: 'CREDENTIAL_KEY_MISMATCH', message: 'the key does not match the certificate; the last good version keeps being served', object: 'Secret gw-cert', file: '/cfg/secrets/gw-cert/tls.key' },
    ]);
  });

  it('replies: failed requests from the proxies\' spans, newest first, with the x-weft-error parts and the object\'s file', async () => {
    const span = (id: string, ts: number, kind: 'CLIENT' | 'SERVER', tags: Record<string, string>): StoredSpan => ({ traceId: `t${id}`, id, kind, timestamp: ts * 1000, tags: { component: 'proxy', ...tags } });
    spans.length = 0;
    spans.push([
      span('1', 1000, 'CLIENT', { node_id: 'sidecar~127.0.0.1~reviews-v2.default~default.svc.cluster.local', 'http.method': 'GET', 'http.url': 'http://ratings:9080/ratings/0', 'http.status_code': '500', response_flags: 'FI', 'x-weft-error': 'WEFT_FAULT_ABORT fault injected: abort with HTTP 500; virtual_service=ratings.default; virtual_host=ratings.default.svc.cluster.local:9080', upstream_cluster: 'outbound|9080|v1|ratings.default.svc.cluster.local' }),
      span('2', 2000, 'SERVER', { node_id: 'sidecar~127.0.0.1~details-v1.default~default.svc.cluster.local', 'http.method': 'GET', 'http.url': 'http://details:9080/details/1', 'http.status_code': '200', response_flags: '-' }),
    ], [
      span('3', 3000, 'SERVER', { node_id: 'sidecar~127.0.0.1~ratings-v1.default~default.svc.cluster.local', 'http.method': 'POST', 'http.url': 'http://ratings:9080/x?y=1', 'http.status_code': '503', response_flags: 'UF' }),
    ]);
    const r = (await get('/api/dashboard/replies?limit=5')).json();
    assert.deepEqual(r, [
      { time: 3000, workload: 'ratings-v1', reporter: 'destination', method: 'POST', path: '/x?y=1', status: 503, responseFlags: 'UF', traceId: 't3' },
      { time: 1000, workload: 'reviews-v2', reporter: 'source', method: 'GET', path: '/ratings/0', status: 500, responseFlags: 'FI', traceId: 't1', upstreamCluster: 'outbound|9080|v1|ratings.default.svc.cluster.local',
        weftError: { code: 'WEFT_FAULT_ABORT', detail: 'fault injected: abort with HTTP 500', object: 'VirtualService ratings.default', file: '/cfg/ratings.yaml', line: 4 } },
    ]);
    assert.equal((await get('/api/dashboard/replies?limit=1')).json().length, 1);
  });

  it('explain: the catalogue entry for a code; 404 for a code weft does not have', async () => {
    const e = (await get('/api/dashboard/explain?code=WEFT_FAULT_ABORT')).json();
    assert.equal(e.code, 'WEFT_FAULT_ABORT');
    assert.deepEqual(e.objectKinds, ['VirtualService']);
    assert.ok(e.title && e.meaning && e.typicalCauses.length > 0);
    // A config message's code, from the validation code table.
    assert.deepEqual((await get('/api/dashboard/explain?code=WEFT0010')).json(), { code: 'WEFT0010', title: 'Unknown field (strict schema, as Istio)', meaning: 'unknown field (strict schema, as Istio)', typicalCauses: [], objectKinds: [], severity: 'error', istio: 'IST0106' });
    const missing = await get('/api/dashboard/explain?code=WEFT_NOPE');
    assert.equal(missing.status, 404);
  });

  it('static UI: 503 page until built; then index for routes, hashed assets cached, types set; traversal and symlinks out refused', async () => {
    const notBuilt = await get('/dashboard/');
    assert.equal(notBuilt.status, 503);
    assert.match(notBuilt.text, /dashboard not built/);
    assert.match(notBuilt.text, /index\.html does not exist/);
    assert.equal((await get('/')).status, 302);
    assert.equal((await get('/')).headers.get('location'), '/dashboard/');

    fs.mkdirSync(path.join(staticDir, 'assets'));
    fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>weft</title>');
    fs.writeFileSync(path.join(staticDir, 'assets', 'index-Bx3f9a2Q.js'), 'console.log(1)');
    fs.writeFileSync(path.join(staticDir, 'favicon.svg'), '<svg/>');
    const outside = path.join(path.dirname(staticDir), `${path.basename(staticDir)}-secret.txt`);
    fs.writeFileSync(outside, 'secret');
    fs.symlinkSync(outside, path.join(staticDir, 'link.txt'));
    try {
      for (const p of ['/dashboard/', '/dashboard/graph', '/dashboard/services/reviews']) {
        const r = await get(p);
        assert.equal(r.status, 200, p);
        assert.equal(r.headers.get('content-type'), 'text/html; charset=utf-8');
        assert.equal(r.headers.get('cache-control'), 'no-cache');
        assert.equal(r.text, '<!doctype html><title>weft</title>');
      }
      const js = await get('/dashboard/assets/index-Bx3f9a2Q.js');
      assert.equal(js.status, 200);
      assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
      assert.equal(js.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.equal(js.headers.get('x-content-type-options'), 'nosniff');
      assert.equal((await get('/dashboard/assets/index-Bx3f9a2Q.js', { headers: { 'if-none-match': js.headers.get('etag')! } })).status, 304);
      assert.equal((await get('/dashboard/favicon.svg')).headers.get('content-type'), 'image/svg+xml');
      assert.equal((await get('/dashboard/assets/missing.js')).status, 404);
      assert.equal((await get('/dashboard/link.txt')).status, 404);
      // fetch() normalises a literal "/../", so the raw request line goes through node:http.
      for (const p of ['/dashboard/../../etc/passwd', '/dashboard/%2e%2e/%2e%2e/etc/passwd', '/dashboard/assets%2f..%2f..%2fx.js', '/dashboard/%00.js', '/dashboard/%E0%A4%A.js']) {
        const status = await new Promise<number>((resolve, reject) => {
          http.get({ host: '127.0.0.1', port: new URL(base).port, path: p }, (res) => {
            res.resume();
            resolve(res.statusCode!);
          }).on('error', reject);
        });
        assert.ok(status === 400 || status === 404, `${p}: ${status}`);
      }
    } finally {
      fs.rmSync(outside, { force: true });
    }
  });
});

describe('dashboard: trace reads forwarded to a collector\'s query API', () => {
  it('GET /api/v2/* goes to the collector (path and query kept); a dead collector is a 502 saying so; status names it', async () => {
    const seen: string[] = [];
    const collector = await listen((req, res) => {
      seen.push(req.url!);
      res.writeHead(200, { 'content-type': 'application/json' }).end('["productpage.default"]');
    });
    const sources: DashboardSources = { config: () => ({ snapshot: undefined, analysis: [], proxies: [] }), traces: () => undefined, locate: () => undefined };
    const live = new Dashboard({ traceQueryUrl: `http://127.0.0.1:${collector.port}/` }, sources);
    const deadPort = await closedPort();
    const dead = new Dashboard({ traceQueryUrl: `http://127.0.0.1:${deadPort}` }, sources);
    const a = await listen((req, res) => void live.handle(req, res));
    const b = await listen((req, res) => void dead.handle(req, res));
    try {
      const r = await fetch(`http://127.0.0.1:${a.port}/api/v2/services?x=1`);
      assert.equal(r.status, 200);
      assert.deepEqual(await r.json(), ['productpage.default']);
      assert.deepEqual(seen, ['/api/v2/services?x=1']);
      // Absolute-form and `//host/…` request targets: the collector still gets only the path and query.
      for (const target of [`http://elsewhere.example/api/v2/services?x=2`, '//elsewhere.example/api/v2/services?x=3']) {
        const status = await new Promise<number>((resolve, reject) => {
          http.request({ host: '127.0.0.1', port: a.port, path: target }, (res) => {
            res.resume();
            resolve(res.statusCode!);
          }).on('error', reject).end();
        });
        assert.equal(status, 200, target);
      }
      assert.deepEqual(seen, ['/api/v2/services?x=1', '/api/v2/services?x=2', '/api/v2/services?x=3']);
      const st = (await (await fetch(`http://127.0.0.1:${a.port}/api/dashboard/status`)).json()) as { traces: unknown };
      assert.deepEqual(st.traces, { source: 'collector', url: `http://127.0.0.1:${collector.port}/` });
      const d = await fetch(`http://127.0.0.1:${b.port}/api/v2/traces?serviceName=x`);
      assert.equal(d.status, 502);
      assert.match(((await d.json()) as { error: string }).error, new RegExp(`trace collector at http://127\\.0\\.0\\.1:${deadPort} unreachable: ECONNREFUSED`));
      assert.equal((await fetch(`http://127.0.0.1:${a.port}/api/v2/spans`, { method: 'POST', body: '[]' })).status, 405);
    } finally {
      for (const s of [collector.server, a.server, b.server]) {
        s.closeAllConnections();
        s.close();
      }
    }
  });
});
