// Child processes of `weft up`: logs prefixed by name, a crash reported with
// its last log lines and restarted with exponential back-off, and an orderly
// stop (SIGTERM, then SIGKILL after a grace period) that leaves no orphans.
import { spawn, type ChildProcess } from 'node:child_process';

export interface ProcessSpec {
  name: string;
  command: string[];
  env: Record<string, string>;
  cwd?: string;
  /** Restart when it exits unexpectedly (default true). */
  restart?: boolean;
}

const TAIL_LINES = 20;
/** Restart back-off: 0.5 s doubling to 30 s; reset after 30 s of uptime. */
const BACKOFF = { baseMs: 500, maxMs: 30_000, stableMs: 30_000 };

export class Supervised {
  private child: ChildProcess | undefined;
  private tail: string[] = [];
  /** Set when the whole mesh is stopping: an exit is then not a crash. */
  stopping = false;
  private restarts = 0;
  private startedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  exitCode: number | null = null;
  /** Times the process exited on its own (not stopped by weft up). */
  exits = 0;
  /** How it last exited: `code N` or the signal. */
  lastExit = '';

  constructor(readonly spec: ProcessSpec, private readonly out: (line: string) => void) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    const [cmd, ...args] = this.spec.command;
    this.startedAt = Date.now();
    // Its own process group: a Ctrl-C in the terminal reaches only `weft up`,
    // which then stops everything in order (sidecars drain before apps stop).
    const child = spawn(cmd!, args, { cwd: this.spec.cwd, env: { ...process.env, ...this.spec.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.child = child;
    const pipe = (stream: NodeJS.ReadableStream | null) => {
      let buf = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (d: string) => {
        buf += d;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          this.line(buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
      });
      stream?.on('end', () => buf && this.line(buf));
    };
    pipe(child.stdout);
    pipe(child.stderr);
    child.on('error', (e) => this.line(`failed to start: ${e.message}`));
    child.on('exit', (code, signal) => {
      this.exitCode = code;
      if (this.stopping) return;
      this.exits++;
      this.lastExit = signal ?? `code ${code}`;
      const uptime = Date.now() - this.startedAt;
      if (uptime > BACKOFF.stableMs) this.restarts = 0;
      this.out(`[${this.spec.name}] exited (${signal ?? `code ${code}`}); last lines:\n${this.tail.map((l) => `[${this.spec.name}]   ${l}`).join('\n')}`);
      if (this.spec.restart === false) return;
      const delay = Math.min(BACKOFF.maxMs, BACKOFF.baseMs * 2 ** this.restarts++);
      this.out(`[${this.spec.name}] restarting in ${delay} ms`);
      this.timer = setTimeout(() => this.start(), delay);
    });
  }

  private line(l: string): void {
    this.tail.push(l);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
    this.out(`[${this.spec.name}] ${l}`);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs: number): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}
