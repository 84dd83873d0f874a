// The admin listener of `weft proxy --concurrency N`, in the primary: the
// whole proxy on Envoy's paths. Stats are summed over the workers (see
// stats-snapshot.ts), /clusters adds up the per-host counters, /ready is 200
// only when every worker is LIVE; changes (POST) go to every worker; the rest
// (config_dump, listeners, certs, runtime, …) is the same in every worker and
// is answered by the lowest ready one. /weft/workers lists the workers.
import http from 'node:http';
import type net from 'node:net';
import { parseStatsParams, renderPrometheus, renderStatsJson, renderStatsText, PROMETHEUS_CONTENT_TYPE } from '../../stats/index.js';
import { mergeStats } from './stats-snapshot.js';
import type { BootstrapConfig } from '../config/bootstrap.js';
import type { WorkerView } from './protocol.js';
import type { StatsSnapshot } from './stats-snapshot.js';

/** What the admin reads and controls of the primary (primary.ts implements it). */
export interface AdminPrimary {
  readonly bootstrap: BootstrapConfig;
  readonly opts: { readonly concurrency: number };
  readonly restartsTotal: number;
  readonly xdsStreamsOpened: number;
  /** Seconds since the primary started (the server's uptime: workers restart, the server does not). */
  readonly uptimeS: number;
  readonly shuttingDownNow: boolean;
  workers(): WorkerView[];
  workerStats(): Promise<{ slot: number; stats: StatsSnapshot }[]>;
  shutdown(): Promise<void>;
}

const MUTATING = new Set(['/healthcheck/fail', '/healthcheck/ok', '/drain_listeners', '/reset_counters', '/logging', '/runtime_modify']);
/** Per-host values of /clusters that add up across workers (the rest is config, the same in each). */
const HOST_SUMS = new Set(['cx_active', 'cx_connect_fail', 'cx_total', 'rq_active', 'rq_error', 'rq_success', 'rq_timeout', 'rq_total']);

interface Answer {
  status: number;
  type: string;
  body: string;
}

export class PrimaryAdmin {
  private server: http.Server | undefined;

  constructor(private readonly p: AdminPrimary) {}

  listen(host: string, port: number): Promise<number> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.handle(req, Buffer.concat(chunks)).then(
          (a) => send(res, a),
          (err: Error) => send(res, { status: 500, type: 'text/plain', body: `admin error: ${err.message}\n` }),
        );
      });
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      // exclusive: the primary's own socket, never shared with the workers.
      server.listen({ host, port, exclusive: true }, () => {
        server.removeListener('error', reject);
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  }

  close(): void {
    this.server?.close();
    this.server?.closeAllConnections();
  }

  private async handle(req: http.IncomingMessage, body: Buffer): Promise<Answer> {
    const url = new URL(req.url ?? '/', 'http://admin');
    const path = url.pathname;
    const q = url.searchParams;
    const text = (status: number, b: string): Answer => ({ status, type: 'text/plain; charset=UTF-8', body: b });
    const ready = this.p.workers().filter((w) => w.ready && w.adminPort !== undefined);
    switch (path) {
      case '/stats':
      case '/stats/prometheus': {
        const r = parseStatsParams(q, path === '/stats/prometheus' ? 'prometheus' : undefined);
        if (!r.ok) return text(400, r.error + '\n');
        const snaps = await this.p.workerStats();
        const store = mergeStats(snaps.map((s) => s.stats), this.p.bootstrap.statsOptions ?? {}, { 'server.concurrency': this.p.opts.concurrency, 'server.uptime': this.p.uptimeS });
        store.counter('server.worker_restarts').add(this.p.restartsTotal);
        store.gauge('server.workers_ready', 'never_import').set(ready.length);
        if (r.params.format === 'json') return { status: 200, type: 'application/json', body: renderStatsJson(store, r.params) };
        if (r.params.format === 'prometheus') return { status: 200, type: PROMETHEUS_CONTENT_TYPE, body: renderPrometheus(store, r.params) };
        return text(200, renderStatsText(store, r.params));
      }
      case '/ready': {
        if (this.p.shuttingDownNow) return text(503, 'DRAINING\n');
        if (ready.length < this.p.opts.concurrency) return text(503, `INITIALIZING\n`);
        const all = await Promise.all(ready.map((w) => forward(w.adminPort!, 'GET', '/ready')));
        return all.find((a) => a.status !== 200) ?? all[0]!;
      }
      case '/quitquitquit':
        if (req.method !== 'POST') return text(405, `This endpoint requires POST: ${path}\n`);
        setImmediate(() => void this.p.shutdown().then(() => process.exit(0)));
        return text(200, 'OK\n');
      case '/weft/workers': {
        const snaps = new Map((await this.p.workerStats()).map((s) => [s.slot, s.stats]));
        return {
          status: 200,
          type: 'application/json',
          body: JSON.stringify({
            concurrency: this.p.opts.concurrency,
            restarts_total: this.p.restartsTotal,
            xds_streams_opened: this.p.xdsStreamsOpened,
            workers: this.p.workers().map((w) => {
              const st = snaps.get(w.slot);
              const sum = (re: RegExp) => st?.counters.filter((c) => re.test(c.name)).reduce((a, c) => a + c.value, 0) ?? 0;
              return { slot: w.slot, pid: w.pid, ready: w.ready, restarts: w.restarts,
                downstream_cx_total: sum(/^listener\.[^]*\.downstream_cx_total$/), downstream_rq_total: sum(/^http\.[^.]+\.downstream_rq_total$/) };
            }),
          }, null, 2) + '\n',
        };
      }
    }
    if (ready.length === 0) return text(503, 'no worker is ready\n');
    if (path === '/clusters') {
      const all = await Promise.all(ready.map((w) => forward(w.adminPort!, 'GET', req.url ?? path)));
      if (all.some((a) => a.status !== 200)) return all.find((a) => a.status !== 200)!;
      return q.get('format') === 'json'
        ? { status: 200, type: 'application/json', body: JSON.stringify(mergeClustersJson(all.map((a) => JSON.parse(a.body) as ClustersJson)), null, 2) + '\n' }
        : text(200, mergeClustersText(all.map((a) => a.body)));
    }
    if (MUTATING.has(path) && req.method === 'POST') {
      const all = await Promise.all(ready.map((w) => forward(w.adminPort!, 'POST', req.url ?? path, body)));
      return all[0]!;
    }
    return forward(ready[0]!.adminPort!, req.method ?? 'GET', req.url ?? path, body);
  }
}

