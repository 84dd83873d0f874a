// Proxy benchmark: the same load against a direct connection to the upstream,
// weft (plain, with resilience features, with Istio's telemetry filters, with 1% tracing, with ext_authz), nginx and HAProxy, in
// one run on one machine. The proxy under test is pinned to core 0; the load
// generators, the upstream and this harness to core 1. See docs/benchmarks.md.
//
//   bash bench/install.sh && npx tsc -p tsconfig.json
//   node dist/bench/proxy-bench.js [--quick] [--only weft,nginx] [--reps 3]
//     [--duration 10] [--fixed-rate 1000] [--fixed-duration 10] [--connections 50]
//     [--no-h2] [--quiet-wait 60] [--out bench/results]
//     [--base DIR]  (also base-weft, base-weft-telemetry: the same configs run from another built checkout)
//     [--weft-node-flags "--max-semi-space-size=2"]  (node flags for every weft process)
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runH2load, type H2loadResult } from './lib/h2load.js';
import type { OpenLoopResult } from './lib/open-loop.js';
import {
  BODY_BYTES,
  haproxyConf,
  proxyNginxConf,
  upstreamNginxConf,
  benchJwt,
  weftBootstrapYaml,
} from './lib/peer-configs.js';
import { freePort } from './lib/free-port.js';
import {
  coreBusyPercent,
  coreTimes,
  killAll,
  peakRssKiB,
  pinSelf,
  runPinned,
  startPinned,
  stop,
  waitForPort,
  type Managed,
} from './lib/processes.js';
import { fmt, markdownTable, median, ratio } from './lib/summary.js';
import { runWrk, type WrkResult } from './lib/wrk.js';
import { numberOption, quietGate, selectTargets, withCpu } from './lib/bench-run.js';

/** The proxy's core; everything else runs on LOAD_CORE. */
const PROXY_CORE = 0;
const LOAD_CORE = 1;
/** Every target, in report order. */
const ALL_TARGETS = ['direct', 'nginx', 'haproxy', 'weft', 'weft-resilience', 'weft-istio-stats', 'weft-rbac', 'weft-tracing', 'weft-metrics-tracing', 'weft-telemetry', 'weft-extauthz', 'weft-jwt', 'base-weft', 'base-weft-telemetry'] as const;
type TargetName = (typeof ALL_TARGETS)[number];
/** How long a server may take to listen before it counts as failed. */
const START_TIMEOUT_MS = 20_000;
/** HTTP/2 load shape: clients × concurrent streams each. */
const H2_CLIENTS = 10;
const H2_STREAMS = 10;
/**
 * Quiet gate before each measured load: at most this much CPU busy, summed
 * over cores, while nothing of ours runs (an idle machine here shows 1-5%).
 */
const QUIET_BUSY_PERCENT = 15;
/** How long to wait for quiet before measuring anyway (and saying so in the results); --quiet-wait, 10 s with --quick. */
const QUIET_MAX_WAIT_MS = 60_000;
/** Open-loop connection pool: far more than 1000 req/s × sub-ms latency needs. */
const FIXED_CONNECTIONS = 16;

const here = path.dirname(fileURLToPath(import.meta.url));
/** Repository root, whether this runs compiled (dist/bench) or from a copy beside the sources. */
const repoRoot = path.basename(path.dirname(here)) === 'dist' ? path.resolve(here, '../..') : path.resolve(here, '..');

