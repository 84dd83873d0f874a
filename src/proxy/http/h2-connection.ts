// Downstream HTTP/2 (h2c prior knowledge, or h2 after TLS ALPN) over
// node:http2: each stream becomes an HttpStream with an H2Sink.
import http2 from 'node:http2';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import { HeaderMap } from './headers.js';
import type { ConnectionInfo, DownstreamSink, HttpProtocol } from './downstream.js';
import type { ConnectionManager, HttpStream } from './stream.js';
import { DEFAULT_CONNECTION_LIMITS, tooManyPrematureResets, type ConnectionLimits } from './connection-limits.js';
import type { Counter } from '../../stats/index.js';
import { dropForbiddenTrailers } from './trailers.js';

const FORBIDDEN = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host']);
const EMPTY = Buffer.alloc(0);
const CONN_INFO = Symbol('weft.connectionInfo');
const STATE = Symbol('weft.h2SessionState');
/** After GOAWAY for too many premature resets, how long streams still open may finish. */
const PREMATURE_RESET_CLOSE_GRACE_MS = 1000;
/** One function for every stream's 'error' (errors end in 'close', handled there): no closure per stream. */
const IGNORE = (): void => undefined;

/** A stream whose HEADERS arrived; it starts on the next event-loop turn. */
interface PendingStream {
  readonly session: http2.ServerHttp2Session;
  readonly stream: http2.ServerHttp2Stream;
  readonly headers: http2.IncomingHttpHeaders;
  readonly started: number;
  /** Trailers that arrived before the stream started. */
  trailers: http2.IncomingHttpHeaders | undefined;
  sink: H2Sink | undefined;
  /** Its close was counted (premature-reset bookkeeping runs once). */
  counted: boolean;
  /** The HttpStream once started: a close before it is done is a downstream reset. */
  http: HttpStream | undefined;
}

/** Per-session bookkeeping: idle time, premature resets, streams waiting to start. */
class SessionState {
  /** Streams whose HEADERS arrived and that have not closed. */
  active = 0;
  idleSince: number;
  idleTimer: { cancel(): void } | undefined;
  /** Streams closed so far, and those of them reset before any response within the minimum lifetime. */
  closedStreams = 0;
  prematureResets = 0;
  readonly queue: PendingStream[] = [];
  scheduled = false;
  /** GOAWAY sent for too many premature resets. */
  goneAway = false;
  constructor(now: number) {
    this.idleSince = now;
  }
}

/** One http2 "server" object per connection manager; sockets are handed to it. */
export class H2Server {
  private readonly server: http2.Http2Server;
  private readonly sessions = new Set<http2.ServerHttp2Session>();

  /** Info of the connection being handed over; 'session' fires synchronously inside handle(). */
  private handing: ConnectionInfo | undefined;

  /** http.<prefix>.downstream_rq_too_many_premature_resets (Envoy's name). */
  private readonly tooManyPrematureResets: Counter;