function send(res: http.ServerResponse, a: Answer): void {
  res.writeHead(a.status, { 'content-type': a.type, 'cache-control': 'no-cache, max-age=0', 'x-content-type-options': 'nosniff' });
  res.end(a.body);
}

function forward(port: number, method: string, path: string, body?: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers: body?.length ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': body.length } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 502, type: String(res.headers['content-type'] ?? 'text/plain'), body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body?.length ? body : undefined);
  });
}

/** Sums the per-host counters of /clusters text from several workers; other lines are the first worker's. */
export function mergeClustersText(bodies: readonly string[]): string {
  const sums = new Map<string, number>();
  for (const b of bodies.slice(1)) {
    for (const line of b.split('\n')) {
      const i = line.lastIndexOf('::');
      if (i < 0) continue;
      const key = line.slice(0, i);
      if (!HOST_SUMS.has(key.slice(key.lastIndexOf('::') + 2))) continue;
      sums.set(key, (sums.get(key) ?? 0) + Number(line.slice(i + 2)));
    }
  }
  return (bodies[0] ?? '').split('\n').map((line) => {
    const i = line.lastIndexOf('::');
    const add = i < 0 ? undefined : sums.get(line.slice(0, i));
    return add === undefined ? line : `${line.slice(0, i)}::${Number(line.slice(i + 2)) + add}`;
  }).join('\n');
}

interface ClustersJson {
  cluster_statuses: { name: string; host_statuses?: { address: unknown; stats: { name: string; value: string }[] }[] }[];
}

/** Like mergeClustersText for ?format=json. */
export function mergeClustersJson(all: readonly ClustersJson[]): ClustersJson {
  const [first, ...rest] = all;
  if (!first) return { cluster_statuses: [] };
  for (const c of first.cluster_statuses) {
    for (const h of c.host_statuses ?? []) {
      const addr = JSON.stringify(h.address);
      for (const other of rest) {
        const oh = other.cluster_statuses.find((x) => x.name === c.name)?.host_statuses?.find((x) => JSON.stringify(x.address) === addr);
        if (!oh) continue;
        for (const st of h.stats) {
          const o = oh.stats.find((x) => x.name === st.name);
          if (o && HOST_SUMS.has(st.name)) st.value = String(Number(st.value) + Number(o.value));
        }
      }
    }
  }
  return first;
}
