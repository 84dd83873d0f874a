// Closed-loop HTTP/2 (h2c, prior knowledge) saturation load with h2load, and the
// parsers of its report and per-request log (h2load prints no percentiles, so
// they are computed from `--log-file`).
import fs from 'node:fs';
import { LatencyHistogram } from './latency-histogram.js';
import { runPinned } from './processes.js';

export interface H2loadResult {
  requestsPerSec: number;
  succeeded: number;
  /** Failed, errored and timed-out requests plus non-2xx responses. */
  errors: number;
  p50Us: number;
  p99Us: number;
}

/** Parses h2load's summary: throughput and request counts. */
export function parseH2loadSummary(text: string): { requestsPerSec: number; succeeded: number; errors: number } {
  const fin = /finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(text);
  const req = /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(text);
  const codes = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(text);
  if (!fin || !req) throw new Error(`unrecognized h2load output: ${text.slice(0, 400)}`);
  const non2xx = codes ? Number(codes[2]) + Number(codes[3]) + Number(codes[4]) : 0;
  return {
    requestsPerSec: Number(fin[1]),
    succeeded: Number(req[4]),
    errors: Number(req[5]) + Number(req[6]) + Number(req[7]) + non2xx,
  };
}

/** Latency percentiles (µs) from h2load's log: start µs, status, duration µs per line. */
export function parseH2loadLog(text: string): { p50Us: number; p99Us: number; count: number } {
  const h = new LatencyHistogram();
  let from = 0;
  while (from < text.length) {
    let eol = text.indexOf('\n', from);
    if (eol < 0) eol = text.length;
    const lastTab = text.lastIndexOf('\t', eol);
    if (lastTab > from) h.record(Number(text.slice(lastTab + 1, eol)) * 1000);
    from = eol + 1;
  }
  return { p50Us: h.percentile(50) / 1000, p99Us: h.percentile(99) / 1000, count: h.count };
}

export interface H2loadOptions {
  url: string;
  clients: number;
  streamsPerClient: number;
  durationSec: number;
  warmupSec: number;
  core: number;
  logFile: string;
}

/** Runs h2load with one thread pinned to `core`, for a fixed duration after a warm-up. */
export async function runH2load(o: H2loadOptions): Promise<H2loadResult> {
  const args = [
    '-t1',
    `-c${o.clients}`,
    `-m${o.streamsPerClient}`,
    `-D${o.durationSec}`,
    `--warm-up-time=${o.warmupSec}`,
    `--log-file=${o.logFile}`,
    o.url,
  ];
  const r = await runPinned('h2load', o.core, 'h2load', args, (o.durationSec + o.warmupSec + 30) * 1000);
  if (r.code !== '0') throw new Error(`h2load exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
  const summary = parseH2loadSummary(r.stdout);
  if (summary.succeeded === 0) {
    fs.rmSync(o.logFile, { force: true });
    const why = /status codes: .*|\d+ failed, \d+ errored.*/.exec(r.stdout)?.[0] ?? r.stdout.trim().slice(-200);
    throw new Error(`no successful HTTP/2 request (${why})`);
  }
  let log = '';
  try {
    log = fs.readFileSync(o.logFile, 'utf8');
  } finally {
    fs.rmSync(o.logFile, { force: true });
  }
  const lat = parseH2loadLog(log);
  return { ...summary, p50Us: lat.p50Us, p99Us: lat.p99Us };
}