interface Options {
  reps: number;
  durationSec: number;
  warmupSec: number;
  fixedRate: number;
  fixedDurationSec: number;
  connections: number;
  h2: boolean;
  targets: TargetName[];
  outDir: string;
  quick: boolean;
  /** Longest wait for a quiet machine before each measured load. */
  quietWaitMs: number;
  /** Another built checkout of weft: the base-* targets run its bin/weft.js with the same configs (--base). */
  base: string | undefined;
  /** Extra node flags for every weft process (--weft-node-flags, space-separated), e.g. V8 heap sizing. */
  weftNodeFlags: string[];
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      reps: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      'fixed-rate': { type: 'string', default: '1000' },
      'fixed-duration': { type: 'string' },
      connections: { type: 'string', default: '50' },
      'no-h2': { type: 'boolean', default: false },
      'quiet-wait': { type: 'string' },
      out: { type: 'string', default: path.join(repoRoot, 'bench', 'results') },
      base: { type: 'string' },
      'weft-node-flags': { type: 'string', default: '' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(0, 10).join('\n'));
    process.exit(0);
  }
  const quick = values.quick!;
  const num = numberOption(quick);
  return {
    reps: num(values.reps, 1, 3),
    durationSec: num(values.duration, 2, 10),
    warmupSec: num(values.warmup, 1, 3),
    fixedRate: num(values['fixed-rate'], 1000, 1000),
    fixedDurationSec: num(values['fixed-duration'], 2, 10),
    connections: num(values.connections, 50, 50),
    h2: !values['no-h2'],
    targets: selectTargets(values.only ?? ALL_TARGETS.filter((t) => values.base !== undefined || !t.startsWith('base-')).join(','), ALL_TARGETS),
    outDir: values.out!,
    quick,
    quietWaitMs: num(values['quiet-wait'], 10, QUIET_MAX_WAIT_MS / 1000) * 1000,
    base: values.base === undefined ? undefined : path.resolve(values.base),
    weftNodeFlags: values['weft-node-flags']!.split(' ').filter(Boolean),
  };
}

/** One repetition of one target. */
interface RunRecord {
  target: TargetName;
  rep: number;
  error?: string;
  saturated?: WrkResult;
  /** Proxy CPU (user+system, process tree) per 1000 requests during the saturated run, in ms. */
  cpuMsPer1kSaturated?: number;
  /** Proxy CPU as % of one core during the saturated run. */
  proxyCpuPercentSaturated?: number;
  /** CPU busy % (summed over cores) seen by the quiet gate before each measured load; over the threshold means noisy. */
  backgroundBusyPercent?: number[];
  /** Busy % of [proxy core, load core] during the saturated run: shows which side limited it. */
  coreBusySaturated?: number[];
  fixed?: OpenLoopResult;
  /** Same, during the fixed-rate run: includes idle overhead such as timers. */
  cpuMsPer1kFixed?: number;
  h2?: H2loadResult;
  h2Error?: string;
  cpuMsPer1kH2?: number;
  /** VmHWM summed over the proxy's process tree, at the end of the repetition. */
  peakRssKiB?: number;
}

interface Ports {
  h1: number;
  h2: number;
  /** Request path the load sends (weft-jwt carries its token in the query); default '/'. */
  path?: string;
}

interface Env {
  dir: string;
  upstream: Ports;
  opts: Options;
}

