// Extra tools for the proxy's HTTP data-path integration tests: raw-socket
// exchanges (for pipelining and malformed bytes that node:http refuses to
// send), a tiny response parser, stat lookups, raw upstream servers, and a
// bounded wait helper. Everything binds port 0 and waits on events.
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import type { RunningProxy } from './proxy-harness.js';

/** Rejects after `ms` with `what` in the message: the bound on every wait in these tests. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  const timeout = new Promise<never>((_, rej) => {
    t = setTimeout(() => rej(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}

/** Value of one counter or gauge from the admin /stats text, 0 when absent. */
export async function stat(px: RunningProxy, name: string): Promise<number> {
  const body = (await px.admin('/stats')).body;
  const esc = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`^${esc}: (\\d+)$`, 'm').exec(body);
  return m ? Number(m[1]) : 0;
}

export interface RawResponse {
  status: number;
  /** Header names lower-cased; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
  /** Trailers of a chunked body. */
  trailers: Record<string, string>;
  /** Raw bytes of the head, for exact checks. */
  head: string;
}

/**
 * Parses every complete response in `buf`. `methods[i]` is the method of the
 * i-th request (HEAD responses have no body). A response without framing
 * takes the rest of the buffer only when `closed` is true.
 */
export function parseResponses(buf: Buffer, methods: string[] = [], closed = true): RawResponse[] {
  const out: RawResponse[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const headEnd = buf.indexOf('\r\n\r\n', pos, 'latin1');
    if (headEnd < 0) break;
    const head = buf.subarray(pos, headEnd).toString('latin1');
    const lines = head.split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
    const headers: Record<string, string> = {};
    for (const l of lines.slice(1)) {
      const i = l.indexOf(':');
      const k = l.slice(0, i).trim().toLowerCase();
      const v = l.slice(i + 1).trim();
      headers[k] = headers[k] !== undefined ? `${headers[k]}, ${v}` : v;
    }
    let p = headEnd + 4;
    const method = methods[out.length] ?? 'GET';
    const bodyless = method === 'HEAD' || status < 200 || status === 204 || status === 304;
    let body: Buffer = Buffer.alloc(0);
    const trailers: Record<string, string> = {};
    if (status >= 100 && status < 200 && status !== 101) {
      // Interim response: record it and go on.
    } else if (bodyless) {
      // no body
    } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
      const parts: Buffer[] = [];
      let complete = false;
      for (;;) {
        const le = buf.indexOf('\r\n', p, 'latin1');
        if (le < 0) break;
        const size = parseInt(buf.subarray(p, le).toString('latin1'), 16);
        if (size === 0) {
          const te = buf.indexOf('\r\n\r\n', le, 'latin1');
          const te2 = buf.subarray(le, le + 4).toString('latin1') === '\r\n\r\n' ? le : te;
          if (te2 < 0) break;
          const tl = buf.subarray(le + 2, te2 + 2).toString('latin1').split('\r\n').filter(Boolean);
          for (const l of tl) {
            const i = l.indexOf(':');
            trailers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
          }
          p = te2 + 4;
          complete = true;
          break;
        }
        if (buf.length < le + 2 + size + 2) break;
        parts.push(buf.subarray(le + 2, le + 2 + size));
        p = le + 2 + size + 2;
      }
      if (!complete) break;
      body = Buffer.concat(parts);
    } else if (headers['content-length'] !== undefined) {
      const n = Number(headers['content-length']);
      if (buf.length < p + n) break;
      body = buf.subarray(p, p + n);
      p += n;
    } else {
      if (!closed) break;
      body = buf.subarray(p);
      p = buf.length;
    }
    out.push({ status, headers, body: Buffer.from(body), trailers, head });
    pos = p;
  }
  return out;
}

export interface RawConn {
  socket: net.Socket;
  /** Everything received so far. */
  received(): Buffer;
  /** Resolves once `pred(received)` holds (checked on every chunk and at close). */
  until(pred: (b: Buffer) => boolean, ms?: number): Promise<Buffer>;
  /** Resolves with everything received when the peer closes. */
  closed(ms?: number): Promise<Buffer>;
  write(b: string | Buffer): void;
  destroy(): void;
}

