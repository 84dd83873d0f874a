// Prometheus scrape time of one weft sidecar with 100 destinations: a real
// `weft proxy` child (Istio's stats tag rules, istio.stats on an outbound
// listener, 100 clusters each naming its service as Istio's control plane
// does), traffic to every destination with two response codes (so 200 label
// sets of Istio's metrics, plus each cluster's Envoy stats), then:
// - scrapes of its admin /stats/prometheus (Istio's 15090) and its merged
//   endpoint (15020-style: the proxy's text and an app's), timed by this
//   process over keep-alive connections: median, p90, max, and body size;
// - when the `prometheus` binary is installed, a real Prometheus scraping both
//   every 5 s (a 1 s timeout is too short for this size on a loaded machine), and its own `scrape_duration_seconds` and
//   `scrape_samples_scraped` for each.
// A short run: a smoke check that the figures come out, not a benchmark on a
// quiet machine (the lead re-runs it). Usage:
//   node dist/bench/scrape-bench.js [--destinations 100] [--scrapes 50] [--prometheus-seconds 10]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { metadataExchangeFilter, statsFilter } from '../src/control/translate/telemetry-filters.js';
import { istioStatsConfig } from '../src/up/istio-stats-tags.js';
import { freePort } from './lib/free-port.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const DESTINATIONS = arg('destinations', 100);
const SCRAPES = arg('scrapes', 50);
const PROM_SECONDS = arg('prometheus-seconds', 10);
const WEFT_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/weft.js');

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
function get(port: number, p: string, host?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: p, agent, ...(host ? { headers: { host } } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

async function until(what: string, fn: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await fn().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const host = (i: number): string => `svc-${i}.bench.svc.cluster.local`;
const clusterName = (i: number): string => `outbound|9080||${host(i)}`;

function sidecarBootstrap(admin: number, listener: number, upstream: number): object {
  return {
    node: {
      id: 'sidecar~127.0.0.1~client-v1.bench~bench.svc.cluster.local', cluster: 'client.bench',
      metadata: { NAMESPACE: 'bench', WORKLOAD_NAME: 'client-v1', CLUSTER_ID: 'Kubernetes', SERVICE_ACCOUNT: 'client', LABELS: { app: 'client', version: 'v1' } },
    },
    stats_config: istioStatsConfig(),
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: admin } } },
    static_resources: {
      listeners: [{
        name: 'outbound_0.0.0.0_9080', traffic_direction: 'OUTBOUND',
        address: { socket_address: { address: '127.0.0.1', port_value: listener } },
        filter_chains: [{ filters: [{
          name: 'envoy.filters.network.http_connection_manager',
          typed_config: {
            '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
            stat_prefix: 'outbound_0.0.0.0_9080',
            route_config: {
              name: '9080',
              virtual_hosts: Array.from({ length: DESTINATIONS }, (_, i) => ({ name: `${host(i)}:9080`, domains: [host(i)], routes: [{ match: { prefix: '/' }, route: { cluster: clusterName(i) } }] })),
            },
            http_filters: [metadataExchangeFilter('outbound'), statsFilter(false), { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
          },
        }] }],
      }],
      clusters: Array.from({ length: DESTINATIONS }, (_, i) => ({
        name: clusterName(i), type: 'STATIC', connect_timeout: '1s',
        metadata: { filter_metadata: { istio: { services: [{ host: host(i), name: `svc-${i}`, namespace: 'bench' }] } } },
        load_assignment: { cluster_name: clusterName(i), endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: upstream } } } }] }] },
      })),
    },
  };
}

interface Timing {
  medianMs: number;
  p90Ms: number;
  maxMs: number;
  bytes: number;
  samples: number;
}

async function timeScrapes(port: number, p: string): Promise<Timing> {
  const ms: number[] = [];
  let body = '';
  for (let i = 0; i < 3; i++) await get(port, p); // warm-up
  for (let i = 0; i < SCRAPES; i++) {
    const t0 = performance.now();
    const r = await get(port, p);
    ms.push(performance.now() - t0);
    if (r.status !== 200) throw new Error(`${p} on ${port}: ${r.status}`);
    body = r.body;
  }
  ms.sort((a, b) => a - b);
  return {
    medianMs: ms[Math.floor(ms.length / 2)]!, p90Ms: ms[Math.floor(ms.length * 0.9)]!, maxMs: ms[ms.length - 1]!,
    bytes: Buffer.byteLength(body), samples: body.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length,
  };
}

