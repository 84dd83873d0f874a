// A stand-in for the control plane's dashboard server, for the UI's browser
// tests and for front-end development (`node dist/test/e2e/dashboard-fixture.js
// [port] [services]`): it serves the built UI from dist/dashboard/ the way the
// real server does (index.html for client-side routes) and answers the API of
// docs/architecture/dashboard.md with a synthetic mesh of N services.
// What it does not model: PromQL. A range query gets one series per value of
// the first `by (…)` label (or one series), with a deterministic wave; the
// queries are recorded so tests can check what the UI asked.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
/** dist/dashboard, beside this file's compiled copy in dist/test/e2e. */
export const DASHBOARD_DIST = path.resolve(here, '..', '..', 'dashboard');

export interface FixtureOptions {
  services: number;
  /** Adds Prometheus-unreachable warnings to query responses and status. */
  prometheusDown?: boolean;
}

const HOST = (i: number) => `svc-${i}.default.svc.cluster.local`;

export function fixtureGraph(n: number) {
  const nodes: Record<string, unknown>[] = [{ id: 'ingress:edge', kind: 'ingress', label: 'edge' }];
  const edges: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    nodes.push({ id: `svc:${HOST(i)}`, kind: 'service', label: `svc-${i}`, namespace: 'default', service: HOST(i) });
    for (const v of ['v1', 'v2']) {
      nodes.push({ id: `wl:default/svc-${i}-${v}`, kind: 'workload', label: `svc-${i}-${v}`, namespace: 'default', service: HOST(i), workload: `svc-${i}-${v}`, app: `svc-${i}`, version: v, scrape: i === 7 && v === 'v2' ? 'down' : 'up' });
    }
  }
  nodes.push({ id: 'ext:api.example.com', kind: 'external', label: 'api.example.com' });
  // The API's shape (Kiali's versioned-app graph): source workload → destination service → destination workload.
  const edge = (source: string, target: string, rps: number, errorRatio: number) =>
    edges.push({ id: `${source}->${target}#http`, source, target, protocol: 'http', rps, errorRatio, p50Ms: 3 + (rps % 5), p99Ms: 40 + rps, mtls: target.includes('svc-5') ? 'none' : 'mutual_tls' });
  const svc = (i: number) => `svc:${HOST(i)}`;
  const call = (source: string, i: number, rps: number, errorRatio: number) => {
    edge(source, svc(i), rps, errorRatio);
    edge(svc(i), `wl:default/svc-${i}-v1`, rps * 0.7, errorRatio);
    edge(svc(i), `wl:default/svc-${i}-v2`, rps * 0.3, errorRatio);
  };
  call('ingress:edge', 0, 25, 0);
  for (let i = 0; i < n; i++) {
    for (const c of [2 * i + 1, 2 * i + 2]) {
      // Errors on svc-3 at 50 %, on svc-4 at 1 %.
      if (c < n) call(`wl:default/svc-${i}-v1`, c, 10 / (c + 1) + 1, c === 3 ? 0.5 : c === 4 ? 0.01 : 0);
    }
  }
  edge('wl:default/svc-1-v1', 'ext:api.example.com', 0.5, 0);
  edges.push({ id: `wl:default/svc-2-v1->${svc(6)}#tcp`, source: 'wl:default/svc-2-v1', target: svc(6), protocol: 'tcp', rps: 0, errorRatio: 0, tcpBytesPerSec: 20480, mtls: 'mutual_tls' });
  return { nodes, edges };
}

function fixtureConfig(n: number) {
  const objects: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    objects.push({ kind: 'DestinationRule', name: `svc-${i}`, namespace: 'default', file: `config/svc-${i}.yaml`, line: 1, status: 'accepted', messages: [] });
    objects.push({ kind: 'VirtualService', name: `svc-${i}`, namespace: 'default', file: `config/svc-${i}.yaml`, line: 12, status: 'accepted', messages: [] });
  }
  objects.push({ kind: 'VirtualService', name: 'broken', namespace: 'default', file: 'config/broken.yaml', line: 3, status: 'rejected',
    messages: [{ code: 'WEFT_CONFIG_INVALID', severity: 'error', message: 'spec.http[0].route[0].destination.host is required', path: 'spec.http[0].route[0].destination.host' }] });
  objects.push({ kind: 'DestinationRule', name: 'orphan', namespace: 'default', file: 'config/orphan.yaml', line: 1, status: 'warning',
    messages: [{ code: 'IST0101', severity: 'warning', message: 'Referenced host not found: "nowhere"' }] });
  const types = ['Listener', 'Cluster', 'RouteConfiguration', 'ClusterLoadAssignment'].map((t) => `type.googleapis.com/envoy.config.${t === 'Listener' ? 'listener' : t === 'RouteConfiguration' ? 'route' : t === 'Cluster' ? 'cluster' : 'endpoint'}.v3.${t}`);
  const proxies = Array.from({ length: n * 2 }, (_, i) => ({
    id: `sidecar~svc-${i >> 1}-v${(i & 1) + 1}`, cluster: `svc-${i >> 1}`, connected: i !== 15,
    types: types.map((typeUrl, k) => (i === 4 && k === 2 ? { typeUrl, sentVersion: '8', ackedVersion: '7', nack: { version: '8', message: 'route: unknown cluster "outbound|9080||nowhere"' } } : { typeUrl, sentVersion: '8', ackedVersion: '8' })),
  }));
  const notes = [{ code: 'WEFT_NOTE_UNSUPPORTED_FIELD', message: 'spec.http[0].mirrorPercentage is ignored', object: 'VirtualService svc-2.default', file: 'config/svc-2.yaml', line: 20 }];
  return { objects, proxies, notes };
}

