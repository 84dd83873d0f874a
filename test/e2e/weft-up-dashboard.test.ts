// The dashboard's API on a real `weft up` of Bookinfo, with scenario 05 in
// the config folder from the start (all reviews on v2, half of the calls to
// ratings aborted by reviews-v2's sidecar): under a productpage load, the
// graph (from the embedded store's scrapes of every sidecar) has every
// Bookinfo edge with a non-zero rate, the ratings edge's error ratio is the
// fraction of pages the load saw without ratings, the local replies list the
// aborts with their code and the VirtualService file, and `weft dashboard
// DIR` prints the URL `weft up` printed.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { WEFT_BIN } from '../helpers/process-harness.js';
import { closeAgent, copyBookinfo, get, SCENARIOS, waitFor, WeftUpProcess, type Reply } from './bookinfo-mesh.js';

const SVC = (s: string) => `svc:${s}.default.svc.cluster.local`;
const WL = (w: string) => `wl:default/${w}`;
/** Every hop of Bookinfo with scenario 05 (reviews all on v2): caller → service → workload. */
const EDGES = [
  `ingress:expose-productpage-9080->${SVC('productpage')}#http`,
  `${SVC('productpage')}->${WL('productpage-v1')}#http`,
  `${WL('productpage-v1')}->${SVC('details')}#http`,
  `${SVC('details')}->${WL('details-v1')}#http`,
  `${WL('productpage-v1')}->${SVC('reviews')}#http`,
  `${SVC('reviews')}->${WL('reviews-v2')}#http`,
  `${WL('reviews-v2')}->${SVC('ratings')}#http`,
  `${SVC('ratings')}->${WL('ratings-v1')}#http`,
];

interface Edge { id: string; rps: number; errorRatio: number; mtls: string; p50Ms?: number; p99Ms?: number }
interface Graph { nodes: { id: string; kind: string; scrape?: string; service?: string }[]; edges: Edge[] }

