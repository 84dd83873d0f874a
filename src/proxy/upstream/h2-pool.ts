// HTTP/2 upstream connections (h2c, prior knowledge) over node:http2: one
// session per host, many streams on it, a new session when it goes away.
import http2 from 'node:http2';
import type net from 'node:net';
import tls from 'node:tls';
import type { UpstreamHost } from './host.js';
import type { PoolCluster } from './cluster-deps.js';
import { HeaderMap } from '../http/headers.js';
import type { ResetReason, UpstreamCallbacks, UpstreamConnectionInfo, UpstreamRequest, UpstreamRequestHead } from './types.js';
import { connectionInfo, connectUpstream } from './upstream-connect.js';
import { startH2Keepalive } from './h2-keepalive.js';

/** Connection-specific headers that HTTP/2 forbids (RFC 9113 §8.2.2). */
const H2_FORBIDDEN = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host', 'te']);

interface SessionState {
  /** Undefined until the connection (and, over TLS, the handshake) is done. */
  session: http2.ClientHttp2Session | undefined;
  ready: boolean;
  waiters: (() => void)[];
  streams: number;
  requestsServed: number;
  /** Why connecting failed, for the requests that waited on it. */
  failure?: { reason: ResetReason; detail: string; transportFailureReason?: string | undefined };
  info: UpstreamConnectionInfo;
}

export class H2Pool {
  /** Per host, one session per transport socket and SNI (see poolKey in h1-pool.ts). */
  private sessions = new Map<UpstreamHost, Map<string, SessionState>>();

  constructor(private readonly cluster: PoolCluster) {}

  private current(host: UpstreamHost, key: string): SessionState | undefined {
    return this.sessions.get(host)?.get(key);
  }

  private setCurrent(host: UpstreamHost, key: string, st: SessionState | undefined): void {
    let byKey = this.sessions.get(host);
    if (!st) {
      byKey?.delete(key);
      if (byKey?.size === 0) this.sessions.delete(host);
      return;
    }
    if (!byKey) this.sessions.set(host, (byKey = new Map()));
    byKey.set(key, st);
  }

  /** `serverName`: auto_sni's name for this request ('' for none). */
  newRequest(host: UpstreamHost, head: UpstreamRequestHead, cb: UpstreamCallbacks, serverName = ''): UpstreamRequest {
    const req = new H2UpstreamRequest(this.cluster, host, head, cb);
    const st = this.sessionFor(host, serverName);
    if (!st) {
      queueMicrotask(() => req.fail('overflow', 'upstream connection limit reached'));
      return req;
    }
    const key = sessionKey(host, serverName);
    st.streams++;
    req.onStreamEnd = () => {
      st.streams--;
      st.requestsServed++;
      const max = this.cluster.config.maxRequestsPerConnection;
      if (max > 0 && st.requestsServed >= max && st.streams === 0) {
        this.cluster.stats.upstreamCxMaxRequests.inc();
        this.retire(host, key, st);
      }
    };
    if (st.ready) req.start(st.session!, st.info);
    else st.waiters.push(() => (st.failure ? req.fail(st.failure.reason, st.failure.detail, st.failure.transportFailureReason) : req.start(st.session!, st.info)));
    return req;
  }

  private sessionFor(host: UpstreamHost, serverName: string): SessionState | undefined {
    const key = sessionKey(host, serverName);
    const cur = this.current(host, key);
    const max = this.cluster.config.maxRequestsPerConnection;
    if (cur && !(cur.session && (cur.session.closed || cur.session.destroyed)) && (max === 0 || cur.requestsServed + cur.streams < max)) return cur;
    if (cur) this.retire(host, key, cur);
    if (!this.cluster.resources.canCreateConnection()) {
      this.cluster.stats.upstreamCxOverflow.inc();
      return undefined;
    }
    return this.connect(host, serverName);
  }

  private retire(host: UpstreamHost, key: string, st: SessionState): void {
    if (this.current(host, key) === st) this.setCurrent(host, key, undefined);
    if (st.streams === 0 && st.session && !st.session.closed) st.session.close();
  }

  /**
   * Takes a socket already connected to `host` whose TLS handshake chose h2
   * by ALPN (auto_config) as the host's session.
   */
  adopt(host: UpstreamHost, serverName: string, socket: net.Socket): void {
    const key = sessionKey(host, serverName);
    const cur = this.current(host, key);
    if (cur) this.retire(host, key, cur);
    this.connect(host, serverName, socket);
  }