/** A raw TCP client, for bytes node:http would never send. */
export async function rawConnect(port: number): Promise<RawConn> {
  const socket = net.connect({ host: '127.0.0.1', port });
  await new Promise<void>((res, rej) => {
    socket.once('connect', res);
    socket.once('error', rej);
  });
  let buf: Buffer = Buffer.alloc(0);
  let isClosed = false;
  const waiters = new Set<() => void>();
  socket.on('data', (c: Buffer) => {
    buf = Buffer.concat([buf, c]);
    for (const w of [...waiters]) w();
  });
  socket.on('error', () => undefined);
  socket.on('close', () => {
    isClosed = true;
    for (const w of [...waiters]) w();
  });
  const until = (pred: (b: Buffer) => boolean, ms = 3000) =>
    within(new Promise<Buffer>((res, rej) => {
      const check = () => {
        if (pred(buf)) {
          waiters.delete(check);
          res(buf);
        } else if (isClosed) {
          waiters.delete(check);
          rej(new Error(`connection closed before the expected bytes arrived; got ${JSON.stringify(buf.toString('latin1').slice(0, 400))}`));
        }
      };
      waiters.add(check);
      check();
    }), ms, 'raw response bytes');
  return {
    socket,
    received: () => buf,
    until,
    closed: (ms = 3000) =>
      within(new Promise<Buffer>((res) => {
        const check = () => {
          if (isClosed) {
            waiters.delete(check);
            res(buf);
          }
        };
        waiters.add(check);
        check();
      }), ms, 'the proxy to close the connection'),
    write: (b) => socket.write(b),
    destroy: () => socket.destroy(),
  };
}

/** Sends `bytes` on a fresh connection and returns what came back until the proxy closed it. */
export async function rawRoundTrip(port: number, bytes: string | Buffer, ms = 3000): Promise<Buffer> {
  const c = await rawConnect(port);
  c.write(bytes);
  return c.closed(ms);
}

/** An upstream that counts its TCP connections (node:http server). */
export interface CountingUpstream {
  port: number;
  connections(): number;
  server: http.Server;
  close(): Promise<void>;
}

export async function startCountingUpstream(handler: http.RequestListener): Promise<CountingUpstream> {
  const server = http.createServer(handler);
  let n = 0;
  server.on('connection', () => n++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => n,
    server,
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

/** An h2c (prior knowledge) upstream that counts sessions and streams. */
export interface H2Upstream {
  port: number;
  sessions(): number;
  streams(): number;
  close(): Promise<void>;
}

export async function startH2Upstream(onStream: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void): Promise<H2Upstream> {
  const server = http2.createServer();
  let sessions = 0;
  let streams = 0;
  const open = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => {
    sessions++;
    open.add(s);
    s.on('close', () => open.delete(s));
  });
  server.on('stream', (stream, headers) => {
    streams++;
    onStream(stream, headers);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    sessions: () => sessions,
    streams: () => streams,
    close: () => new Promise((r) => {
      for (const s of open) s.destroy();
      server.close(() => r());
    }),
  };
}

/** YAML for an HTTP/2 (h2c) upstream, to pass as `staticCluster(..., extra)`. */
export const H2_UPSTREAM_OPTIONS = `    typed_extension_protocol_options:
      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
        explicit_http_config: { http2_protocol_options: {} }`;

/** A keep-alive agent with one socket, so requests share a connection. */
export function oneSocketAgent(): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: 1 });
}

/** Any JSON-shaped config object (proto3 JSON mapping, snake_case). */
export type Json = Record<string, unknown>;

/**
 * A bootstrap built from objects (JSON is YAML, so startProxy takes it):
 * one HTTP listener on port 0 whose connection manager gets `routeConfig`,
 * `hcm` extra fields and `httpFilters` before the router; admin on port 0.
 */
