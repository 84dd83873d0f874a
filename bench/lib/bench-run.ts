// What every side-by-side benchmark harness here does the same way: choosing
// targets (--only), numeric options with quick/full defaults, the quiet gate
// before a measured load, and a server's CPU per request over a load.
import type { Managed } from './processes.js';
import { cpuSeconds } from './processes.js';
import { waitForQuiet } from './quiet-gate.js';

/** The targets named by --only (all when absent), in the harness's own order; an unknown name throws. */
export function selectTargets<T extends string>(only: string | undefined, all: readonly T[]): T[] {
  const named = (only ?? all.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  for (const t of named) if (!(all as readonly string[]).includes(t)) throw new Error(`--only: unknown target ${t}; known: ${all.join(', ')}`);
  return all.filter((t) => named.includes(t));
}

/** A positive number option: the given value, else the quick or full default. */
export function numberOption(quick: boolean): (v: string | undefined, quickDefault: number, fullDefault: number) => number {
  return (v, quickDefault, fullDefault) => {
    const n = v === undefined ? (quick ? quickDefault : fullDefault) : Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`bad number ${v}`);
    return n;
  };
}

/** A wait shorter than this (one or two samples) is not worth a log line. */
const SAMPLE_GRACE_MS = 1500;

/**
 * Waits for the machine to be quiet before a measured load; records the busy
 * % seen in `busy` and logs when it measured on a busy machine anyway.
 */
export async function quietGate(busy: number[], thresholdPercent: number, maxWaitMs: number, log: (msg: string) => void): Promise<void> {
  const q = await waitForQuiet(thresholdPercent, maxWaitMs);
  busy.push(q.busyPercent);
  if (!q.quiet) log(`machine still busy (${q.busyPercent}% CPU) after ${Math.round(q.waitedMs / 1000)}s; measuring anyway`);
  else if (q.waitedMs > SAMPLE_GRACE_MS) log(`waited ${Math.round(q.waitedMs / 1000)}s for the machine to be quiet`);
}

/** The server's CPU µs per request over `fn` (undefined without a server, e.g. direct, or with no requests). */
export async function withCpu<T>(server: Managed | undefined, fn: () => Promise<T>, requests: (r: T) => number): Promise<[T, number | undefined]> {
  const pid = server?.child.pid;
  const before = pid === undefined ? 0 : cpuSeconds(pid);
  const r = await fn();
  if (pid === undefined) return [r, undefined];
  const used = cpuSeconds(pid) - before;
  const n = requests(r);
  return [r, n > 0 ? (used * 1e6) / n : undefined];
}