/** Starts the target's proxy (none for direct) on the proxy core; returns its ports. */
async function startTarget(target: TargetName, env: Env): Promise<{ server?: Managed; ports: Ports; sidecars?: Managed[] }> {
  if (target === 'direct') return { ports: env.upstream };
  const h1 = await freePort();
  if (target === 'nginx') {
    const h2 = await freePort();
    const conf = path.join(env.dir, 'proxy-nginx.conf');
    fs.writeFileSync(conf, proxyNginxConf(env.dir, h1, h2, env.upstream.h1));
    const server = startPinned('nginx', PROXY_CORE, 'nginx', ['-p', env.dir, '-e', path.join(env.dir, 'proxy-nginx-error.log'), '-c', conf]);
    await waitUp(server, [h1, h2], path.join(env.dir, 'proxy-nginx-error.log'));
    return { server, ports: { h1, h2 } };
  }
  if (target === 'haproxy') {
    const h2 = await freePort();
    const conf = path.join(env.dir, 'haproxy.cfg');
    fs.writeFileSync(conf, haproxyConf(h1, h2, env.upstream.h1));
    const server = startPinned('haproxy', PROXY_CORE, 'haproxy', ['-db', '-f', conf]);
    await waitUp(server, [h1, h2]);
    return { server, ports: { h1, h2 } };
  }
  const admin = await freePort();
  const conf = path.join(env.dir, `${target}.yaml`);
  // weft-extauthz: the authorizer is a side service, on the load core with the upstream.
  let authorizer: Managed | undefined;
  let extAuthzPort: number | undefined;
  if (target === 'weft-extauthz') {
    extAuthzPort = await freePort();
    authorizer = startPinned('ext-authz', LOAD_CORE, process.execPath, [path.join(here, 'lib', 'ext-authz-server.js'), '--port', String(extAuthzPort)], repoRoot);
    await waitUp(authorizer, [extAuthzPort]);
  }
  const jwt = target === 'weft-jwt' ? benchJwt() : undefined;
  // base-<variant>: the same variant, run from the --base checkout.
  const variant = target.startsWith('base-') ? target.slice(5) : target;
  const root = target.startsWith('base-') ? env.opts.base : repoRoot;
  if (root === undefined) throw new StartError(`${target} needs --base DIR (a built checkout of weft)`);
  const telemetry = variant === 'weft-telemetry';
  // weft-metrics-tracing: issue 12's benchmark shape (Istio metrics and 1% tracing, no access log).
  const metricsTracing = telemetry || variant === 'weft-metrics-tracing';
  // The access log goes to a file in the run's temp dir (a sidecar's goes to stdout, which the harness would have to drain).
  const accessLog = telemetry ? path.join(env.dir, `${target}-access.log`) : undefined;
  fs.writeFileSync(conf, weftBootstrapYaml(h1, admin, env.upstream.h1, { resilience: variant === 'weft-resilience', istioStats: variant === 'weft-istio-stats' || metricsTracing, rbac: variant === 'weft-rbac', tracing: variant === 'weft-tracing' || metricsTracing, extAuthzPort, jwt, accessLog }));
  const server = startPinned(target, PROXY_CORE, process.execPath, [...env.opts.weftNodeFlags, path.join(root, 'bin', 'weft.js'), 'proxy', '-c', conf], root);
  try {
    await waitUp(server, [h1]);
  } catch (err) {
    if (authorizer) await stop(authorizer);
    throw err;
  }
  return { server, ports: { h1, h2: h1, ...(jwt ? { path: `/?access_token=${jwt.token}` } : {}) }, ...(authorizer ? { sidecars: [authorizer] } : {}) };
}

async function waitUp(server: Managed, ports: number[], errorLog?: string): Promise<void> {
  try {
    for (const p of ports) await waitForPort(p, server, START_TIMEOUT_MS);
  } catch (err) {
    await stop(server);
    let detail = server.stderr().trim() || server.stdout().trim();
    if (!detail && errorLog && fs.existsSync(errorLog)) detail = fs.readFileSync(errorLog, 'utf8').trim();
    throw new StartError(`${(err as Error).message}${detail ? `\n${tail(detail, 20)}` : ''}`);
  }
}

class StartError extends Error {}