  constructor(private readonly hcm: ConnectionManager, private readonly limits: ConnectionLimits = DEFAULT_CONNECTION_LIMITS) {
    const cfg = hcm.config;
    this.tooManyPrematureResets = hcm.ctx.stats.counter(`http.${cfg.statPrefix}.downstream_rq_too_many_premature_resets`);
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
      const state = new SessionState(hcm.clock.now());
      (session as unknown as { [STATE]: SessionState })[STATE] = state;
      session.on('error', IGNORE);
      session.once('close', () => {
        this.sessions.delete(session);
        state.idleTimer?.cancel();
        state.idleTimer = undefined;
        st.downstreamCxActive.dec();
        st.downstreamCxHttp2Active.dec();
        st.downstreamCxDestroy.inc();
      });
      // Idle: no stream for idle_timeout (Envoy's meaning), on the injected
      // clock. Not node's session.setTimeout: its timer outlives a destroyed
      // session and keeps it in memory for the whole timeout.
      if (cfg.idleTimeoutMs > 0) this.armIdle(session, state, cfg.idleTimeoutMs);
      // Per session, not the server's 'stream': a stream reset in the same
      // read as its HEADERS is already detached from its session when emitted.
      session.on('stream', (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => this.onHeaders(session, state, stream, headers));
    });
  }

  private armIdle(session: http2.ServerHttp2Session, state: SessionState, ms: number): void {
    const clock = this.hcm.clock;
    const fire = () => {
      state.idleTimer = undefined;
      if (session.destroyed || session.closed) return;
      const idle = state.active > 0 ? 0 : clock.now() - state.idleSince;
      if (idle < ms) {
        state.idleTimer = clock.setTimer(ms - idle, fire);
        return;
      }
      this.hcm.stats.downstreamCxIdleTimeout.inc();
      session.close();
    };
    state.idleTimer = clock.setTimer(ms, fire);
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

  /**
   * HEADERS of a new stream arrived. The stream starts (filters, router,
   * upstream) on the next event-loop turn, at most max_requests_per_io_cycle
   * per turn: a stream reset in the same read as its HEADERS (rapid reset)
   * never costs an upstream request. Every stream that closes without a
   * response within the minimum lifetime counts as a premature reset, whoever
   * reset it (CVE-2023-44487 and, for server-side resets provoked by
   * malformed frames, CVE-2025-8671).
   */
  private onHeaders(session: http2.ServerHttp2Session, state: SessionState, stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
    const p: PendingStream = { session, stream, headers, started: this.hcm.clock.now(), trailers: undefined, sink: undefined, counted: false, http: undefined };
    state.active++;
    stream.on('error', IGNORE);
    // One 'close' listener per stream ('on', not 'once': close fires once, and once() allocates a wrapper).
    stream.on('close', () => {
      this.onStreamClosed(session, state, p);
      const s = p.http;
      if (s && s.state !== 'done') s.onDownstreamReset();
    });
    if (stream.destroyed) {
      // Reset before it was even announced: its 'close' may already be past.
      setImmediate(() => this.onStreamClosed(session, state, p));
      return;
    }
    // A request that ended with its HEADERS has no body or trailers to wait for.
    if (!stream.endAfterHeaders) {
      stream.on('trailers', (t: http2.IncomingHttpHeaders) => {
        if (!p.sink) p.trailers = t;
      });
    }
    state.queue.push(p);
    if (!state.scheduled) {
      state.scheduled = true;
      setImmediate(() => this.startQueued(session, state));
    }
  }

  private startQueued(session: http2.Http2Session, state: SessionState): void {
    state.scheduled = false;
    const max = this.limits.maxRequestsPerIoCycle;
    let budget = max > 0 ? max : Infinity;
    while (state.queue.length && budget > 0) {
      const p = state.queue.shift()!;
      if (session.destroyed || p.stream.destroyed || p.stream.closed) continue;
      budget--;
      this.onStream(p);
    }
    if (state.queue.length && !session.destroyed) {
      state.scheduled = true;
      setImmediate(() => this.startQueued(session, state));
    }
  }

  private onStreamClosed(session: http2.Http2Session, state: SessionState, p: PendingStream): void {
    if (p.counted) return;
    p.counted = true;
    state.active--;
    const now = this.hcm.clock.now();
    if (state.active === 0) state.idleSince = now;
    state.closedStreams++;
    if (!p.sink?.headersSent && now - p.started <= this.limits.prematureResetMinStreamLifetimeMs) state.prematureResets++;
    if (!state.goneAway && !session.destroyed && tooManyPrematureResets(this.limits, state.closedStreams, state.prematureResets)) {
      state.goneAway = true;
      this.tooManyPrematureResets.inc();
      state.queue.length = 0;
      // GOAWAY (ENHANCE_YOUR_CALM), then the connection closes.
      // GOAWAY (ENHANCE_YOUR_CALM) goes out first; streams still open are not
      // waited for beyond a short grace.
      session.goaway(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
      session.close();
      this.hcm.clock.setTimer(PREMATURE_RESET_CLOSE_GRACE_MS, () => {
        if (!session.destroyed) session.destroy();
      });
    }
  }

  private onStream(p: PendingStream): void {
    const { stream, headers } = p;
    const sock = p.session.socket as net.Socket | undefined;
    const info = (p.session as unknown as { [CONN_INFO]?: ConnectionInfo })[CONN_INFO] ?? {
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
    p.sink = sink;
    const s = this.hcm.newStream(info, sink, method, path, authority, scheme, map);
    sink.stream = s;
    p.http = s;
    const ended = stream.endAfterHeaders;
    if (ended) {
      // No body, no trailers: no listeners for them. Flowing all the same: node:http2
      // resets (RST_STREAM NO_ERROR) a server stream whose request side was never read.
      s.requestComplete = true;
      stream.resume();
      s.start();
      return;
    }
    stream.on('data', (chunk: Buffer) => s.onRequestData(chunk, false));
    const onTrailers = (t: http2.IncomingHttpHeaders) => {
      const tm = new HeaderMap();
      for (const k in t) {
        const v = t[k];
        if (Array.isArray(v)) for (const x of v) tm.add(k, x);
        else if (v !== undefined) tm.add(k, v);
      }
      sink.gotTrailers = true;
      dropForbiddenTrailers(tm);
      s.onRequestTrailers(tm);
    };
    // Trailers that arrived before the start are delivered after the body (at 'end').
    const early = p.trailers;
    if (!early) stream.on('trailers', onTrailers);
    stream.on('end', () => {
      if (early) onTrailers(early);
      else if (!sink.gotTrailers && !ended) s.onRequestData(EMPTY, true);
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

  /** Listens for 'drain' only once a write was refused: most responses never wait. */
  private drainArmed = false;

  constructor(private readonly h2: http2.ServerHttp2Stream) {}

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
    const ok = h2.write(chunk);
    if (!ok && !this.drainArmed) {
      this.drainArmed = true;
      h2.on('drain', () => this.onDrain?.());
    }
    return ok;
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
