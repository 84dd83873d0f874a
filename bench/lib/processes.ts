// Child processes of the benchmark: started pinned to a core with taskset,
// output kept (bounded) for failure reports, every one killed at the end, on
// Ctrl-C and on any exit path. Also reads CPU time and peak RSS from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

/** Kept output per stream: enough for an error message, bounded for long runs. */
const OUTPUT_KEEP_BYTES = 64 * 1024;
/** Grace between SIGTERM and SIGKILL when stopping a server. */
const KILL_GRACE_MS = 2000;

/** A started process with its kept stdout/stderr. */
export interface Managed {
  name: string;
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<string>;
  hasExited(): boolean;
}

const live = new Set<Managed>();

function keep(stream: NodeJS.ReadableStream | null): () => string {
  let text = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (d: string) => {
    text += d;
    if (text.length > OUTPUT_KEEP_BYTES * 2) text = text.slice(-OUTPUT_KEEP_BYTES);
  });
  return () => text;
}

/** Starts `cmd args` pinned to `core` (null: not pinned). */
export function startPinned(name: string, core: number | null, cmd: string, args: string[], cwd?: string): Managed {
  const argv = core === null ? [cmd, ...args] : ['-c', String(core), cmd, ...args];
  // taskset execs the command, so the child's pid is the server's pid.
  const child = spawn(core === null ? cmd : 'taskset', core === null ? args : argv, {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  let done = false;
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      live.delete(m);
      resolve(signal ?? String(code));
    });
    child.once('error', (err) => {
      done = true;
      live.delete(m);
      resolve(`spawn error: ${err.message}`);
    });
  });
  const m: Managed = { name, child, stdout: keep(child.stdout), stderr: keep(child.stderr), exited, hasExited: () => done };
  live.add(m);
  return m;
}

/** Runs a command to completion (pinned), resolving with its output; rejects after timeoutMs. */
export async function runPinned(
  name: string,
  core: number | null,
  cmd: string,
  args: string[],
  timeoutMs: number,
): Promise<{ code: string; stdout: string; stderr: string }> {
  const m = startPinned(name, core, cmd, args);
  const timer = setTimeout(() => killTree(m.child.pid, 'SIGKILL'), timeoutMs);
  const code = await m.exited;
  clearTimeout(timer);
  return { code, stdout: m.stdout(), stderr: m.stderr() };
}

/** Waits until something accepts TCP connections on port, or the process exits, or time runs out. */
export async function waitForPort(port: number, m: Managed, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (m.hasExited()) throw new Error(`${m.name} exited (${await m.exited}) before listening on ${port}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${m.name} did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** pid and its descendants, from /proc (a server's workers are its children). */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (!stat) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(Number(entry));
    children.set(stat.ppid, list);
  }
  const out: number[] = [];
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop()!;
    out.push(p);
    for (const c of children.get(p) ?? []) stack.push(c);
  }
  return out;
}

const CLOCK_TICKS_PER_SEC = 100; // USER_HZ on Linux; getconf CLK_TCK

function readStat(pid: number): { ppid: number; cpuTicks: number } | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name may contain spaces and parentheses: fields start after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); ppid is field 4, utime 14, stime 15.
  return { ppid: Number(rest[1]), cpuTicks: Number(rest[11]) + Number(rest[12]) };
}

/** User+system CPU seconds consumed so far by pid and its descendants. */
export function cpuSeconds(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) ticks += readStat(p)?.cpuTicks ?? 0;
  return ticks / CLOCK_TICKS_PER_SEC;
}

/** Sum of VmHWM (peak resident set) over pid and its descendants, in KiB. */
export function peakRssKiB(pid: number): number {
  let total = 0;
  for (const p of processTree(pid)) {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) total += Number(m[1]);
    } catch {
      // exited between listing and reading
    }
  }
  return total;
}

function killTree(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  let pids: number[];
  try {
    pids = processTree(pid);
  } catch {
    pids = [pid];
  }
  // Parent first: a dead nginx master cannot fork a replacement for a worker
  // killed a moment earlier; the workers were listed before it died.
  for (const p of pids) {
    try {
      process.kill(p, signal);
    } catch {
      // already gone
    }
  }
}

/** Stops one process: SIGTERM to it (an nginx master stops its own workers), SIGKILL to its tree after a grace period. */
export async function stop(m: Managed): Promise<void> {
  if (m.hasExited()) return;
  const pid = m.child.pid;
  if (pid !== undefined) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  const timer = setTimeout(() => killTree(m.child.pid, 'SIGKILL'), KILL_GRACE_MS);
  await m.exited;
  clearTimeout(timer);
}

/** Kills every process this module started that is still alive; synchronous, so it works in 'exit' handlers. */
export function killAll(): void {
  for (const m of live) killTree(m.child.pid, 'SIGKILL');
}

/** Pins the calling process (the harness itself) to a core, so it stays off the proxy's core. */
export function pinSelf(core: number): void {
  spawn('taskset', ['-a', '-pc', String(core), String(process.pid)], { stdio: 'ignore' });
}

/** Busy and total jiffies per core from /proc/stat, for utilization over an interval. */
export function coreTimes(): Array<{ busy: number; total: number }> {
  const out: Array<{ busy: number; total: number }> = [];
  for (const line of fs.readFileSync('/proc/stat', 'utf8').split('\n')) {
    const m = /^cpu(\d+) (.*)$/.exec(line);
    if (!m) continue;
    // user nice system idle iowait irq softirq steal ...: idle and iowait are not busy; steal is
    // time the hypervisor took, neither ours nor idle, so it is left out of both.
    const f = m[2].trim().split(/\s+/).map(Number);
    const idle = f[3] + f[4];
    const busy = f[0] + f[1] + f[2] + f[5] + f[6];
    out[Number(m[1])] = { busy, total: busy + idle };
  }
  return out;
}

/** Percent busy per core between two coreTimes() samples. */
export function coreBusyPercent(before: Array<{ busy: number; total: number }>, after: Array<{ busy: number; total: number }>): number[] {
  return after.map((a, i) => {
    const b = before[i] ?? { busy: 0, total: 0 };
    const total = a.total - b.total;
    return total > 0 ? Math.round(((a.busy - b.busy) / total) * 1000) / 10 : 0;
  });
}