export function jsonBootstrap(o: { routeConfig: Json; clusters: Json[]; hcm?: Json; httpFilters?: Json[] }): string {
  return JSON.stringify({
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    static_resources: {
      listeners: [{
        name: 'listener_0',
        address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
        filter_chains: [{
          filters: [{
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
              stat_prefix: 'ingress_http',
              route_config: { name: 'local_route', ...o.routeConfig },
              http_filters: [...(o.httpFilters ?? []), { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
              ...o.hcm,
            },
          }],
        }],
      }],
      clusters: o.clusters,
    },
  });
}

/** A cluster object; `endpoints` are [port] or [port, weight] or {port, weight, priority, address}. */
export function jsonCluster(name: string, endpoints: (number | { port: number; weight?: number; priority?: number; address?: string })[], extra: Json = {}): Json {
  const byPriority = new Map<number, Json[]>();
  for (const e of endpoints) {
    const ep = typeof e === 'number' ? { port: e } : e;
    const p = ep.priority ?? 0;
    const list = byPriority.get(p) ?? [];
    list.push({
      endpoint: { address: { socket_address: { address: ep.address ?? '127.0.0.1', port_value: ep.port } } },
      ...(ep.weight !== undefined ? { load_balancing_weight: ep.weight } : {}),
    });
    byPriority.set(p, list);
  }
  return {
    name,
    connect_timeout: '1s',
    type: 'STATIC',
    load_assignment: { cluster_name: name, endpoints: [...byPriority].map(([priority, lb_endpoints]) => ({ ...(priority ? { priority } : {}), lb_endpoints })) },
    ...extra,
  };
}

/** A route to a cluster, for jsonBootstrap route lists. */
export function toCluster(match: Json, cluster: string, extra: Json = {}): Json {
  return { match, route: { cluster, ...extra } };
}

/** A route answering `body` directly (status 200), naming which route matched. */
export function answer(match: Json, body: string, status = 200): Json {
  return { match, direct_response: { status, body: { inline_string: body } } };
}

/** Named HTTP/1.1 upstreams: each answers its own name (body and x-upstream) and records what it received. */
export interface NamedUpstreams {
  ports: Record<string, number>;
  seen: Record<string, { url: string; headers: http.IncomingHttpHeaders }[]>;
  close(): Promise<void>;
}

export async function startNamedUpstreams(names: string[], extraHeaders: Record<string, string> = {}): Promise<NamedUpstreams> {
  const ports: Record<string, number> = {};
  const seen: NamedUpstreams['seen'] = {};
  const servers: http.Server[] = [];
  for (const name of names) {
    seen[name] = [];
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        seen[name]!.push({ url: req.url ?? '', headers: req.headers });
        for (const [k, v] of Object.entries(extraHeaders)) res.setHeader(k, v);
        res.setHeader('x-upstream', name);
        res.end(name);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    ports[name] = (server.address() as net.AddressInfo).port;
    servers.push(server);
  }
  return {
    ports,
    seen,
    close: async () => {
      await Promise.all(servers.map((s) => new Promise<void>((r) => {
        s.closeAllConnections();
        s.close(() => r());
      })));
    },
  };
}

/** Runs `n` GETs with at most `concurrency` in flight on keep-alive connections; returns each response's body. */
export async function manyRequests(port: number, n: number, opts: { path?: (i: number) => string; headers?: (i: number) => http.OutgoingHttpHeaders; concurrency?: number; localAddress?: (i: number) => string } = {}): Promise<string[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency ?? 8 });
  const out: string[] = new Array(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      out[i] = await new Promise<string>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, path: opts.path?.(i) ?? '/', headers: opts.headers?.(i), agent: opts.localAddress ? false : agent, ...(opts.localAddress ? { localAddress: opts.localAddress(i) } : {}) }, (res) => {
          let b = '';
          res.on('data', (c: Buffer) => (b += c.toString()));
          res.on('end', () => resolve(b));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end();
      });
    }
  };
  try {
    await within(Promise.all(Array.from({ length: opts.concurrency ?? 8 }, worker)), 15000, `${n} requests`);
  } finally {
    agent.destroy();
  }
  return out;
}

/** Counts occurrences of each string. */
export function tally(xs: string[]): Record<string, number> {
  const t: Record<string, number> = {};
  for (const x of xs) t[x] = (t[x] ?? 0) + 1;
  return t;
}
