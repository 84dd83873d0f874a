// HTTP/2 upstream connections (h2c, prior knowledge) over node:http2: one
// session per host, many streams on it, a new session when it goes away.
import http2 from 'node:http2';
import net from 'node:net';
import type { UpstreamHost } from './host.js';
import type { PoolCluster } from './cluster-deps.js';
import { HeaderMap } from '../http/headers.js';
import type { ResetReason, UpstreamCallbacks, UpstreamRequest, UpstreamRequestHead } from './types.js';
import { startH2Keepalive } from './h2-keepalive.js';

/** Connection-specific headers that HTTP/2 forbids (RFC 9113 §8.2.2). */
const H2_FORBIDDEN = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host', 'te']);

interface SessionState {
  session: http2.ClientHttp2Session;
  ready: boolean;
  waiters: (() => void)[];
  streams: number;
  requestsServed: number;
  /** Why connecting failed, for the requests that waited on it. */
  failure?: { reason: ResetReason; detail: string };
}

export class H2Pool {
  private sessions = new Map<UpstreamHost, SessionState>();

  constructor(private readonly cluster: PoolCluster) {}

  newRequest(host: UpstreamHost, head: UpstreamRequestHead, cb: UpstreamCallbacks): UpstreamRequest {
    const req = new H2UpstreamRequest(this.cluster, host, head, cb);
    const st = this.sessionFor(host);
    if (!st) {
      queueMicrotask(() => req.fail('overflow', 'upstream connection limit reached'));
      return req;
    }
    st.streams++;
    req.onStreamEnd = () => {
      st.streams--;
      st.requestsServed++;
      const max = this.cluster.config.maxRequestsPerConnection;
      if (max > 0 && st.requestsServed >= max && st.streams === 0) {
        this.cluster.stats.upstreamCxMaxRequests.inc();
        this.retire(host, st);
      }
    };
    if (st.ready) req.start(st.session);
    else st.waiters.push(() => (st.failure ? req.fail(st.failure.reason, st.failure.detail) : req.start(st.session)));
    return req;
  }

  private sessionFor(host: UpstreamHost): SessionState | undefined {
    const cur = this.sessions.get(host);
    const max = this.cluster.config.maxRequestsPerConnection;
    if (cur && !cur.session.closed && !cur.session.destroyed && (max === 0 || cur.requestsServed + cur.streams < max)) return cur;
    if (cur) this.retire(host, cur);
    if (!this.cluster.resources.canCreateConnection()) {
      this.cluster.stats.upstreamCxOverflow.inc();
      return undefined;
    }
    return this.connect(host);
  }

  private retire(host: UpstreamHost, st: SessionState): void {
    if (this.sessions.get(host) === st) this.sessions.delete(host);
    if (st.streams === 0 && !st.session.closed) st.session.close();
  }

  private connect(host: UpstreamHost): SessionState {
    const cluster = this.cluster;
    const stats = cluster.stats;
    stats.upstreamCxTotal.inc();
    stats.upstreamCxHttp2Total.inc();
    stats.upstreamCxActive.inc();
    cluster.resources.connectionOpened();
    host.cxTotal++;
    host.cxActive++;
    const started = cluster.clock.now();
    let socket: net.Socket | undefined;
    const h2 = cluster.config.http2;
    const session = http2.connect(`http://${host.key}`, {
      createConnection: () => {
        socket = net.connect({ host: host.address, port: host.port, noDelay: true });
        return socket;
      },
      settings: {
        enablePush: false,
        ...(h2.initialStreamWindowSize ? { initialWindowSize: h2.initialStreamWindowSize } : {}),
      },
    });
    const st: SessionState = { session, ready: false, waiters: [], streams: 0, requestsServed: 0 };
    this.sessions.set(host, st);
    const timer = cluster.clock.setTimer(cluster.config.connectTimeoutMs, () => {
      if (st.ready) return;
      stats.upstreamCxConnectTimeout.inc();
      fail('connection_timeout', 'connect timeout');
    });
    let closed = false;
    const fail = (reason: ResetReason, detail: string) => {
      if (!st.ready) {
        stats.upstreamCxConnectFail.inc();
        host.cxConnectFail++;
      }
      st.failure ??= { reason, detail };
      const w = st.waiters;
      st.waiters = [];
      st.ready = false;
      if (this.sessions.get(host) === st) this.sessions.delete(host);
      session.destroy();
      for (const fn of w) fn();
    };
    socket?.once('connect', () => {
      timer.cancel();
      st.ready = true;
      stats.cxConnectMs.record(cluster.clock.now() - started);
      const w = st.waiters;
      st.waiters = [];
      for (const fn of w) fn();
      // connection_keepalive: a session whose PING goes unanswered is closed.
      if (h2.keepalive) {
        const stopKeepalive = startH2Keepalive(session, h2.keepalive, cluster.clock, Math.random, () => {
          stats.http2KeepaliveTimeout.inc();
          if (this.sessions.get(host) === st) this.sessions.delete(host);
        });
        session.once('close', stopKeepalive);
      }
    });
    session.on('error', () => {
      if (!st.ready) fail('connection_failure', 'connection failure');
    });
    session.on('close', () => {
      if (closed) return;
      closed = true;
      timer.cancel();
      if (!st.ready && st.waiters.length) fail('connection_failure', 'connection failure');
      if (this.sessions.get(host) === st) this.sessions.delete(host);
      stats.upstreamCxActive.dec();
      stats.upstreamCxDestroy.inc();
      cluster.resources.connectionClosed();
      host.cxActive--;
    });
    session.on('goaway', () => {
      if (this.sessions.get(host) === st) this.sessions.delete(host);
    });
    if (cluster.config.idleTimeoutMs > 0) session.setTimeout(cluster.config.idleTimeoutMs, () => {
      if (st.streams === 0) {
        stats.upstreamCxIdleTimeout.inc();
        this.retire(host, st);
      }
    });
    session.on('remoteSettings', () => undefined);
    return st;
  }

  /** Closes every session (cluster removed or proxy shutting down). */
  close(): void {
    for (const [, st] of this.sessions) st.session.close();
    this.sessions.clear();
  }
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
  start(session: http2.ClientHttp2Session): void {
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
      this.mayHaveTrailers = !h.end && ((ct !== undefined && ct.startsWith('application/grpc')) || hm.has('trailer') || hm.get('te') === 'trailers');
      stream = session.request(out, { endStream: h.end, waitForTrailers: this.mayHaveTrailers });
    } catch (err) {
      this.onStreamEnd?.();
      this.fail('connection_failure', (err as Error).message);
      return;
    }
    this.stream = stream;
    const sock = (session as unknown as { socket?: net.Socket }).socket;
    this.cb.onPoolReady?.(sock ? `${sock.localAddress}:${sock.localPort}` : '');
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

  fail(reason: ResetReason, detail: string): void {
    if (this.done) return;
    this.done = true;
    this.onStreamEnd?.();
    this.onStreamEnd = undefined;
    this.cb.onReset(reason, detail);
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
