// `weft proxy --concurrency N` scaling: the same HTTP/1.1 keep-alive load
// (1 KiB responses) through weft with one worker (weft-c1) and two
// (weft-c2), and through nginx with one and two worker processes as the
// reference for what this machine allows, in one run.
//
// Method (see docs/benchmarks.md): nothing is pinned. The proxy under test
// may use both cores; the load generator is limited to one thread (wrk -t1)
// and the upstream to one nginx worker, so they take what they need and no
// more. On a 2-core machine they still take a share of the cores the proxy
// would need to double, so the reference (nginx 2 workers / 1 worker) says
// how much scaling the machine leaves, and the proxy's CPU per request says
// whether weft's own cost grows with N. Every figure is per run; the medians
// are printed, and the CPU the rest of the machine used during each run
// (other users of a shared machine) is reported beside it.
//
//   npx tsc -p tsconfig.json && node dist/bench/concurrency-bench.js [--reps 3] [--duration 10] [--connections 50] [--only weft-c1,weft-c2]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { proxyNginxConf, upstreamNginxConf, weftBootstrapYaml } from './lib/peer-configs.js';
import { freePort } from './lib/free-port.js';
import { coreTimes, cpuSeconds, killAll, runPinned, startPinned, stop, waitForPort, type Managed } from './lib/processes.js';
import { fmt, markdownTable, median } from './lib/summary.js';
import { parseWrkOutput } from './lib/wrk.js';

const TARGETS = ['nginx-w1', 'nginx-w2', 'weft-c1', 'weft-c2'] as const;
type Target = (typeof TARGETS)[number];
const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.basename(path.dirname(here)) === 'dist' ? path.resolve(here, '../..') : path.resolve(here, '..');