  private connect(host: UpstreamHost, serverName: string, adopted?: net.Socket): SessionState {
    const cluster = this.cluster;
    const stats = cluster.stats;
    const key = sessionKey(host, serverName);
    stats.upstreamCxTotal.inc();
    stats.upstreamCxHttp2Total.inc();
    stats.upstreamCxActive.inc();
    cluster.resources.connectionOpened();
    host.cxTotal++;
    host.cxActive++;
    const started = cluster.clock.now();
    const h2 = cluster.config.http2;
    const st: SessionState = { session: undefined, ready: false, waiters: [], streams: 0, requestsServed: 0, info: { localAddress: '' } };
    this.setCurrent(host, key, st);
    let closed = false;
    /** Accounting once, whether the session or the connect attempt ends. */
    const onClosed = () => {
      if (closed) return;
      closed = true;
      timer?.cancel();
      if (this.current(host, key) === st) this.setCurrent(host, key, undefined);
      stats.upstreamCxActive.dec();
      stats.upstreamCxDestroy.inc();
      cluster.resources.connectionClosed();
      host.cxActive--;
    };
    const fail = (reason: ResetReason, detail: string, transportFailureReason?: string) => {
      if (st.failure) return;
      if (!st.ready) {
        stats.upstreamCxConnectFail.inc();
        host.cxConnectFail++;
      }
      st.failure = { reason, detail, transportFailureReason };
      const w = st.waiters;
      st.waiters = [];
      st.ready = false;
      if (this.current(host, key) === st) this.setCurrent(host, key, undefined);
      if (st.session) st.session.destroy();
      else {
        sock?.destroy();
        onClosed();
      }
      for (const fn of w) fn();
    };
    const ready = (socket: net.Socket) => {
      timer?.cancel();
      st.info = connectionInfo(socket);
      const session = http2.connect(`${socket instanceof tls.TLSSocket ? 'https' : 'http'}://${host.key}`, {
        createConnection: () => socket,
        settings: {
          enablePush: false,
          ...(h2.initialStreamWindowSize ? { initialWindowSize: h2.initialStreamWindowSize } : {}),
        },
      });
      st.session = session;
      st.ready = true;
      stats.cxConnectMs.record(cluster.clock.now() - started);
      session.on('error', () => undefined);
      session.on('close', onClosed);
      session.on('goaway', () => {
        if (this.current(host, key) === st) this.setCurrent(host, key, undefined);
      });
      if (cluster.config.idleTimeoutMs > 0) session.setTimeout(cluster.config.idleTimeoutMs, () => {
        if (st.streams === 0) {
          stats.upstreamCxIdleTimeout.inc();
          this.retire(host, key, st);
        }
      });
      // connection_keepalive: a session whose PING goes unanswered is closed.
      if (h2.keepalive) {
        const stopKeepalive = startH2Keepalive(session, h2.keepalive, cluster.clock, Math.random, () => {
          stats.http2KeepaliveTimeout.inc();
          if (this.current(host, key) === st) this.setCurrent(host, key, undefined);
        });
        session.once('close', stopKeepalive);
      }
      const w = st.waiters;
      st.waiters = [];
      for (const fn of w) fn();
    };
    let timer: { cancel(): void } | undefined;
    let sock: net.Socket | undefined;
    if (adopted) ready(adopted);
    else {
      timer = cluster.clock.setTimer(cluster.config.connectTimeoutMs, () => {
        if (st.ready) return;
        stats.upstreamCxConnectTimeout.inc();
        fail('connection_timeout', 'connect timeout');
      });
      sock = connectUpstream(host, {
        transport: host.transport,
        ...(serverName ? { serverName } : {}),
        alpnFallback: ['h2'],
      }, {
        onConnected: ready,
        onFailed: (f) => fail('connection_failure', f.detail, f.transportFailureReason),
      });
    }
    return st;
  }

  /** Closes every session (cluster removed or proxy shutting down). */
  close(): void {
    for (const byKey of this.sessions.values()) for (const st of byKey.values()) st.session?.close();
    this.sessions.clear();
  }
}

/** The pool key of a host's session: its transport socket and SNI. */
function sessionKey(host: UpstreamHost, serverName: string): string {
  return `${host.transport.index}|${serverName}`;
}

class H2UpstreamRequest implements UpstreamRequest {
  private stream: http2.ClientHttp2Stream | undefined;
  private queued: { chunk?: Buffer; end: boolean; trailers?: HeaderMap }[] = [];
  private done = false;
  private gotHeaders = false;
  onStreamEnd: (() => void) | undefined;

  constructor(
    private readonly cluster: PoolCluster,
    private readonly host: UpstreamHost,
    private readonly head: UpstreamRequestHead,
    private readonly cb: UpstreamCallbacks,
  ) {}

