// Runs the real `weft` command (bin/weft.js → dist/) as a child process, for
// tests of the CLI, signals, /quitquitquit and stdout access logs. Ports are
// learned from the proxy's "LIVE" log line, so every listener can bind port 0.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { request } from './proxy-harness.js';

/** The repository's bin/weft.js (this file runs from dist/test/helpers/). */
export const WEFT_BIN = fileURLToPath(new URL('../../../bin/weft.js', import.meta.url));

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunResult extends Exit {
  stdout: string;
  stderr: string;
}

/** Runs `weft <args>` to completion (killed after `timeoutMs`). */
export function runWeft(args: string[], timeoutMs = 10_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WEFT_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`weft ${args.join(' ')} did not exit within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(t);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export interface ChildProxy {
  child: ChildProcess;
  adminPort: number;
  /** Bound port of a listener by name, from the LIVE line. */
  port(listener?: string): number;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout contains `needle` (bounded). */
  waitForStdout(needle: string | RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves when the process has exited. */
  exited: Promise<Exit>;
  admin(path: string, method?: string): Promise<{ status: number; body: string }>;
  /** SIGKILLs the process if it is still running (cleanup). */
  kill(): Promise<Exit>;
}

/** Starts `weft proxy -c <file> <extra>` and resolves once it logs that it is LIVE. */
export function spawnProxy(configFile: string, extra: string[] = [], timeoutMs = 10_000): Promise<ChildProxy> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WEFT_BIN, 'proxy', '-c', configFile, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const stdoutWaiters = new Set<() => void>();
    let done: Exit | undefined;
    const exited = new Promise<Exit>((r) => child.on('exit', (code, signal) => {
      done = { code, signal };
      for (const w of [...stdoutWaiters]) w();
      r(done);
    }));
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`weft proxy did not become LIVE within ${timeoutMs} ms\nstderr: ${stderr}`));
    }, timeoutMs);
    child.stdout!.on('data', (c: Buffer) => {
      stdout += c.toString();
      for (const w of [...stdoutWaiters]) w();
    });
    child.stderr!.on('data', (c: Buffer) => {
      stderr += c.toString();
      const m = /weft proxy LIVE: (.*?)(?:; admin on port (\d+))?\n/.exec(stderr);
      if (!m) return;
      clearTimeout(t);
      const ports = new Map<string, number>();
      for (const part of m[1]!.split(', ')) {
        const lm = /^(\S+) on .*:(\d+)$/.exec(part);
        if (lm) ports.set(lm[1]!, Number(lm[2]));
      }
      const adminPort = Number(m[2] ?? 0);
      child.stderr!.removeAllListeners('data');
      child.stderr!.on('data', (c2: Buffer) => (stderr += c2.toString()));
      resolve({
        child,
        adminPort,
        port: (name = 'listener_0') => {
          const p = ports.get(name);
          if (p === undefined) throw new Error(`no listener ${name} in LIVE line: ${m[0]}`);
          return p;
        },
        stdout: () => stdout,
        stderr: () => stderr,
        waitForStdout: (needle, ms = 3000) =>
          new Promise((res, rej) => {
            const check = () => {
              if (typeof needle === 'string' ? stdout.includes(needle) : needle.test(stdout)) {
                stdoutWaiters.delete(check);
                clearTimeout(wt);
                res(stdout);
              } else if (done) {
                stdoutWaiters.delete(check);
                clearTimeout(wt);
                rej(new Error(`process exited before stdout had ${String(needle)}; stdout: ${stdout}`));
              }
            };
            const wt = setTimeout(() => {
              stdoutWaiters.delete(check);
              rej(new Error(`no ${String(needle)} on stdout within ${ms} ms; stdout: ${JSON.stringify(stdout)}`));
            }, ms);
            stdoutWaiters.add(check);
            check();
          }),
        exited,
        admin: (path, method = 'GET') => request({ port: adminPort, path, method }).then((r) => ({ status: r.status, body: r.body.toString() })),
        kill: () => {
          if (!done) child.kill('SIGKILL');
          return exited;
        },
      });
    });
    child.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
    child.on('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`weft proxy exited (${code}) before it was LIVE\nstderr: ${stderr}`));
    });
  });
}

/** Rejects if `p` does not settle within `ms` (for awaiting a child's exit). */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
    p.then((v) => {
      clearTimeout(t);
      resolve(v);
    }, (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
}