async function prometheusFigures(admin: number, merged: number): Promise<Record<string, { durationMs: number; samples: number }> | string> {
  if (spawnSync('prometheus', ['--version'], { stdio: 'ignore' }).status !== 0) return 'prometheus not installed (Debian package "prometheus"): its own scrape_duration_seconds not measured';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-scrape-bench-'));
  const port = await freePort();
  fs.writeFileSync(path.join(dir, 'prometheus.yml'), `global: { scrape_interval: 5s, scrape_timeout: 5s }
scrape_configs:
  - job_name: admin
    metrics_path: /stats/prometheus
    static_configs: [{ targets: ['127.0.0.1:${admin}'] }]
  - job_name: merged
    metrics_path: /stats/prometheus
    static_configs: [{ targets: ['127.0.0.1:${merged}'] }]
`);
  const prom: ChildProcess = spawn('prometheus', [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=error'], { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    const q = async (expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> =>
      (JSON.parse((await get(port, `/api/v1/query?query=${encodeURIComponent(expr)}`)).body) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } }).data.result;
    // A scrape slower than the 5 s timeout leaves the target down: say so rather than wait for nothing.
    try {
      await until('prometheus to scrape both targets', async () => (await q('count(scrape_samples_scraped > 0)'))[0]?.value[1] === '2', 30_000);
    } catch {
      const t = JSON.parse((await get(port, '/api/v1/targets')).body) as { data: { activeTargets: { scrapePool: string; health: string; lastError: string; lastScrapeDuration: number }[] } };
      return `Prometheus did not scrape both targets in 30 s: ${t.data.activeTargets.map((x) => `${x.scrapePool} ${x.health} ${x.lastError} (${(x.lastScrapeDuration * 1000).toFixed(0)} ms)`).join('; ')}`;
    }
    await new Promise((r) => setTimeout(r, PROM_SECONDS * 1000));
    const out: Record<string, { durationMs: number; samples: number }> = {};
    const window = `${Math.max(10, PROM_SECONDS)}s`;
    for (const s of await q(`avg_over_time(scrape_duration_seconds[${window}])`)) out[s.metric.job!] = { durationMs: Number(s.value[1]) * 1000, samples: 0 };
    for (const s of await q('scrape_samples_scraped')) if (out[s.metric.job!]) out[s.metric.job!]!.samples = Number(s.value[1]);
    return out;
  } finally {
    const exited = new Promise((r) => prom.once('exit', r));
    prom.kill('SIGTERM');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-scrape-bench-'));
  // The upstream: 200 on /ok, 503 on /fail; and an app's own metrics for the merged endpoint.
  const upstream = http.createServer((req, res) => {
    res.statusCode = req.url === '/fail' ? 503 : 200;
    res.end('x'.repeat(100));
  });
  const appMetrics = http.createServer((_req, res) => {
    res.end(Array.from({ length: 50 }, (_, i) => `app_requests_total{handler="h${i}"} ${i}`).join('\n') + '\n');
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => appMetrics.listen(0, '127.0.0.1', r));
  const upstreamPort = (upstream.address() as { port: number }).port;
  const appPort = (appMetrics.address() as { port: number }).port;
  const [admin, listener, merged] = [await freePort(), await freePort(), await freePort()];
  const file = path.join(dir, 'bootstrap.json');
  fs.writeFileSync(file, JSON.stringify(sidecarBootstrap(admin, listener, upstreamPort)));
  const proxy = spawn(process.execPath, [WEFT_BIN, 'proxy', '-c', file, '--log-level', 'warning', '--merged-metrics-address', `127.0.0.1:${merged}`, '--app-metrics-port', String(appPort)], { stdio: ['ignore', 'inherit', 'inherit'] });
  try {
    await until('the sidecar to be ready', async () => (await get(admin, '/ready')).status === 200);
    await until('the merged endpoint', async () => (await get(merged, '/stats/prometheus')).status === 200);
    // Two requests per destination and code: 200 series of istio_requests_total (and of each histogram).
    const load: Promise<unknown>[] = [];
    for (let i = 0; i < DESTINATIONS; i++) for (const p of ['/ok', '/ok', '/fail', '/fail']) load.push(get(listener, p, `${host(i)}`));
    await Promise.all(load);
    const adminText = (await get(admin, '/stats/prometheus')).body;
    const series = adminText.split('\n').filter((l) => l.startsWith('istio_requests_total{')).length;
    if (series !== 2 * DESTINATIONS) throw new Error(`expected ${2 * DESTINATIONS} istio_requests_total series, got ${series}`);

    const rows: [string, Timing][] = [
      ['admin /stats/prometheus', await timeScrapes(admin, '/stats/prometheus')],
      ['merged /stats/prometheus', await timeScrapes(merged, '/stats/prometheus')],
    ];
    const prom = await prometheusFigures(admin, merged);
    const lines = [
      `Scrape of one weft sidecar with ${DESTINATIONS} destinations (${series} istio_requests_total series) — ${new Date().toISOString()}, ${os.cpus()[0]?.model ?? 'cpu'}, ${os.cpus().length} cores, Node ${process.version}`,
      `Timed by this process over keep-alive, ${SCRAPES} scrapes each:`,
      ...rows.map(([n, t]) => `  ${n.padEnd(26)} median ${t.medianMs.toFixed(1)} ms  p90 ${t.p90Ms.toFixed(1)} ms  max ${t.maxMs.toFixed(1)} ms  ${(t.bytes / 1024).toFixed(0)} KiB  ${t.samples} samples`),
      typeof prom === 'string'
        ? `Prometheus: ${prom}`
        : `Prometheus's own scrape_duration_seconds (mean over ${PROM_SECONDS} s, scraped every 5 s) and scrape_samples_scraped:\n${Object.entries(prom).sort().map(([job, f]) => `  ${job.padEnd(26)} ${f.durationMs.toFixed(1)} ms  ${f.samples} samples`).join('\n')}`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    proxy.kill('SIGTERM');
    await new Promise((r) => proxy.once('exit', r));
    agent.destroy();
    upstream.close();
    appMetrics.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
