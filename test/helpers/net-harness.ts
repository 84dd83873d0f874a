// Raw-socket helpers for integration tests of listeners and tcp_proxy:
// upstreams that record bytes, clients that collect everything until the
// proxy closes, and a bounded poll for things that happen asynchronously
// (access log files, stats) — never a fixed sleep.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** One connection seen by a TCP upstream. */
export interface UpstreamConnection {
  socket: net.Socket;
  /** Everything received so far. */
  data: Buffer;
  /** True once the peer half-closed (FIN). */
  ended: boolean;
}

export interface TcpUpstream {
  port: number;
  connections: UpstreamConnection[];
  /** Resolves with the n-th connection (0-based) once it has received at least `minBytes`. */
  connection(n: number, minBytes?: number, timeoutMs?: number): Promise<UpstreamConnection>;
  close(): Promise<void>;
}

/**
 * A TCP upstream. `mode` 'echo' writes every chunk back and closes after the
 * peer's FIN; 'record' only records and keeps its side open after the peer's
 * FIN (half-open), so tests can see half-close pass through the proxy.
 */
export async function startTcpUpstream(mode: 'echo' | 'record' = 'echo', onConnection?: (c: UpstreamConnection) => void): Promise<TcpUpstream> {
  const connections: UpstreamConnection[] = [];
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of [...waiters]) w();
  };
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    const c: UpstreamConnection = { socket, data: Buffer.alloc(0), ended: false };
    connections.push(c);
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      c.data = Buffer.concat([c.data, chunk]);
      if (mode === 'echo') socket.write(chunk);
      notify();
    });
    socket.on('end', () => {
      c.ended = true;
      if (mode === 'echo') socket.end();
      notify();
    });
    onConnection?.(c);
    notify();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections,
    connection: (n, minBytes = 1, timeoutMs = 3000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const c = connections[n];
          if (c && c.data.length >= minBytes) {
            waiters.delete(check);
            clearTimeout(t);
            resolve(c);
          }
        };
        const t = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`upstream: no connection #${n} with ${minBytes} bytes within ${timeoutMs} ms (have ${connections.length})`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    close: () =>
      new Promise((r) => {
        for (const c of connections) c.socket.destroy();
        server.close(() => r());
      }),
  };
}

export interface ClientResult {
  data: Buffer;
  /** True when the proxy sent FIN (rather than only a reset). */
  gotEnd: boolean;
  error?: NodeJS.ErrnoException;
}

/** Sends `msg` to an echo path, waits for it to come back, then closes; returns what came back. */
export async function echoOnce(port: number, msg: string): Promise<Buffer> {
  const c = await tcpConnect(port);
  c.socket.write(msg);
  const got = await c.waitFor(msg);
  c.socket.end();
  await c.closed;
  return got;
}

/** Connects, writes `send` (then FIN when `end`), and collects everything until the socket closes. */
export function tcpExchange(port: number, send: string | Buffer, o: { end?: boolean; timeoutMs?: number } = {}): Promise<ClientResult> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    const chunks: Buffer[] = [];
    let gotEnd = false;
    let error: NodeJS.ErrnoException | undefined;
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error(`tcpExchange: socket still open after ${o.timeoutMs ?? 3000} ms; got ${JSON.stringify(Buffer.concat(chunks).toString())}`));
    }, o.timeoutMs ?? 3000);
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => {
      gotEnd = true;
      s.end();
    });
    s.on('error', (e) => (error = e));
    s.on('close', () => {
      clearTimeout(t);
      resolve({ data: Buffer.concat(chunks), gotEnd, ...(error ? { error } : {}) });
    });
    s.write(send);
    if (o.end) s.end();
  });
}

/** An open client socket with helpers to wait for bytes and for close. */
export interface TcpClient {
  socket: net.Socket;
  received(): Buffer;
  /** Resolves once the received bytes contain `needle`. */
  waitFor(needle: string, timeoutMs?: number): Promise<Buffer>;
  /** Resolves when the peer sends FIN (the client keeps its side open: half-close tests). */
  ended: Promise<void>;
  /** Resolves when the socket closes (by either side). */
  closed: Promise<{ gotEnd: boolean; error?: NodeJS.ErrnoException }>;
}

export function tcpConnect(port: number): Promise<TcpClient> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    let buf = Buffer.alloc(0);
    let gotEnd = false;
    let error: NodeJS.ErrnoException | undefined;
    const waiters = new Set<() => void>();
    s.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      for (const w of [...waiters]) w();
    });
    const ended = new Promise<void>((r) => s.on('end', () => {
      gotEnd = true;
      r();
    }));
    const closed = new Promise<{ gotEnd: boolean; error?: NodeJS.ErrnoException }>((r) => s.on('close', () => {
      for (const w of [...waiters]) w();
      r({ gotEnd, ...(error ? { error } : {}) });
    }));
    s.once('connect', () => {
      s.removeListener('error', reject);
      s.on('error', (e) => (error = e));
      resolve({
        socket: s,
        received: () => buf,
        ended,
        closed,
        waitFor: (needle, timeoutMs = 3000) =>
          new Promise((res, rej) => {
            const check = () => {
              if (buf.includes(needle)) {
                waiters.delete(check);
                clearTimeout(t);
                res(buf);
              } else if (s.destroyed) {
                waiters.delete(check);
                clearTimeout(t);
                rej(new Error(`socket closed before ${JSON.stringify(needle)}; got ${JSON.stringify(buf.toString())}`));
              }
            };
            const t = setTimeout(() => {
              waiters.delete(check);
              rej(new Error(`no ${JSON.stringify(needle)} within ${timeoutMs} ms; got ${JSON.stringify(buf.toString())}`));
            }, timeoutMs);
            waiters.add(check);
            check();
          }),
      });
    });
    s.once('error', reject);
  });
}

/** Resolves with the connect error code ('ECONNREFUSED', …) or 'connected'. */
export function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

/** Whether a port on 127.0.0.1 can be bound right now. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/**
 * Polls `fn` until it returns a value other than undefined/false, at most
 * `timeoutMs`. For state that changes without an event the test can hold
 * (files written by another process, counters).
 */
export async function waitUntil<T>(fn: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, delay));
  }
}

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = 'weft-test-'): { dir: string; file(name: string, content?: string): string; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return {
    dir,
    file: (name, content) => {
      const p = path.join(dir, name);
      if (content !== undefined) fs.writeFileSync(p, content);
      return p;
    },
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** Non-empty lines of a file ('' when it does not exist yet). */
export function fileLines(file: string): string[] {
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter((l) => l.length > 0);
}