function fixtureTraces(n: number, now: number) {
  const traces: Record<string, unknown>[][] = [];
  for (let t = 0; t < 12; t++) {
    const traceId = (0xabc000 + t).toString(16).padStart(32, '0');
    const start = (now - t * 20_000) * 1000;
    const failed = t % 4 === 1;
    const spans: Record<string, unknown>[] = [
      { traceId, id: `${t}a`.padStart(16, '0'), name: 'edge', kind: 'SERVER', timestamp: start, duration: 30_000, localEndpoint: { serviceName: 'edge' }, tags: { 'http.status_code': failed ? '503' : '200', response_flags: failed ? 'UF' : '-', upstream_cluster: `outbound|9080||${HOST(0)}` } },
      { traceId, id: `${t}b`.padStart(16, '0'), parentId: `${t}a`.padStart(16, '0'), name: `${HOST(0)}:9080/*`, kind: 'SERVER', timestamp: start + 2000, duration: 26_000, localEndpoint: { serviceName: 'svc-0' }, tags: { 'http.status_code': '200', response_flags: '-' } },
      { traceId, id: `${t}c`.padStart(16, '0'), parentId: `${t}b`.padStart(16, '0'), name: `${HOST(1)}:9080/*`, kind: 'CLIENT', timestamp: start + 4000, duration: 12_000, localEndpoint: { serviceName: 'svc-0' }, tags: { 'http.status_code': failed ? '503' : '200', response_flags: failed ? 'FI' : '-', 'x-weft-error': failed ? 'WEFT_FAULT_ABORT injected by VirtualService svc-1.default' : '-', upstream_cluster: `outbound|9080|v1|${HOST(1)}` } },
    ];
    if (!failed) spans.push({ traceId, id: `${t}d`.padStart(16, '0'), parentId: `${t}c`.padStart(16, '0'), name: `${HOST(1)}:9080/*`, kind: 'SERVER', timestamp: start + 5000, duration: 10_000, localEndpoint: { serviceName: 'svc-1' }, tags: { 'http.status_code': '200', response_flags: '-' } });
    traces.push(spans);
  }
  return { traces, services: ['edge', ...Array.from({ length: Math.min(n, 50) }, (_, i) => `svc-${i}`)] };
}

const MIME: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json' };

export class DashboardFixture {
  readonly queries: string[] = [];
  private server: http.Server;
  private graph: ReturnType<typeof fixtureGraph>;
  private config: ReturnType<typeof fixtureConfig>;

  constructor(readonly opts: FixtureOptions) {
    this.graph = fixtureGraph(opts.services);
    this.config = fixtureConfig(opts.services);
    this.server = http.createServer((req, res) => {
      try {
        this.handle(req, res);
      } catch (e) {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(String(e));
      }
    });
  }

  /** Changes one edge's error ratio (a test's "fault injected" between refreshes). */
  setEdgeErrorRatio(id: string, ratio: number): void {
    const e = this.graph.edges.find((x) => x.id === id);
    if (!e) throw new Error(`no edge ${id}`);
    e.errorRatio = ratio;
  }

  async listen(port = 0): Promise<number> {
    await new Promise<void>((r) => this.server.listen(port, '127.0.0.1', r));
    return (this.server.address() as { port: number }).port;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }

  private json(res: http.ServerResponse, body: unknown, status = 200): void {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const p = url.pathname;
    const warnings = this.opts.prometheusDown ? ['prometheus at http://127.0.0.1:1 unreachable: connect ECONNREFUSED; answered from the embedded store'] : undefined;
    const n = this.opts.services;
    if (req.method !== 'GET') return this.json(res, { error: 'method not allowed' }, 405);
    if (p === '/') return void res.writeHead(302, { location: '/dashboard/' }).end();
    if (p === '/api/dashboard/status') {
      return this.json(res, {
        source: this.opts.prometheusDown ? 'prometheus' : 'embedded',
        ...(this.opts.prometheusDown ? { prometheus: { url: 'http://127.0.0.1:1', healthy: false, error: 'connect ECONNREFUSED' } } : {}),
        scrape: { intervalSeconds: 5, windowSeconds: 3600, targets: n * 2, healthy: n * 2 - 1 }, traces: { source: 'embedded' }, version: 'fixture',
      });
    }
    if (p === '/api/dashboard/targets') {
      return this.json(res, this.graph.nodes.filter((x) => x.kind === 'workload').map((x) => ({
        id: `${x.workload}`, workload: x.workload, namespace: 'default', app: x.app, version: x.version, url: `http://127.0.0.1:15090/stats/prometheus`,
        health: x.scrape, series: 120, lastScrapeMs: Date.now() - 2000, ...(x.scrape === 'down' ? { lastError: 'connect ECONNREFUSED 127.0.0.1:15090' } : {}),
      })));
    }
    if (p === '/api/dashboard/graph') {
      const w = url.searchParams.get('window') ?? '5m';
      if (!['1m', '5m', '15m', '60m'].includes(w)) return this.json(res, { error: `bad window ${w}` }, 400);
      return this.json(res, { window: w, generatedAt: Date.now(), ...this.graph });
    }
    if (p === '/api/dashboard/config') return this.json(res, this.config);
    if (p === '/api/dashboard/replies') {
      return this.json(res, Array.from({ length: 30 }, (_, i) => ({
        time: Date.now() - i * 1000, workload: 'svc-0-v1', reporter: 'source', method: 'GET', path: '/call', status: i % 3 ? 503 : 500, responseFlags: i % 3 ? 'FI' : '-',
        ...(i % 3 ? { weftError: { code: 'WEFT_FAULT_ABORT', detail: 'abort injected (50%)', object: 'VirtualService svc-3.default', file: 'config/svc-3.yaml', line: 12 } } : {}),
      })));
    }
    if (p === '/api/dashboard/explain') {
      const code = url.searchParams.get('code') ?? '';
      if (code !== 'WEFT_FAULT_ABORT') return this.json(res, { error: `unknown code ${code}` }, 404);
      return this.json(res, { code, title: 'Fault injection abort', meaning: 'The proxy answered itself: a VirtualService fault.abort matched this request.', typicalCauses: ['A fault-injection rule left in place after a test'], objectKinds: ['VirtualService'] });
    }
    if (p === '/api/v1/query_range' || p === '/api/v1/query') {
      const q = url.searchParams.get('query') ?? '';
      this.queries.push(q);
      const start = Number(url.searchParams.get('start')), end = Number(url.searchParams.get('end')), step = Number(url.searchParams.get('step'));
      const byLabels = /\bby \(([^)]*)\)/.exec(q)?.[1]?.split(',').map((s) => s.trim()).filter((l) => l !== 'le') ?? [];
      const series = (byLabels.length ? [0, 1, 2] : [0]).map((k) => {
        const metric: Record<string, string> = {};
        for (const l of byLabels) metric[l] = l.includes('code') ? ['200', '503', '200'][k]! : `${l.replace(/_.*/, '')}-${k}`;
        const values: [number, string][] = [];
        const ratio = q.includes(' / ');
        for (let t = start; t <= end; t += step) values.push([t, String(ratio ? 1 - 0.02 * k * (1 + Math.sin(t / 60)) : (k + 1) * (3 + Math.sin(t / 60)))]);
        return { metric, values };
      });
      return this.json(res, { status: 'success', data: { resultType: 'matrix', result: series }, ...(warnings ? { warnings } : {}) });
    }
    if (p.startsWith('/api/v2/')) {
      const tr = fixtureTraces(n, Date.now());
      if (p === '/api/v2/services') return this.json(res, tr.services);
      if (p === '/api/v2/traces') {
        const svc = url.searchParams.get('serviceName');
        const minUs = Number(url.searchParams.get('minDuration') ?? 0);
        return this.json(res, tr.traces.filter((t) => (!svc || t.some((s) => (s.localEndpoint as { serviceName: string }).serviceName === svc)) && Number(t[0]!.duration) >= minUs));
      }
      const m = /^\/api\/v2\/trace\/([0-9a-f]+)$/.exec(p);
      const t = m && tr.traces.find((x) => x[0]!.traceId === m[1]);
      return t ? this.json(res, t) : this.json(res, { error: 'trace not found' }, 404);
    }
    if (p === '/dashboard' || p.startsWith('/dashboard/')) {
      const rel = p.slice('/dashboard/'.length);
      let file = path.join(DASHBOARD_DIST, rel);
      if (!file.startsWith(DASHBOARD_DIST)) return this.json(res, { error: 'bad path' }, 400);
      if (!path.extname(rel)) file = path.join(DASHBOARD_DIST, 'index.html');
      if (!fs.existsSync(file)) return void res.writeHead(404).end('not found');
      res.writeHead(200, { 'content-type': MIME[path.extname(file)] ?? 'application/octet-stream' });
      return void fs.createReadStream(file).pipe(res);
    }
    res.writeHead(404).end('not found');
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const f = new DashboardFixture({ services: Number(process.argv[3] ?? 12), prometheusDown: process.env.PROM_DOWN === '1' });
  const port = await f.listen(Number(process.argv[2] ?? 0));
  console.log(`dashboard fixture: http://127.0.0.1:${port}/dashboard/`);
}
