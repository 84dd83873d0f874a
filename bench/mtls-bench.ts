// mTLS benchmark: the cost of TLS in front of and behind the proxy, weft
// against nginx and HAProxy set up the same way, in one run on one machine.
//
//   wrk ──TLS──► proxy ──mutual TLS──► origin nginx (client certificate required)
//
// Per target: keep-alive HTTP/1.1 throughput (TLS record work only, after
// the handshakes), new connections per second (wrk with `Connection: close`:
// one full TLS handshake downstream per request; the proxy's upstream mTLS
// connections stay pooled), CPU per request and peak RSS. `direct` is wrk to
// the origin over TLS (without a client certificate), the ceiling. The proxy
// is pinned to core 0; wrk, the origin and this harness to core 1. Certificates
// (ECDSA P-256, one CA) and configs are generated per run: bench/lib/tls-peer-configs.ts.
//
//   bash bench/install.sh && npx tsc -p tsconfig.json
//   node dist/bench/mtls-bench.js [--quick] [--reps 3] [--duration 10] [--only weft,nginx]
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BODY_BYTES } from './lib/peer-configs.js';
import { haproxyTlsConf, makeCerts, originNginxConf, proxyNginxTlsConf, weftTlsBootstrapYaml, type BenchCerts } from './lib/tls-peer-configs.js';
import { freePort } from './lib/free-port.js';
import { killAll, peakRssKiB, pinSelf, startPinned, stop, waitForPort, type Managed } from './lib/processes.js';
import { fmt, markdownTable, median, ratio } from './lib/summary.js';
import { runWrk, type WrkResult } from './lib/wrk.js';
import { numberOption, quietGate, selectTargets, withCpu } from './lib/bench-run.js';

const PROXY_CORE = 0;
const LOAD_CORE = 1;
const TARGETS = ['direct', 'nginx', 'haproxy', 'weft'] as const;
type Target = (typeof TARGETS)[number];
const START_TIMEOUT_MS = 20_000;
const QUIET_BUSY_PERCENT = 15;
/** Concurrent connections for the handshake run: enough to keep one core busy with handshakes. */
const HANDSHAKE_CONNECTIONS = 16;

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.basename(path.dirname(here)) === 'dist' ? path.resolve(here, '../..') : path.resolve(here, '..');

interface Options {
  reps: number;
  durationSec: number;
  warmupSec: number;
  connections: number;
  targets: Target[];
  outDir: string;
  quietWaitMs: number;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      reps: { type: 'string' },
      duration: { type: 'string' },
      connections: { type: 'string', default: '50' },
      'quiet-wait': { type: 'string' },
      out: { type: 'string', default: path.join(repoRoot, 'bench', 'results') },
    },
  });
  const quick = values.quick!;
  const num = numberOption(quick);
  return {
    reps: num(values.reps, 1, 3),
    durationSec: num(values.duration, 3, 10),
    warmupSec: quick ? 1 : 3,
    connections: num(values.connections, 50, 50),
    targets: selectTargets(values.only, TARGETS),
    outDir: values.out!,
    quietWaitMs: num(values['quiet-wait'], 10, 60) * 1000,
  };
}

interface Env {
  dir: string;
  certs: BenchCerts;
  /** Origin port requiring a client certificate (the proxies' upstream). */
  originPort: number;
  /** Origin port without client certificates (direct baseline). */
  directPort: number;
  opts: Options;
}

interface Rec {
  target: Target;
  rep: number;
  error?: string;
  keepAlive?: WrkResult;
  cpuMsPer1kKeepAlive?: number;
  handshakes?: WrkResult;
  cpuMsPer1kHandshake?: number;
  peakRssKiB?: number;
  busy: number[];
}

function log(msg: string): void {
  process.stderr.write(`[mtls-bench] ${msg}\n`);
}