/** Appends the command line of the process nginx says sent it a signal, while that process still exists. */
function signalSender(errorLogTail: string): string {
  const m = /signal \d+ \(\w+\) received from (\d+)/.exec(errorLogTail);
  if (!m) return errorLogTail;
  let cmd = 'gone';
  try {
    cmd = fs.readFileSync(`/proc/${m[1]}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    // exited already
  }
  return `${errorLogTail}\nsender ${m[1]}: ${cmd}`;
}

function tail(text: string, lines: number): string {
  return text.split('\n').slice(-lines).join('\n');
}

/** One GET through the target: it must answer 200 with the upstream's body, or the figures mean nothing. */
function checkResponse(port: number, reqPath = '/'): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: reqPath, agent: false, timeout: 5000 }, (res) => {
      let bytes = 0;
      res.on('data', (d: Buffer) => (bytes += d.length));
      res.on('end', () => {
        if (res.statusCode !== 200 || bytes !== BODY_BYTES) {
          reject(new Error(`sanity GET: status ${res.statusCode}, ${bytes} body bytes (want 200, ${BODY_BYTES})`));
        } else resolve();
      });
    });
    req.on('timeout', () => req.destroy(new Error('sanity GET timed out')));
    req.on('error', reject);
  });
}

/** Unrecorded lead-in of the fixed-rate run (it warms the connections, not the proxy). */
function fixedWarmupSec(o: Options): number {
  return Math.min(o.warmupSec, 2);
}

async function runOpenLoopProcess(port: number, o: Options, reqPath = '/'): Promise<OpenLoopResult> {
  const args = [
    path.join(here, 'open-loop-load.js'),
    '--port',
    String(port),
    '--path',
    reqPath,
    '--rate',
    String(o.fixedRate),
    '--duration-ms',
    String(o.fixedDurationSec * 1000),
    '--warmup-ms',
    String(fixedWarmupSec(o) * 1000),
    '--connections',
    String(FIXED_CONNECTIONS),
  ];
  const r = await runPinned('open-loop', LOAD_CORE, process.execPath, args, (o.fixedDurationSec + 30) * 1000);
  if (r.code !== '0') throw new Error(`open-loop generator exited ${r.code}: ${r.stderr.trim()}`);
  return JSON.parse(r.stdout) as OpenLoopResult;
}

function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

function gate(rec: RunRecord, o: Options): Promise<void> {
  return quietGate((rec.backgroundBusyPercent ??= []), QUIET_BUSY_PERCENT, o.quietWaitMs, log);
}

async function runOne(target: TargetName, rep: number, env: Env): Promise<RunRecord> {
  const rec: RunRecord = { target, rep };
  const o = env.opts;
  let started: { server?: Managed; ports: Ports; sidecars?: Managed[] };
  try {
    started = await startTarget(target, env);
  } catch (err) {
    rec.error = err instanceof StartError ? `failed to start: ${err.message}` : String((err as Error).message);
    return rec;
  }
  const { server, ports } = started;
  try {
    const reqPath = ports.path ?? '/';
    await checkResponse(ports.h1, reqPath);
    const url = `http://127.0.0.1:${ports.h1}${reqPath}`;
    log(`${target} #${rep}: HTTP/1.1 warm-up ${o.warmupSec}s`);
    await runWrk({ url, connections: o.connections, durationSec: o.warmupSec, core: LOAD_CORE });
    await gate(rec, o);
    log(`${target} #${rep}: HTTP/1.1 saturated ${o.durationSec}s`);
    const coresBefore = coreTimes();
    [rec.saturated, rec.cpuMsPer1kSaturated] = await withCpu(
      server,
      () => runWrk({ url, connections: o.connections, durationSec: o.durationSec, core: LOAD_CORE }),
      (r) => r.requests,
    );
    rec.coreBusySaturated = coreBusyPercent(coresBefore, coreTimes()).slice(0, 2);
    if (rec.cpuMsPer1kSaturated !== undefined) {
      rec.proxyCpuPercentSaturated = Math.round((rec.cpuMsPer1kSaturated * rec.saturated.requestsPerSec) / 100) / 100;
    }
    await gate(rec, o);
    log(`${target} #${rep}: HTTP/1.1 open loop ${o.fixedRate} req/s ${o.fixedDurationSec}s`);
    [rec.fixed, rec.cpuMsPer1kFixed] = await withCpu(
      server,
      () => runOpenLoopProcess(ports.h1, o, reqPath),
      (r) => r.completed + Math.round(fixedWarmupSec(o) * o.fixedRate),
    );
    if (o.h2) {
      try {
        const h2url = `http://127.0.0.1:${ports.h2}${reqPath}`;
        const logFile = path.join(env.dir, `h2load-${target}-${rep}.log`);
        log(`${target} #${rep}: HTTP/2 warm-up and saturated ${o.durationSec}s`);
        await runH2load({ url: h2url, clients: H2_CLIENTS, streamsPerClient: H2_STREAMS, durationSec: o.warmupSec, warmupSec: 0, core: LOAD_CORE, logFile });
        await gate(rec, o);
        [rec.h2, rec.cpuMsPer1kH2] = await withCpu(
          server,
          () => runH2load({ url: h2url, clients: H2_CLIENTS, streamsPerClient: H2_STREAMS, durationSec: o.durationSec, warmupSec: 0, core: LOAD_CORE, logFile }),
          (r) => r.succeeded,
        );
      } catch (err) {
        rec.h2Error = (err as Error).message;
        log(`${target} #${rep}: HTTP/2 failed: ${rec.h2Error}`);
      }
    }
    if (server?.child.pid !== undefined) rec.peakRssKiB = peakRssKiB(server.child.pid);
    if (server?.hasExited()) throw new Error(`${target} exited during the run: ${tail(server.stderr(), 20)}`);
  } catch (err) {
    rec.error = (err as Error).message;
  } finally {
    if (server) await stop(server);
    for (const s of started.sidecars ?? []) await stop(s);
  }
  return rec;
}

/** Medians per target of every reported figure. */
interface TargetSummary {
  target: TargetName;
  reps: number;
  failed?: string;
  errors: number;
  /** Measured loads that started on a busy machine (quiet gate timed out). */
  noisy: number;
  rps?: number;
  satP50Us?: number;
  satP99Us?: number;
  fixedP50Us?: number;
  fixedP99Us?: number;
  cpuMsPer1k?: number;
  cpuMsPer1kFixed?: number;
  peakRssMiB?: number;
  h2Rps?: number;
  h2P50Us?: number;
  h2P99Us?: number;
  h2CpuMsPer1k?: number;
  h2Errors: number;
  h2Failed?: string;
}

function summarize(target: TargetName, runs: RunRecord[]): TargetSummary {
  const ok = runs.filter((r) => !r.error);
  const errors = ok.reduce(
    (n, r) => n + (r.saturated?.errors ?? 0) + (r.fixed ? r.fixed.errors + r.fixed.timeouts + r.fixed.non2xx : 0),
    0,
  );
  const h2ok = ok.filter((r) => r.h2);
  return {
    target,
    reps: ok.length,
    failed: ok.length === 0 ? runs.find((r) => r.error)?.error : undefined,
    errors,
    noisy: ok.reduce((n, r) => n + (r.backgroundBusyPercent ?? []).filter((b) => b > QUIET_BUSY_PERCENT).length, 0),
    rps: median(ok.map((r) => r.saturated?.requestsPerSec)),
    satP50Us: median(ok.map((r) => r.saturated?.p50Us)),
    satP99Us: median(ok.map((r) => r.saturated?.p99Us)),
    fixedP50Us: median(ok.map((r) => r.fixed?.latencyUs.p50)),
    fixedP99Us: median(ok.map((r) => r.fixed?.latencyUs.p99)),
    cpuMsPer1k: median(ok.map((r) => r.cpuMsPer1kSaturated)),
    cpuMsPer1kFixed: median(ok.map((r) => r.cpuMsPer1kFixed)),
    peakRssMiB: median(ok.map((r) => (r.peakRssKiB === undefined ? undefined : r.peakRssKiB / 1024))),
    h2Rps: median(h2ok.map((r) => r.h2?.requestsPerSec)),
    h2P50Us: median(h2ok.map((r) => r.h2?.p50Us)),
    h2P99Us: median(h2ok.map((r) => r.h2?.p99Us)),
    h2CpuMsPer1k: median(h2ok.map((r) => r.cpuMsPer1kH2)),
    h2Errors: h2ok.reduce((n, r) => n + (r.h2?.errors ?? 0), 0),
    h2Failed: h2ok.length === 0 ? ok.find((r) => r.h2Error)?.h2Error : undefined,
  };
}

function report(summaries: TargetSummary[], o: Options): string {
  const by = (t: TargetName) => summaries.find((s) => s.target === t);
  const nginx = by('nginx');
  const direct = by('direct');
  const weft = by('weft');
  const out: string[] = [];
  const us = (x: number | undefined) => fmt(x, 0);
  const ms = (x: number | undefined) => fmt(x, 1);
  out.push(`### HTTP/1.1, ${BODY_BYTES}-byte responses, keep-alive (medians of ${o.reps})`);
  out.push('');
  out.push(
    markdownTable(
      ['target', 'req/s (saturated)', 'p50 µs (sat.)', 'p99 µs (sat.)', `p50 µs @${o.fixedRate}/s`, `p99 µs @${o.fixedRate}/s`, 'CPU ms/1k req (sat.)', `CPU ms/1k req @${o.fixedRate}/s`, 'peak RSS MiB', 'errors', 'noisy'],
      summaries.map((s) =>
        s.failed
          ? [s.target, `${s.target}: ${s.failed.split('\n')[0]}`, '', '', '', '', '', '', '', '', '']
          : [s.target, fmt(s.rps), us(s.satP50Us), us(s.satP99Us), us(s.fixedP50Us), us(s.fixedP99Us), ms(s.cpuMsPer1k), ms(s.cpuMsPer1kFixed), ms(s.peakRssMiB), String(s.errors), `${s.noisy}/${s.reps * (o.h2 ? 3 : 2)}`],
      ),
    ),
  );
  const ratioRows = (base: TargetSummary | undefined, withProc: boolean) =>
    summaries
      .filter((s) => !s.failed)
      .map((s) => [
        s.target,
        ratio(s.rps, base?.rps),
        ratio(s.satP50Us, base?.satP50Us),
        ratio(s.satP99Us, base?.satP99Us),
        ratio(s.fixedP50Us, base?.fixedP50Us),
        ratio(s.fixedP99Us, base?.fixedP99Us),
        ...(withProc ? [ratio(s.cpuMsPer1k, base?.cpuMsPer1k), ratio(s.peakRssMiB, base?.peakRssMiB)] : []),
      ]);
  const ratioHead = ['target', 'req/s', 'p50 (sat.)', 'p99 (sat.)', `p50 @${o.fixedRate}/s`, `p99 @${o.fixedRate}/s`];
  if (nginx && !nginx.failed) {
    out.push('', '#### Ratio to nginx', '', markdownTable([...ratioHead, 'CPU/1k req', 'peak RSS'], ratioRows(nginx, true)));
  }
  if (direct && !direct.failed) {
    out.push('', '#### Ratio to direct (no proxy)', '', markdownTable(ratioHead, ratioRows(direct, false)));
  }
  // Configured variants of weft, each as a ratio to plain weft in the same run.
  const variants: [TargetName, string][] = [
    ['weft-resilience', 'retries, circuit breaker, outlier detection configured'],
    ['weft-istio-stats', "Istio's metadata exchange and standard metrics filters, as a client sidecar runs them"],
    ['weft-rbac', 'envoy.filters.http.rbac with 10 header/path ALLOW policies, the matching one tried last'],
    ['weft-tracing', 'HCM tracing, envoy.tracers.zipkin at 1% random sampling, spans to a local sink'],
    ['weft-metrics-tracing', "the metadata exchange, standard metrics and 1% Zipkin tracing, without the access log (the telemetry issue's benchmark shape)"],
    ['weft-telemetry', "Istio's telemetry as a client sidecar runs it: the metadata exchange, standard metrics and 1% Zipkin tracing and the access log (Istio's text format, to a file) together"],
    ['weft-extauthz', 'envoy.filters.http.ext_authz: every request checked by a local gRPC authorizer that allows (bench/lib/ext-authz-server.ts)'],
    ['weft-jwt', 'envoy.filters.http.jwt_authn: one RS256 token (in ?access_token=) verified against a local JWKS, keys and token cached'],
  ];
  // --base: this build against the baseline build, and the baseline's own telemetry cost.
  const pairs: [TargetName, TargetName, string][] = [
    ['weft', 'base-weft', 'this build'],
    ['weft-telemetry', 'base-weft-telemetry', 'this build'],
    ['base-weft-telemetry', 'base-weft', 'the --base build'],
  ];
  for (const [name, against, what] of pairs) {
    const v = by(name);
    const b = by(against);
    if (!v || !b || v.failed || b.failed) continue;
    out.push('', `#### ${name} (${what}) ratio to ${against}`, '', markdownTable([...ratioHead, 'CPU/1k req', 'peak RSS'], [[name, ratio(v.rps, b.rps), ratio(v.satP50Us, b.satP50Us), ratio(v.satP99Us, b.satP99Us), ratio(v.fixedP50Us, b.fixedP50Us), ratio(v.fixedP99Us, b.fixedP99Us), ratio(v.cpuMsPer1k, b.cpuMsPer1k), ratio(v.peakRssMiB, b.peakRssMiB)]]));
  }
  for (const [name, what] of variants) {
    const v = by(name);
    if (!weft || !v || weft.failed || v.failed) continue;
    out.push(
      '',
      `#### ${name} (${what}) ratio to weft`,
      '',
      markdownTable(
        [...ratioHead, 'CPU/1k req', 'peak RSS'],
        [
          [
            name,
            ratio(v.rps, weft.rps),
            ratio(v.satP50Us, weft.satP50Us),
            ratio(v.satP99Us, weft.satP99Us),
            ratio(v.fixedP50Us, weft.fixedP50Us),
            ratio(v.fixedP99Us, weft.fixedP99Us),
            ratio(v.cpuMsPer1k, weft.cpuMsPer1k),
            ratio(v.peakRssMiB, weft.peakRssMiB),
          ],
        ],
      ),
    );
  }
  if (o.h2) {
    out.push('', `### HTTP/2 (h2c), ${H2_CLIENTS} connections × ${H2_STREAMS} streams, ${BODY_BYTES}-byte responses (medians)`, '');
    out.push(
      markdownTable(
        ['target', 'req/s (saturated)', 'p50 µs', 'p99 µs', 'CPU ms/1k req', 'req/s ratio to nginx', 'req/s ratio to direct', 'errors'],
        summaries.map((s) =>
          s.failed || s.h2Failed
            ? [s.target, `${s.target}: ${(s.failed ?? s.h2Failed ?? '').split('\n')[0]}`, '', '', '', '', '', '']
            : [s.target, fmt(s.h2Rps), us(s.h2P50Us), us(s.h2P99Us), ms(s.h2CpuMsPer1k), ratio(s.h2Rps, nginx?.h2Rps), ratio(s.h2Rps, direct?.h2Rps), String(s.h2Errors)],
        ),
      ),
    );
  }
  return out.join('\n');
}

function versions(): Record<string, string> {
  const first = (cmd: string, args: string[]) => {
    // nginx prints its version on stderr, wrk exits 1 after printing it: take the first line of either.
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    return `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n')[0].trim() || 'not found';
  };
  const cpu = /model name\s*:\s*(.*)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
  return {
    node: process.version,
    kernel: os.release(),
    cpu: cpu ? cpu[1] : 'unknown',
    cpus: String(os.cpus().length),
    nginx: first('nginx', ['-v']),
    haproxy: first('haproxy', ['-v']),
    wrk: first('wrk', ['-v']),
    h2load: first('h2load', ['--version']),
  };
}

function checkTools(o: Options): void {
  const need = ['taskset', 'nginx', 'wrk', ...(o.targets.includes('haproxy') ? ['haproxy'] : []), ...(o.h2 ? ['h2load'] : [])];
  const missing = need.filter((t) => {
    try {
      execFileSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) throw new Error(`missing tools: ${missing.join(', ')}; run bench/install.sh`);
  if (os.cpus().length < 2) throw new Error('needs at least 2 cores (proxy on core 0, load on core 1)');
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  checkTools(o);
  pinSelf(LOAD_CORE);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-bench-'));
  const startedAt = new Date();
  const records: RunRecord[] = [];
  let upstream: Managed | undefined;

  const cleanup = () => {
    killAll();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      log(`${sig}: stopping`);
      cleanup();
      process.exit(130);
    });
  }
  // Bound the run: each target repetition takes about warm-up + three loads.
  const perRunSec = 2 * o.warmupSec + 2 * o.durationSec + o.fixedDurationSec + fixedWarmupSec(o) + 10 + (o.h2 ? o.warmupSec + o.durationSec + 5 : 0);
  const gatesPerRun = o.h2 ? 3 : 2;
  const budgetSec = Math.ceil(o.reps * o.targets.length * (perRunSec * 1.5 + (gatesPerRun * o.quietWaitMs) / 1000) + 60);
  const watchdog = setTimeout(() => {
    log(`run exceeded its ${budgetSec}s budget; stopping`);
    cleanup();
    process.exit(1);
  }, budgetSec * 1000);
  watchdog.unref();

  try {
    const up: Ports = { h1: await freePort(), h2: await freePort() };
    const conf = path.join(dir, 'upstream.conf');
    fs.writeFileSync(conf, upstreamNginxConf(dir, up.h1, up.h2));
    const upstreamLog = path.join(dir, 'upstream-error.log');
    const startUpstream = async () => {
      upstream = startPinned('upstream', LOAD_CORE, 'nginx', ['-p', dir, '-e', upstreamLog, '-c', conf]);
      await waitUp(upstream, [up.h1, up.h2], upstreamLog);
      await checkResponse(up.h1);
    };
    await startUpstream();
    const env: Env = { dir, upstream: up, opts: o };
    log(`targets ${o.targets.join(', ')}; ${o.reps} repetition(s); budget ${budgetSec}s`);

    const failedToStart = new Set<TargetName>();
    for (let rep = 1; rep <= o.reps; rep++) {
      // Rotate the order each repetition so drift on a shared machine spreads over all targets.
      const order = o.targets.map((_, i) => o.targets[(i + rep - 1) % o.targets.length]);
      for (const target of order) {
        if (failedToStart.has(target)) continue;
        const rec = await runOne(target, rep, env);
        records.push(rec);
        if (upstream?.hasExited()) {
          // Not the target's fault: void this repetition, say how the upstream ended, start a new one.
          const how = await upstream.exited;
          const detail = fs.existsSync(upstreamLog) ? signalSender(tail(fs.readFileSync(upstreamLog, 'utf8').trim(), 5)) : '';
          rec.error = `upstream exited (${how}) during the run; repetition void${detail ? `\n${detail}` : ''}`;
          log(rec.error);
          await startUpstream();
          continue;
        }
        if (rec.error) {
          log(`${target}: ${rec.error}`);
          if (rec.error.startsWith('failed to start')) failedToStart.add(target);
        } else if (rec.saturated && rec.fixed) {
          log(
            `${target} #${rep}: ${fmt(rec.saturated.requestsPerSec)} req/s, p99 ${fmt(rec.saturated.p99Us)} µs, ` +
              `cores busy ${rec.coreBusySaturated?.join('% / ')}% (proxy ${rec.proxyCpuPercentSaturated ?? 0}%); ` +
              `@${o.fixedRate}/s p50 ${rec.fixed.latencyUs.p50} µs p99 ${rec.fixed.latencyUs.p99} µs ` +
              `(generator send lag p99 ${rec.fixed.sendLagUs.p99} µs, achieved ${rec.fixed.achievedRate}/s)`,
          );
        }
      }
    }
  } finally {
    if (upstream) await stop(upstream);
  }

  const summaries = o.targets.map((t) => summarize(t, records.filter((r) => r.target === t)));
  const env = versions();
  const text = report(summaries, o);
  const header = `Proxy benchmark ${startedAt.toISOString()} — ${env.cpu}, ${env.cpus} cores, Linux ${env.kernel}, Node ${env.node}; ${env.nginx}; ${env.haproxy}; ${env.wrk}; ${env.h2load}`;
  process.stdout.write(`${header}\n\n${text}\n`);
  for (const s of summaries) {
    if (s.failed) process.stdout.write(`\n${s.target}: ${s.failed}\n`);
  }

  fs.mkdirSync(o.outDir, { recursive: true });
  const file = path.join(o.outDir, `proxy-bench-${startedAt.toISOString().replace(/[:.]/g, '-')}${o.quick ? '-quick' : ''}.json`);
  fs.writeFileSync(
    file,
    JSON.stringify(
      {
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
        versions: env,
        options: { ...o, proxyCore: PROXY_CORE, loadCore: LOAD_CORE, h2Clients: H2_CLIENTS, h2Streams: H2_STREAMS, fixedConnections: FIXED_CONNECTIONS, bodyBytes: BODY_BYTES },
        summaries,
        runs: records,
      },
      null,
      2,
    ) + '\n',
  );
  log(`results written to ${path.relative(process.cwd(), file)}`);
  clearTimeout(watchdog);
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(`proxy-bench: ${err instanceof Error ? err.message : String(err)}`);
  killAll();
  process.exit(1);
});
