// A small load generator for the demo, bounded in count and time:
//
//   node dist/examples/bookinfo/load.js --url http://127.0.0.1:9080/productpage \
//     [--rps 200] [--seconds 5] [--requests N] [--concurrency 50] \
//     [--header end-user:jason]... [--count-header x-bookinfo-reviews]... \
//     [--proxy http://127.0.0.1:15001] [--timeout-ms 10000] [--json]
//
// With --rps R it starts a request every 1/R s (open loop) but never has more
// than --concurrency in flight (a late slot delays the next start); --rps 0
// runs --concurrency requests back to back (closed loop). It stops starting
// requests after --seconds or --requests, whichever comes first, then waits
// for those in flight. --proxy sends absolute-form requests through an HTTP
// proxy (a sidecar's outbound listener), as a meshed app would.
import http from 'node:http';
import { parseProxyUrl } from './lib/app-env.js';
import { isMainModule } from './lib/run-service.js';
import { formatSummary, LoadTally, type LoadSummary } from './load-report.js';

export interface LoadOptions {
  url: string;
  /** Starts per second; 0 = closed loop. */
  rps: number;
  seconds: number;
  /** Upper bound on requests started; Infinity = limited by seconds only. */
  requests: number;
  concurrency: number;
  headers: Record<string, string>;
  countHeaders: string[];
  proxy?: string;
  timeoutMs: number;
}

/** Defaults: a gentle run people can start without thinking; every run ends by itself. */
export const LOAD_DEFAULTS = { rps: 50, seconds: 5, requests: Infinity, concurrency: 10, timeoutMs: 10_000 } as const;
/** Upper bounds, so a typo cannot start an unbounded run. */
const MAX_SECONDS = 600;
const MAX_CONCURRENCY = 1000;

export class UsageError extends Error {}

export function parseLoadArgs(argv: readonly string[]): LoadOptions & { json: boolean } {
  const o: LoadOptions & { json: boolean } = { url: '', ...LOAD_DEFAULTS, headers: {}, countHeaders: [], json: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--json') {
      o.json = true;
      continue;
    }
    const v = argv[++i];
    if (v === undefined) throw new UsageError(`${flag} needs a value`);
    const num = (max: number): number => {
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0 || n > max) throw new UsageError(`${flag}: expected a number in [0, ${max}], got ${v}`);
      return n;
    };
    switch (flag) {
      case '--url': o.url = v; break;
      case '--rps': o.rps = num(1e6); break;
      case '--seconds': o.seconds = num(MAX_SECONDS); break;
      case '--requests': o.requests = Math.floor(num(1e9)); break;
      case '--concurrency': o.concurrency = Math.max(1, Math.floor(num(MAX_CONCURRENCY))); break;
      case '--timeout-ms': o.timeoutMs = num(600_000); break;
      case '--proxy': o.proxy = v; break;
      case '--count-header': o.countHeaders.push(v.toLowerCase()); break;
      case '--header': {
        const c = v.indexOf(':');
        if (c <= 0) throw new UsageError(`--header: expected name:value, got ${v}`);
        o.headers[v.slice(0, c).trim().toLowerCase()] = v.slice(c + 1).trim();
        break;
      }
      default: throw new UsageError(`unknown flag ${flag}`);
    }
  }
  if (!o.url) throw new UsageError('--url is required');
  let u: URL;
  try {
    u = new URL(o.url);
  } catch {
    throw new UsageError(`--url: not a URL: ${o.url}`);
  }
  if (u.protocol !== 'http:') throw new UsageError('--url: only http:// URLs');
  return o;
}

export async function runLoad(o: LoadOptions): Promise<LoadSummary> {
  const u = new URL(o.url);
  const proxy = o.proxy ? parseProxyUrl(o.proxy) : undefined;
  const target = proxy
    ? { host: proxy.host, port: proxy.port, path: u.href }
    : { host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port: u.port === '' ? 80 : Number(u.port), path: `${u.pathname}${u.search}` };
  const headers = { ...o.headers, host: u.host };
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.concurrency });
  const tally = new LoadTally(o.countHeaders);

  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const t0 = performance.now();
      let done = false;
      const end = (fn: () => void): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        fn();
        resolve();
      };
      const req = http.request({ ...target, method: 'GET', headers, agent }, (res) => {
        res.resume();
        res.on('end', () => end(() => tally.response(res.statusCode ?? 0, performance.now() - t0, (n) => headerValue(res.headers[n]))));
        res.on('error', () => end(() => tally.failure('response-reset', performance.now() - t0)));
      });
      const timer = setTimeout(() => {
        end(() => tally.failure('timeout', performance.now() - t0));
        req.destroy();
      }, o.timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) => end(() => tally.failure(err.code ?? 'error', performance.now() - t0)));
      req.end();
    });

  const start = performance.now();
  const deadline = start + o.seconds * 1000;
  let started = 0;
  let inFlight = 0;
  let wake: (() => void) | undefined;
  const all: Promise<void>[] = [];
  const launch = (): void => {
    started++;
    inFlight++;
    all.push(
      one().then(() => {
        inFlight--;
        const w = wake;
        wake = undefined;
        w?.();
      }),
    );
  };
  const slotFree = (): Promise<void> => (inFlight < o.concurrency ? Promise.resolve() : new Promise((r) => (wake = r)));

  // At most rps × seconds starts, so `--rps 200 --seconds 5` means 1000 requests.
  const limit = o.rps > 0 ? Math.min(o.requests, Math.ceil(o.rps * o.seconds)) : o.requests;
  while (started < limit && performance.now() < deadline) {
    if (o.rps > 0) {
      const due = start + (started * 1000) / o.rps;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      if (performance.now() >= deadline) break;
    }
    await slotFree();
    launch();
  }
  await Promise.all(all);
  agent.destroy();
  return tally.summary(o.url, (performance.now() - start) / 1000, o.concurrency);
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(', ') : v;
}

if (isMainModule(import.meta.url)) {
  let opts: ReturnType<typeof parseLoadArgs>;
  try {
    opts = parseLoadArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`load: ${e instanceof Error ? e.message : String(e)}`);
    console.error('usage: node dist/examples/bookinfo/load.js --url URL [--rps N] [--seconds S] [--requests N] [--concurrency C] [--header name:value] [--count-header name] [--proxy URL] [--json]');
    process.exit(2);
  }
  runLoad(opts).then(
    (s) => console.log(opts.json ? JSON.stringify(s) : formatSummary(s)),
    (e: unknown) => {
      console.error(`load: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
}