async function startTarget(t: Target, env: Env): Promise<{ server?: Managed; port: number }> {
  if (t === 'direct') return { port: env.directPort };
  const port = await freePort();
  let server: Managed;
  if (t === 'nginx') {
    const conf = path.join(env.dir, 'proxy-nginx.conf');
    fs.writeFileSync(conf, proxyNginxTlsConf(env.dir, port, env.originPort, env.certs));
    server = startPinned('nginx', PROXY_CORE, 'nginx', ['-p', env.dir, '-e', path.join(env.dir, 'proxy-nginx-error.log'), '-c', conf]);
  } else if (t === 'haproxy') {
    const conf = path.join(env.dir, 'haproxy.cfg');
    fs.writeFileSync(conf, haproxyTlsConf(port, env.originPort, env.certs));
    server = startPinned('haproxy', PROXY_CORE, 'haproxy', ['-db', '-f', conf]);
  } else {
    const conf = path.join(env.dir, 'weft.yaml');
    fs.writeFileSync(conf, weftTlsBootstrapYaml(port, await freePort(), env.originPort, env.certs));
    server = startPinned('weft', PROXY_CORE, process.execPath, [path.join(repoRoot, 'bin', 'weft.js'), 'proxy', '-c', conf], repoRoot);
  }
  try {
    await waitForPort(port, server, START_TIMEOUT_MS);
  } catch (err) {
    await stop(server);
    throw new Error(`${(err as Error).message}\n${(server.stderr() || server.stdout()).trim().split('\n').slice(-20).join('\n')}`);
  }
  return { server, port };
}

/** One GET over TLS: it must answer 200 with the origin's body through the mutual TLS hop, or the figures mean nothing. */
function checkResponse(port: number, ca: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 5000, ca: fs.readFileSync(ca), servername: undefined, checkServerIdentity: () => undefined }, (res) => {
      let bytes = 0;
      res.on('data', (d: Buffer) => (bytes += d.length));
      res.on('end', () => (res.statusCode === 200 && bytes === BODY_BYTES ? resolve() : reject(new Error(`sanity GET: status ${res.statusCode}, ${bytes} bytes`))));
    });
    req.on('timeout', () => req.destroy(new Error('sanity GET timed out')));
    req.on('error', reject);
  });
}

function measured(server: Managed | undefined, fn: () => Promise<WrkResult>): Promise<[WrkResult, number | undefined]> {
  return withCpu(server, fn, (r) => r.requests);
}

function gate(rec: Rec, o: Options): Promise<void> {
  return quietGate(rec.busy, QUIET_BUSY_PERCENT, o.quietWaitMs, log);
}

async function runOne(t: Target, rep: number, env: Env): Promise<Rec> {
  const rec: Rec = { target: t, rep, busy: [] };
  const o = env.opts;
  let started: { server?: Managed; port: number };
  try {
    started = await startTarget(t, env);
  } catch (err) {
    rec.error = `failed to start: ${(err as Error).message}`;
    return rec;
  }
  const { server, port } = started;
  const url = `https://127.0.0.1:${port}/`;
  try {
    await checkResponse(port, env.certs.ca);
    log(`${t} #${rep}: keep-alive warm-up`);
    await runWrk({ url, connections: o.connections, durationSec: o.warmupSec, core: LOAD_CORE });
    await gate(rec, o);
    log(`${t} #${rep}: keep-alive saturated ${o.durationSec}s`);
    [rec.keepAlive, rec.cpuMsPer1kKeepAlive] = await measured(server, () => runWrk({ url, connections: o.connections, durationSec: o.durationSec, core: LOAD_CORE }));
    await gate(rec, o);
    log(`${t} #${rep}: new TLS connection per request ${o.durationSec}s`);
    [rec.handshakes, rec.cpuMsPer1kHandshake] = await measured(server, () =>
      runWrk({ url, connections: HANDSHAKE_CONNECTIONS, durationSec: o.durationSec, core: LOAD_CORE, headers: ['Connection: close'] }),
    );
    if (server?.child.pid !== undefined) rec.peakRssKiB = peakRssKiB(server.child.pid);
    if (server?.hasExited()) throw new Error(`${t} exited during the run: ${server.stderr().slice(-2000)}`);
  } catch (err) {
    rec.error = (err as Error).message;
  } finally {
    if (server) await stop(server);
  }
  return rec;
}

interface Summary {
  target: Target;
  reps: number;
  failed?: string;
  errors: number;
  rps?: number;
  p50Us?: number;
  p99Us?: number;
  cpuKa?: number;
  cps?: number;
  cpuHs?: number;
  rssMiB?: number;
}

