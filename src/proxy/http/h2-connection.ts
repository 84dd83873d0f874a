// Downstream HTTP/2 (h2c prior knowledge, or h2 after TLS ALPN) over
// node:http2: each stream becomes an HttpStream with an H2Sink.
import http2 from 'node:http2';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import { HeaderMap } from './headers.js';
import type { ConnectionInfo, DownstreamSink, HttpProtocol } from './downstream.js';
import type { HcmRuntime } from './hcm-runtime.js';
import type { HttpStream } from './stream.js';
import { DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from './connection-limits.js';
import { dropForbiddenTrailers } from './trailers.js';

const FORBIDDEN = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host']);
const EMPTY = Buffer.alloc(0);
const CONN_INFO = Symbol('weft.connectionInfo');

/** One http2 "server" object per connection manager; sockets are handed to it. */
export class H2Server {
  private readonly server: http2.Http2Server;
  private readonly sessions = new Set<http2.ServerHttp2Session>();

  /** Info of the connection being handed over; 'session' fires synchronously inside handle(). */
  private handing: ConnectionInfo | undefined;

  constructor(private readonly hcm: HcmRuntime, private readonly limits: ConnectionLimits = DEFAULT_CONNECTION_LIMITS) {
    const cfg = hcm.config;
    this.server = http2.createServer({
      settings: { maxConcurrentStreams: Math.min(cfg.http2MaxConcurrentStreams, 2 ** 31 - 1) },
      maxHeaderListPairs: cfg.maxHeadersCount + 8,
      maxSessionMemory: 64,
    });
    this.server.on('session', (session: http2.ServerHttp2Session) => {
      const st = hcm.stats;
      st.downstreamCxTotal.inc();
      st.downstreamCxActive.inc();
      st.downstreamCxHttp2Total.inc();
      st.downstreamCxHttp2Active.inc();
      this.sessions.add(session);
      if (this.handing) (session as unknown as { [CONN_INFO]?: ConnectionInfo })[CONN_INFO] = this.handing;
      session.on('error', () => undefined);
      session.once('close', () => {
        this.sessions.delete(session);
        st.downstreamCxActive.dec();
        st.downstreamCxHttp2Active.dec();
        st.downstreamCxDestroy.inc();
      });
      if (cfg.idleTimeoutMs > 0) session.setTimeout(cfg.idleTimeoutMs, () => {
        st.downstreamCxIdleTimeout.inc();
        session.close();
      });
    });
    this.server.on('stream', (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => this.onStream(stream, headers));
  }

  /** Hands over an accepted connection (a socket, or a Duplex replaying peeked bytes). */
  handle(socket: net.Socket | Duplex, info: ConnectionInfo): void {
    this.handing = info;
    try {
      this.server.emit('connection', socket);
    } finally {
      this.handing = undefined;
    }
  }

  private onStream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
    const sock = stream.session?.socket as net.Socket | undefined;
    const info = (stream.session as unknown as { [CONN_INFO]?: ConnectionInfo } | undefined)?.[CONN_INFO] ?? {
      id: 0, remoteAddress: sock?.remoteAddress ?? '', remotePort: sock?.remotePort ?? 0,
      localAddress: sock?.localAddress ?? '', localPort: sock?.localPort ?? 0, scheme: 'http' as const,
    };
    const map = new HeaderMap();
    let method = '';
    let path = '';
    let authority = '';
    let scheme: string = info.scheme;
    for (const k in headers) {
      const v = headers[k];
      if (v === undefined) continue;
      if (k.charCodeAt(0) === 58) {
        if (k === ':method') method = String(v);
        else if (k === ':path') path = String(v);
        else if (k === ':authority') authority = String(v);
        else if (k === ':scheme') scheme = String(v);
        continue;
      }
      if (Array.isArray(v)) for (const x of v) map.add(k, x);
      else map.add(k, v);
    }
    if (!authority) authority = map.get('host') ?? '';
    map.remove('host');
    const sink = new H2Sink(stream);
    const s = this.hcm.newStream(info, sink, method, path, authority, scheme, map);
    sink.stream = s;
    const ended = stream.endAfterHeaders;
    if (ended) s.requestComplete = true;
    stream.on('data', (chunk: Buffer) => s.onRequestData(chunk, false));
    stream.on('trailers', (t: http2.IncomingHttpHeaders) => {
      const tm = new HeaderMap();
      for (const k in t) {
        const v = t[k];
        if (Array.isArray(v)) for (const x of v) tm.add(k, x);
        else if (v !== undefined) tm.add(k, v);
      }
      sink.gotTrailers = true;
      dropForbiddenTrailers(tm);
      s.onRequestTrailers(tm);
    });
    stream.on('end', () => {
      if (!sink.gotTrailers && !ended) s.onRequestData(EMPTY, true);
    });
    stream.on('error', () => undefined);
    stream.on('close', () => {
      if (s.state !== 'done') s.onDownstreamReset();
    });
    s.start();
  }

  /** GOAWAY to every session: in-flight streams finish, no new ones. */
  drain(): void {
    for (const s of this.sessions) {
      this.hcm.stats.downstreamCxDrainClose.inc();
      s.close();
    }
  }
}

class H2Sink implements DownstreamSink {
  readonly protocol: HttpProtocol = 'HTTP/2';
  onDrain: (() => void) | undefined;
  headersSent = false;
  stream: HttpStream | undefined;
  gotTrailers = false;
  private waitTrailers = false;
  private trailers: HeaderMap | undefined;

  constructor(private readonly h2: http2.ServerHttp2Stream) {
    h2.on('drain', () => this.onDrain?.());
  }

  writeHeaders(status: number, headers: HeaderMap, end: boolean): void {
    const h2 = this.h2;
    if (h2.destroyed || h2.closed) return;
    this.headersSent = true;
    const out: http2.OutgoingHttpHeaders = { ':status': status };
    const names = headers.names;
    const values = headers.values;
    for (let i = 0; i < names.length; i++) {
      const n = names[i]!;
      if (FORBIDDEN.has(n)) continue;
      const cur = out[n];
      if (cur === undefined) out[n] = values[i]!;
      else if (Array.isArray(cur)) cur.push(values[i]!);
      else out[n] = [String(cur), values[i]!];
    }
    // Only responses that may carry trailers wait for them (gRPC, or announced by `trailer`).
    const ct = headers.get('content-type');
    this.waitTrailers = !end && ((ct !== undefined && ct.startsWith('application/grpc')) || headers.has('trailer'));
    try {
      h2.respond(out, { endStream: end, waitForTrailers: this.waitTrailers });
    } catch {
      h2.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
      return;
    }
    if (this.waitTrailers) {
      h2.once('wantTrailers', () => {
        const t = this.trailers;
        try {
          h2.sendTrailers(t ? sanitize(t) : {});
        } catch {
          h2.close();
        }
      });
    }
  }

  writeData(chunk: Buffer, end: boolean): boolean {
    const h2 = this.h2;
    if (h2.destroyed || h2.closed) return true;
    if (end) {
      h2.end(chunk);
      return true;
    }
    return h2.write(chunk);
  }

  writeTrailers(trailers: HeaderMap): void {
    const h2 = this.h2;
    if (h2.destroyed || h2.closed) return;
    this.trailers = trailers;
    if (!this.headersSent) return;
    if (!this.waitTrailers) {
      // The head did not announce trailers: end without them.
      h2.end();
      return;
    }
    h2.end();
  }

  reset(): void {
    if (!this.h2.destroyed) this.h2.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
  }

  pauseRequest(): void {
    this.h2.pause();
  }

  resumeRequest(): void {
    this.h2.resume();
  }
}

function sanitize(h: HeaderMap): http2.OutgoingHttpHeaders {
  const out: http2.OutgoingHttpHeaders = {};
  for (let i = 0; i < h.names.length; i++) {
    const n = h.names[i]!;
    if (FORBIDDEN.has(n) || n.charCodeAt(0) === 58) continue;
    const cur = out[n];
    if (cur === undefined) out[n] = h.values[i]!;
    else if (Array.isArray(cur)) cur.push(h.values[i]!);
    else out[n] = [String(cur), h.values[i]!];
  }
  return out;
}