const { values } = parseArgs({
  options: {
    reps: { type: 'string', default: '3' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    only: { type: 'string' },
  },
});
const reps = Number(values.reps);
const durationSec = Number(values.duration);
const warmupSec = Number(values.warmup);
const connections = Number(values.connections);
const targets = values.only ? (values.only.split(',') as Target[]).filter((t) => TARGETS.includes(t)) : [...TARGETS];

interface Run {
  target: Target;
  rps: number;
  p99Us: number;
  errors: number;
  /** CPU µs per request: proxy (all its processes), upstream, load generator. */
  proxyUs: number;
  upstreamUs: number;
  wrkUs: number;
  /** Cores' worth of CPU the rest of the machine used during the run (total busy minus ours). */
  othersCores: number;
}

const log = (m: string) => process.stderr.write(`[concurrency-bench] ${m}\n`);

async function startTarget(t: Target, dir: string, upstreamPort: number): Promise<{ server: Managed; port: number }> {
  const port = await freePort();
  if (t.startsWith('nginx')) {
    const h2 = await freePort();
    const conf = path.join(dir, `${t}.conf`);
    const text = proxyNginxConf(dir, port, h2, upstreamPort).replace('worker_processes 1;', `worker_processes ${t === 'nginx-w2' ? 2 : 1};`).replace(/proxy-nginx/g, t);
    fs.writeFileSync(conf, text);
    const server = startPinned(t, null, 'nginx', ['-p', dir, '-e', path.join(dir, `${t}-error.log`), '-c', conf]);
    await waitForPort(port, server, 20_000);
    return { server, port };
  }
  const admin = await freePort();
  const conf = path.join(dir, `${t}.yaml`);
  fs.writeFileSync(conf, weftBootstrapYaml(port, admin, upstreamPort, { resilience: false }));
  const server = startPinned(t, null, process.execPath, [path.join(repoRoot, 'bin', 'weft.js'), 'proxy', '-c', conf, '--concurrency', t === 'weft-c2' ? '2' : '1', '--log-level', 'warning'], repoRoot);
  await waitForPort(port, server, 20_000);
  return { server, port };
}

async function wrk(port: number, sec: number): Promise<ReturnType<typeof parseWrkOutput>> {
  const r = await runPinned('wrk', null, 'wrk', ['-t1', `-c${connections}`, `-d${sec}s`, '--latency', '--timeout', '5s', `http://127.0.0.1:${port}/`], (sec + 30) * 1000);
  if (r.code !== '0') throw new Error(`wrk exited ${r.code}: ${r.stderr || r.stdout}`);
  return parseWrkOutput(r.stdout);
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-conc-bench-'));
  process.on('exit', killAll);
  const upPort = await freePort();
  const upH2 = await freePort();
  fs.writeFileSync(path.join(dir, 'upstream.conf'), upstreamNginxConf(dir, upPort, upH2));
  const upstream = startPinned('upstream', null, 'nginx', ['-p', dir, '-e', path.join(dir, 'upstream-error.log'), '-c', path.join(dir, 'upstream.conf')]);
  await waitForPort(upPort, upstream, 20_000);
  const runs: Run[] = [];
  for (let rep = 1; rep <= reps; rep++) {
    for (const t of targets) {
      const { server, port } = await startTarget(t, dir, upPort);
      try {
        await wrk(port, warmupSec);
        const cpu0 = { proxy: cpuSeconds(server.child.pid!), up: cpuSeconds(upstream.child.pid!), cores: coreTimes() };
        const ch0 = childrenCpuSeconds();
        const t0 = Date.now();
        const res = await wrk(port, durationSec);
        const wall = (Date.now() - t0) / 1000;
        const cores = coreTimes();
        const proxy = cpuSeconds(server.child.pid!) - cpu0.proxy;
        const up = cpuSeconds(upstream.child.pid!) - cpu0.up;
        const busy = cores.reduce((a, c, i) => a + (c.busy - cpu0.cores[i]!.busy), 0) / 100; // USER_HZ ticks → s
        // wrk is the only child reaped during the measured run: its CPU is the growth of our children's CPU.
        const wrkCpu = childrenCpuSeconds() - ch0;
        const others = Math.max(0, busy - proxy - up - wrkCpu);
        const n = res.requests;
        const run: Run = { target: t, rps: res.requestsPerSec, p99Us: res.p99Us, errors: res.errors, proxyUs: (proxy * 1e6) / n, upstreamUs: (up * 1e6) / n, wrkUs: (wrkCpu * 1e6) / n, othersCores: others / wall };
        runs.push(run);
        log(`${t} #${rep}: ${fmt(run.rps)} req/s, p99 ${fmt(run.p99Us)} µs, CPU µs/req proxy ${fmt(run.proxyUs, 1)} upstream ${fmt(run.upstreamUs, 1)} wrk ${fmt(run.wrkUs, 1)}, others ${fmt(run.othersCores, 2)} cores, errors ${run.errors}`);
      } finally {
        await stop(server);
      }
    }
  }
  await stop(upstream);
  const med = (t: Target, k: keyof Run) => median(runs.filter((r) => r.target === t).map((r) => r[k] as number));
  const rows = targets.map((t) => [t, fmt(med(t, 'rps')), fmt(med(t, 'p99Us')), fmt(med(t, 'proxyUs'), 1), fmt(med(t, 'upstreamUs'), 1), fmt(med(t, 'wrkUs'), 1), fmt(med(t, 'othersCores'), 2), String(runs.filter((r) => r.target === t).reduce((a, r) => a + r.errors, 0))]);
  process.stdout.write(`\n${markdownTable(['target', 'req/s', 'p99 µs', 'proxy CPU µs/req', 'upstream CPU µs/req', 'wrk CPU µs/req', 'other load (cores)', 'errors'], rows)}\n`);
  const ratio = (a: Target, b: Target) => {
    const x = med(a, 'rps');
    const y = med(b, 'rps');
    return x !== undefined && y !== undefined ? (x / y).toFixed(2) : 'n/a';
  };
  const summary = { reps, durationSec, connections, weftC2overC1: ratio('weft-c2', 'weft-c1'), nginxW2overW1: ratio('nginx-w2', 'nginx-w1'), runs };
  process.stdout.write(`\nweft-c2 / weft-c1: ${summary.weftC2overC1}×   nginx-w2 / nginx-w1: ${summary.nginxW2overW1}×\n${JSON.stringify({ weftC2overC1: summary.weftC2overC1, nginxW2overW1: summary.nginxW2overW1 })}\n`);
}

/** CPU seconds of this harness's finished children (wrk runs), from /proc/self/stat cutime+cstime. */
function childrenCpuSeconds(): number {
  const text = fs.readFileSync('/proc/self/stat', 'utf8');
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[13], rest[14] are fields 16 (cutime) and 17 (cstime).
  return (Number(rest[13]) + Number(rest[14])) / 100;
}

main().catch((err: Error) => {
  log(err.stack ?? err.message);
  killAll();
  process.exit(1);
});