describe('weft up: the dashboard API over a loaded Bookinfo', { timeout: 150_000 }, () => {
  let up: WeftUpProcess;
  let base = '';
  const pages: Reply[] = [];
  let graph: Graph;

  const api = async <T>(p: string): Promise<T> => {
    const r = await fetch(`${base}${p}`);
    assert.equal(r.status, 200, `${p}: ${r.status}`);
    return (await r.json()) as T;
  };

  before(async () => {
    const dir = copyBookinfo();
    fs.copyFileSync(path.join(SCENARIOS, '05-fault-abort-ratings.yaml'), path.join(dir, 'config', '05-fault-abort-ratings.yaml'));
    up = new WeftUpProcess(dir);
    await up.ready(60_000);
    const st = JSON.parse(fs.readFileSync(path.join(dir, '.weft', 'state.json'), 'utf8')) as { dashboard: { url: string } };
    base = new URL(st.dashboard.url).origin;
    // Load until the graph shows every edge moving (the store scrapes every 5 s; rate() needs two scrapes of an increase).
    let loading = true;
    const load = (async () => {
      while (loading) {
        const batch = await Promise.all(Array.from({ length: 4 }, () => get({ port: up.edgePort }, '/productpage')));
        pages.push(...batch);
      }
    })();
    try {
      graph = await waitFor(async () => {
        const g = await api<Graph>('/api/dashboard/graph?window=1m');
        const ids = new Map(g.edges.map((e) => [e.id, e]));
        // The caller's report can show an edge a scrape before the callee's has two samples in the window;
        // mTLS (only the callee knows it) and latencies are waited for too, not raced.
        const ready = (id: string): boolean => {
          const e = ids.get(id);
          return e !== undefined && e.rps > 0 && e.p50Ms !== undefined && (id.startsWith('ingress:') || e.mtls !== 'none');
        };
        return EDGES.every(ready) && pages.length >= 100 ? g : undefined;
      }, 'every Bookinfo edge with a non-zero rate, latencies and (between sidecars) the callee\'s mTLS report in /api/dashboard/graph', 60_000);
    } finally {
      loading = false;
      await load;
    }
  });

  after(async () => {
    await up?.kill();
    closeAgent();
    if (up) fs.rmSync(up.dir, { recursive: true, force: true });
  });

  it('weft up prints the dashboard URL on the loopback debug address', () => {
    assert.match(up.output(), new RegExp(`dashboard +${base.replaceAll('.', '\\.')}/dashboard/ `));
    assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('the graph: every Bookinfo edge moving, mutual TLS between sidecars, latencies, versions grouped under their service', () => {
    const edges = new Map(graph.edges.map((e) => [e.id, e]));
    for (const id of EDGES) {
      const e = edges.get(id)!;
      assert.ok(e.rps > 0, `${id}: rps ${e.rps}`);
      if (!id.startsWith('ingress:')) assert.equal(e.mtls, 'mutual_tls', id);
      assert.ok(e.p50Ms !== undefined && e.p50Ms > 0 && e.p99Ms! >= e.p50Ms, `${id}: p50 ${e.p50Ms} p99 ${e.p99Ms}`);
    }
    const nodes = new Map(graph.nodes.map((n) => [n.id, n]));
    assert.equal(nodes.get(WL('reviews-v1'))?.service, 'reviews.default.svc.cluster.local');
    assert.equal(nodes.get(WL('reviews-v3'))?.scrape, 'up');
    assert.equal(nodes.get('ingress:expose-productpage-9080')?.kind, 'ingress');
  });

  it('the ratings edge\'s error ratio is the share of pages the load saw without ratings (±0.1)', async () => {
    const g = await api<Graph>('/api/dashboard/graph?window=5m');
    const e = g.edges.find((x) => x.id === `${WL('reviews-v2')}->${SVC('ratings')}#http`)!;
    const ok = pages.filter((p) => p.status === 200);
    assert.equal(ok.length, pages.length, 'every page served');
    const unavailable = ok.filter((p) => p.headers['x-bookinfo-ratings'] === 'unavailable').length / ok.length;
    assert.ok(unavailable > 0.3 && unavailable < 0.7, `scenario 05 aborts about half: ${unavailable}`);
    assert.ok(Math.abs(e.errorRatio - unavailable) <= 0.1, `graph ${e.errorRatio}, load ${unavailable} (${pages.length} pages)`);
    // The callee never saw the aborts.
    const served = g.edges.find((x) => x.id === `${SVC('ratings')}->${WL('ratings-v1')}#http`)!;
    assert.equal(served.errorRatio, 0);
  });

  it('local replies: the aborts, from reviews-v2\'s sidecar, with their code and the VirtualService\'s file and line; explained', async () => {
    const replies = await api<{ workload: string; reporter: string; status: number; responseFlags: string; weftError?: { code: string; object?: string; file?: string; line?: number } }[]>('/api/dashboard/replies?limit=500');
    const aborts = replies.filter((r) => r.weftError?.code === 'WEFT_FAULT_ABORT');
    assert.ok(aborts.length > 0, JSON.stringify(replies.slice(0, 3)));
    for (const r of aborts) {
      assert.deepEqual([r.workload, r.reporter, r.status, r.responseFlags, r.weftError!.object], ['reviews-v2', 'source', 500, 'FI', 'VirtualService ratings.default']);
      assert.equal(path.basename(r.weftError!.file ?? ''), '05-fault-abort-ratings.yaml');
      assert.equal(typeof r.weftError!.line, 'number');
    }
    const ex = await api<{ code: string; objectKinds: string[] }>('/api/dashboard/explain?code=WEFT_FAULT_ABORT');
    assert.deepEqual(ex.objectKinds, ['VirtualService']);
  });

  it('targets: every sidecar, the edge and the control plane scraped and up; config: the scenario\'s objects with their file', async () => {
    const t = await api<{ workload: string; health: string }[]>('/api/dashboard/targets');
    assert.deepEqual(t.map((x) => `${x.workload}:${x.health}`).sort(), ['details-v1', 'expose-productpage-9080', 'istiod-weft', 'productpage-v1', 'ratings-v1', 'reviews-v1', 'reviews-v2', 'reviews-v3'].map((w) => `${w}:up`));
    const c = await api<{ objects: { kind: string; name: string; status: string; file?: string }[]; proxies: { connected: boolean }[] }>('/api/dashboard/config');
    const ratings = c.objects.find((o) => o.kind === 'VirtualService' && o.name === 'ratings')!;
    assert.equal(ratings.status, 'accepted');
    assert.equal(path.basename(ratings.file!), '05-fault-abort-ratings.yaml');
    assert.equal(c.proxies.filter((p) => p.connected).length, 6);
  });

  it('weft dashboard DIR prints the same URL', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [WEFT_BIN, 'dashboard', up.dir]);
    assert.equal(stdout, `${base}/dashboard/\n`);
  });
});
