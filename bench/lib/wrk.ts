// Closed-loop HTTP/1.1 saturation load with wrk, and the parser of its report.
import { runPinned } from './processes.js';

export interface WrkResult {
  requests: number;
  durationSec: number;
  requestsPerSec: number;
  /** Latency percentiles from `--latency`, in microseconds. */
  p50Us: number;
  p90Us: number;
  p99Us: number;
  /** Non-2xx/3xx responses plus socket errors (connect, read, write, timeout). */
  errors: number;
}

const UNIT_US: Record<string, number> = { us: 1, ms: 1000, s: 1_000_000, m: 60_000_000 };

function toUs(value: string, unit: string): number {
  return Number(value) * (UNIT_US[unit] ?? Number.NaN);
}

/** Parses wrk's text report; throws when a figure the harness needs is missing. */
export function parseWrkOutput(text: string): WrkResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(text);
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m)/.exec(text);
  const pct = (p: string) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(text);
    return m ? toUs(m[1], m[2]) : Number.NaN;
  };
  if (!rps || !total) throw new Error(`unrecognized wrk output: ${text.slice(0, 400)}`);
  let errors = 0;
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(text);
  if (non2xx) errors += Number(non2xx[1]);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  if (sock) errors += Number(sock[1]) + Number(sock[2]) + Number(sock[3]) + Number(sock[4]);
  const result: WrkResult = {
    requests: Number(total[1]),
    durationSec: toUs(total[2], total[3]) / 1_000_000,
    requestsPerSec: Number(rps[1]),
    p50Us: pct('50'),
    p90Us: pct('90'),
    p99Us: pct('99'),
    errors,
  };
  if (Number.isNaN(result.p50Us) || Number.isNaN(result.p99Us)) throw new Error('wrk output lacks the latency distribution');
  return result;
}

export interface WrkOptions {
  url: string;
  connections: number;
  durationSec: number;
  core: number;
  /** Extra request headers, e.g. `Connection: close` for one TLS handshake per request. */
  headers?: readonly string[];
}

/** Runs wrk with one thread pinned to `core`. */
export async function runWrk(o: WrkOptions): Promise<WrkResult> {
  const headers = (o.headers ?? []).flatMap((h) => ['-H', h]);
  const args = ['-t1', `-c${o.connections}`, `-d${o.durationSec}s`, '--latency', '--timeout', '5s', ...headers, o.url];
  const r = await runPinned('wrk', o.core, 'wrk', args, (o.durationSec + 30) * 1000);
  if (r.code !== '0') throw new Error(`wrk exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
  return parseWrkOutput(r.stdout);
}