  /** Called when the session is usable (or failed: then it is closed/destroyed). */
  start(session: http2.ClientHttp2Session, info: UpstreamConnectionInfo): void {
    if (this.done) {
      this.onStreamEnd?.();
      return;
    }
    if (session.destroyed || session.closed) {
      this.onStreamEnd?.();
      this.fail('connection_failure', 'connection failure');
      return;
    }
    const h = this.head;
    const out: http2.OutgoingHttpHeaders = {
      ':method': h.method,
      ':path': h.path,
      ':authority': h.authority,
      ':scheme': h.scheme,
    };
    const hm = h.headers;
    for (let i = 0; i < hm.names.length; i++) {
      const n = hm.names[i]!;
      if (H2_FORBIDDEN.has(n)) {
        if (n === 'te' && hm.values[i]!.toLowerCase() === 'trailers') out.te = 'trailers';
        continue;
      }
      const cur = out[n];
      if (cur === undefined) out[n] = hm.values[i]!;
      else if (Array.isArray(cur)) cur.push(hm.values[i]!);
      else out[n] = [String(cur), hm.values[i]!];
    }
    let stream: http2.ClientHttp2Stream;
    try {
      // Only gRPC (or an announced `trailer`) can end the request with trailers; otherwise let
      // node:http2 end the stream with the last DATA frame.
      const ct = hm.get('content-type');
      this.mayHaveTrailers = !h.end && h.noTrailers !== true && ((ct !== undefined && ct.startsWith('application/grpc')) || hm.has('trailer') || hm.get('te') === 'trailers');
      stream = session.request(out, { endStream: h.end, waitForTrailers: this.mayHaveTrailers });
    } catch (err) {
      this.onStreamEnd?.();
      this.fail('connection_failure', (err as Error).message);
      return;
    }
    this.stream = stream;
    this.cb.onPoolReady?.(info);
    stream.on('wantTrailers', () => {
      const t = this.pendingTrailers;
      // An empty HEADERS frame with END_STREAM ends a stream that waited for trailers.
      stream.sendTrailers(t ? t.toObject() : {});
    });
    stream.on('response', (headers, flags: number) => {
      const status = Number(headers[':status']);
      if (status >= 100 && status < 200) return;
      this.gotHeaders = true;
      const map = new HeaderMap();
      for (const [k, v] of Object.entries(headers)) {
        if (k.charCodeAt(0) === 58 /* : */) continue;
        if (Array.isArray(v)) for (const x of v) map.add(k, x);
        else if (v !== undefined) map.add(k, String(v));
      }
      const end = (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0;
      this.cb.onHeaders(status, map, end);
      if (end) this.finish();
    });
    stream.on('data', (chunk: Buffer) => {
      this.cluster.stats.upstreamCxRxBytesTotal.add(chunk.length);
      this.cb.onData(chunk, false);
    });
    stream.on('trailers', (trailers) => {
      const map = new HeaderMap();
      for (const [k, v] of Object.entries(trailers)) {
        if (Array.isArray(v)) for (const x of v) map.add(k, x);
        else if (v !== undefined) map.add(k, String(v));
      }
      this.trailersSeen = true;
      this.cb.onTrailers(map);
      this.finish();
    });
    stream.on('end', () => {
      if (this.done || !this.gotHeaders) return;
      if (!this.trailersSeen) {
        this.cb.onData(Buffer.alloc(0), true);
        this.finish();
      }
    });
    stream.on('close', () => {
      if (this.done) return;
      const code = stream.rstCode;
      // The router reads 'refused stream' to apply retry_on refused-stream.
      this.fail('remote_reset', code === http2.constants.NGHTTP2_REFUSED_STREAM ? 'refused stream' : `stream reset (code ${code})`);
    });
    stream.on('error', () => undefined);
    const queued = this.queued;
    this.queued = [];
    for (const q of queued) {
      if (q.trailers) this.sendTrailers(q.trailers);
      else this.sendData(q.chunk!, q.end);
    }
    if (queued.length >= 16) queueMicrotask(() => this.onDrain?.());
  }

  private pendingTrailers: HeaderMap | undefined;
  private trailersSeen = false;
  private mayHaveTrailers = false;

  fail(reason: ResetReason, detail: string, transportFailureReason?: string): void {
    if (this.done) return;
    this.done = true;
    this.onStreamEnd?.();
    this.onStreamEnd = undefined;
    this.cb.onReset(reason, detail, transportFailureReason);
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.onStreamEnd?.();
    this.onStreamEnd = undefined;
  }

  onDrain: (() => void) | undefined;

  sendData(chunk: Buffer, end: boolean): boolean {
    const s = this.stream;
    if (!s) {
      this.queued.push({ chunk, end });
      return this.queued.length < 16;
    }
    if (s.destroyed) return true;
    this.cluster.stats.upstreamCxTxBytesTotal.add(chunk.length);
    if (end) {
      s.end(chunk);
      return true;
    }
    if (chunk.length && !s.write(chunk)) {
      s.once('drain', () => this.onDrain?.());
      return false;
    }
    return true;
  }

  sendTrailers(trailers: HeaderMap): void {
    const s = this.stream;
    if (!s) {
      this.queued.push({ end: true, trailers });
      return;
    }
    this.pendingTrailers = trailers;
    if (!s.destroyed) s.end();
    // Trailers the request head did not announce cannot be sent on this stream; they are dropped.
  }

  reset(): void {
    if (this.done) return;
    this.done = true;
    this.onStreamEnd?.();
    this.onStreamEnd = undefined;
    if (this.stream && !this.stream.destroyed) this.stream.close(http2.constants.NGHTTP2_CANCEL);
  }

  pauseResponse(): void {
    this.stream?.pause();
  }

  resumeResponse(): void {
    this.stream?.resume();
  }
}
