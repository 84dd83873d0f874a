// The discovery services (ADS and the per-type ones, SotW and delta) served
// on node:http2 directly, with gRPC's framing written here, while grpc-js
// keeps the port's connections (keepalive, connection age, HDS and anything
// else registered on it). grpc-js copies every message it sends into a new
// frame buffer and runs each through its interceptor path; a push to
// thousands of proxies is the same response written thousands of times, so
// here a response is framed once and the same Buffer is handed to every
// stream (node:http2 sends it without copying).
//
// How the port is shared: the listening socket is ours (net.Server); each
// connection is handed to grpc-js with its public connection injector. The
// http2 server grpc-js made for the injector is found in its server map (a
// private field: when it is missing, grpc-js serves everything, as before),
// and its 'stream' listeners are wrapped so streams on a discovery path are
// taken here and every other stream goes to grpc-js unchanged.
import http2 from 'node:http2';
import net from 'node:net';
import type * as grpc from '@grpc/grpc-js';
import { framed, frameHeader, GrpcMessageReader } from './grpc-frames.js';
import type { StreamTransport } from './stream-host.js';

/** gRPC status codes used here. */
const GRPC_OK = 0;
const GRPC_INTERNAL = 13;
const GRPC_UNIMPLEMENTED = 12;
const GRPC_RESOURCE_EXHAUSTED = 8;

/** What the owner does with a stream it took: messages in, end and close. */
export interface TakenStream {
  /** One request message (decoded by `decode`). Throwing ends the stream with INTERNAL. */
  message(req: unknown): void;
  /** The client half-closed. */
  end(): void;
  /** The stream is gone (reset, connection lost, or ended by us). */
  gone(): void;
  /** Bytes that are not a request ended the stream with `code` (counted and logged by the owner). */
  rejected(code: number, reason: string): void;
}

/** A discovery method served here: its request decoder and what to do with a new stream. */
export interface TakenMethod {
  /** Decodes a request; `b` is only valid during the call (pooled), so the result must not keep views of it. */
  decode(b: Buffer): unknown;
  open(transport: StreamTransport): TakenStream;
}

const peers = new WeakMap<http2.Http2Session, string>();
function peerOf(session: http2.Http2Session | undefined): string {
  if (!session) return 'unknown';
  let p = peers.get(session);
  if (p === undefined) {
    const s = session.socket;
    const addr = s?.remoteAddress ?? 'unknown';
    p = net.isIPv6(addr) ? `[${addr}]:${s?.remotePort}` : `${addr}:${s?.remotePort}`;
    peers.set(session, p);
  }
  return p;
}

/** Serves one gRPC bidi stream: reads length-prefixed messages, writes framed responses, ends with trailers. */
function serve(stream: http2.ServerHttp2Stream, method: TakenMethod, maxReceive: number): void {
  let status = GRPC_OK;
  let message = '';
  let finished = false;
  let goneCalled = false;
  stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-accept-encoding': 'identity' }, { waitForTrailers: true });
  stream.on('wantTrailers', () => {
    const t: http2.OutgoingHttpHeaders = { 'grpc-status': String(status) };
    if (message) t['grpc-message'] = encodeURIComponent(message);
    stream.sendTrailers(t);
  });
  const finish = (code: number, msg: string): void => {
    if (finished) return;
    finished = true;
    status = code;
    message = msg;
    if (!stream.destroyed) stream.end();
  };
  const transport: StreamTransport = {
    write(bytes, done) {
      if (finished || stream.destroyed) return;
      const f = framed(bytes);
      if (f) stream.write(f, () => done());
      else {
        stream.write(frameHeader(bytes.length));
        stream.write(bytes, () => done());
      }
    },
    end: () => finish(GRPC_OK, ''),
    // Ended by the server for a protocol violation: the stream is gone for the owner now, as with grpc-js.
    fail: (code, msg) => {
      finish(code, msg);
      gone();
    },
    get peer() {
      return peerOf(stream.session);
    },
  };
  const taken = method.open(transport);
  function gone(): void {
    if (goneCalled) return;
    goneCalled = true;
    taken.gone();
  }
  const failed = (code: number, msg: string): void => {
    taken.rejected(code, msg);
    finish(code, msg);
    gone();
  };

  const reader = new GrpcMessageReader(maxReceive, (body) => {
    let req: unknown;
    try {
      req = method.decode(body);
    } catch (e) {
      reader.stop();
      failed(GRPC_INTERNAL, `Error deserializing request: ${(e as Error).message}`);
      return;
    }
    taken.message(req);
    if (finished) reader.stop();
  }, (reason, len) => {
    if (reason === 'compressed') failed(GRPC_UNIMPLEMENTED, 'compressed messages are not supported on this port (grpc-encoding identity only)');
    else failed(GRPC_RESOURCE_EXHAUSTED, `received message larger than max (${len} vs. ${maxReceive})`);
  });
  stream.on('data', (chunk: Buffer) => {
    if (!finished) reader.push(chunk);
  });
  stream.on('end', () => {
    if (!finished) taken.end();
  });
  stream.on('error', () => {});
  stream.on('close', () => {
    reader.stop();
    gone();
  });
}

/** The listening socket of listenShared. */
export interface SharedListener {
  port: number;
  /** Stops accepting; resolves once every connection is gone. */
  close(): Promise<void>;
  /** Destroys connections still open (after grpc-js's shutdown). */
  destroySockets(): void;
}

/**
 * Listens on `address` ("host:port") and hands connections to `server`
 * (grpc-js) through its connection injector, taking the streams whose path
 * `methods` has. Returns the port, and a close function for the listener.
 * Returns undefined when the address is not host:port or grpc-js does not
 * expose what this needs; the caller then binds grpc-js itself.
 */
export async function listenShared(
  server: grpc.Server, address: string, credentials: grpc.ServerCredentials,
  methods: ReadonlyMap<string, TakenMethod>, maxReceive: number,
): Promise<SharedListener | undefined> {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(address);
  if (!m) return undefined;
  const host = m[1] ?? m[2] ?? '';
  const privateMap = (server as unknown as { http2Servers?: Map<http2.Http2Server, unknown> }).http2Servers;
  if (!(privateMap instanceof Map) || typeof server.createConnectionInjector !== 'function') return undefined;
  const before = new Set(privateMap.keys());
  const injector = server.createConnectionInjector(credentials);
  const h2 = [...privateMap.keys()].find((s) => !before.has(s));
  if (!h2) {
    injector.destroy();
    return undefined;
  }
  const grpcListeners = h2.listeners('stream') as ((...args: unknown[]) => void)[];
  h2.removeAllListeners('stream');
  h2.on('stream', (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, ...rest: unknown[]) => {
    const path = headers[':path'];
    const method = typeof path === 'string' ? methods.get(path) : undefined;
    const ct = headers['content-type'];
    if (method && headers[':method'] === 'POST' && typeof ct === 'string' && ct.startsWith('application/grpc')) {
      serve(stream, method, maxReceive);
      return;
    }
    for (const l of grpcListeners) l.call(h2, stream, headers, ...rest);
  });
  const sockets = new Set<net.Socket>();
  const listener = net.createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    injector.injectConnection(socket);
  });
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen({ host: host || undefined, port: Number(m[3]), backlog: 4096 }, () => {
      listener.off('error', reject);
      resolve();
    });
  });
  return {
    port: (listener.address() as net.AddressInfo).port,
    // Stops accepting; resolves once every connection is gone (grpc-js closes them on shutdown).
    close: () => new Promise<void>((resolve) => listener.close(() => resolve())),
    destroySockets: () => {
      for (const s of sockets) s.destroy();
    },
  };
}