function summarize(t: Target, recs: Rec[]): Summary {
  const ok = recs.filter((r) => !r.error);
  return {
    target: t,
    reps: ok.length,
    ...(ok.length === 0 ? { failed: recs.find((r) => r.error)?.error ?? 'no runs' } : {}),
    errors: ok.reduce((n, r) => n + (r.keepAlive?.errors ?? 0) + (r.handshakes?.errors ?? 0), 0),
    rps: median(ok.map((r) => r.keepAlive?.requestsPerSec)),
    p50Us: median(ok.map((r) => r.keepAlive?.p50Us)),
    p99Us: median(ok.map((r) => r.keepAlive?.p99Us)),
    cpuKa: median(ok.map((r) => r.cpuMsPer1kKeepAlive)),
    cps: median(ok.map((r) => r.handshakes?.requestsPerSec)),
    cpuHs: median(ok.map((r) => r.cpuMsPer1kHandshake)),
    rssMiB: median(ok.map((r) => (r.peakRssKiB === undefined ? undefined : r.peakRssKiB / 1024))),
  };
}

function report(sums: Summary[], o: Options): string {
  const nginx = sums.find((s) => s.target === 'nginx' && !s.failed);
  const out = [
    `### mTLS: wrk ─TLS─► proxy ─mutual TLS─► origin, ${BODY_BYTES}-byte responses (medians of ${o.reps})`,
    '',
    markdownTable(
      ['target', 'keep-alive req/s', 'p50 µs', 'p99 µs', 'CPU ms/1k req', 'new TLS conn/s', 'CPU ms/1k conn', 'peak RSS MiB', 'errors'],
      sums.map((s) => (s.failed ? [s.target, `failed: ${s.failed.split('\n')[0]}`, '', '', '', '', '', '', ''] : [s.target, fmt(s.rps), fmt(s.p50Us), fmt(s.p99Us), fmt(s.cpuKa, 1), fmt(s.cps), fmt(s.cpuHs, 1), fmt(s.rssMiB, 1), String(s.errors)])),
    ),
  ];
  if (nginx) {
    out.push('', '#### Ratio to nginx', '', markdownTable(['target', 'keep-alive req/s', 'CPU/1k req', 'new conn/s', 'CPU/1k conn', 'peak RSS'],
      sums.filter((s) => !s.failed && s.target !== 'direct').map((s) => [s.target, ratio(s.rps, nginx.rps), ratio(s.cpuKa, nginx.cpuKa), ratio(s.cps, nginx.cps), ratio(s.cpuHs, nginx.cpuHs), ratio(s.rssMiB, nginx.rssMiB)])));
  }
  return out.join('\n');
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  pinSelf(LOAD_CORE);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-mtls-bench-'));
  const certs = makeCerts(dir);
  const env: Env = { dir, certs, originPort: await freePort(), directPort: await freePort(), opts: o };
  const conf = path.join(dir, 'origin.conf');
  fs.writeFileSync(conf, originNginxConf(dir, env.originPort, env.directPort, certs));
  const origin = startPinned('origin', LOAD_CORE, 'nginx', ['-p', dir, '-e', path.join(dir, 'origin-error.log'), '-c', conf]);
  try {
    await waitForPort(env.originPort, origin, START_TIMEOUT_MS);
    await waitForPort(env.directPort, origin, START_TIMEOUT_MS);
    const recs: Rec[] = [];
    for (let rep = 1; rep <= o.reps; rep++) {
      for (const t of o.targets) {
        const r = await runOne(t, rep, env);
        if (r.error) log(`${t} #${rep}: ${r.error.split('\n')[0]}`);
        recs.push(r);
      }
    }
    const sums = o.targets.map((t) => summarize(t, recs.filter((r) => r.target === t)));
    const text = report(sums, o);
    fs.mkdirSync(o.outDir, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const file = path.join(o.outDir, `mtls-bench-${stamp}.json`);
    fs.writeFileSync(file, JSON.stringify({ when: new Date().toISOString(), options: o, host: { cpus: os.cpus().length, node: process.version }, records: recs, summaries: sums }, null, 2));
    console.log(text);
    log(`results written to ${path.relative(process.cwd(), file)}`);
  } finally {
    await stop(origin);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  killAll();
  process.exit(1);
});
