// HTTP/1.1 upstream connections: one request at a time per connection,
// idle keep-alive connections reused (most recently used first), a request
// waits (pending) while a connection is set up or the connection limit is
// reached, and fails at once when the pending limit is reached.
import type net from 'node:net';
import { HeaderMap } from '../http/headers.js';
import { H1Error, H1ResponseParser, type H1ResponseHead, encodeChunk, encodeLastChunk } from '../http/h1/index.js';
import type { PoolCluster } from './cluster-deps.js';
import type { UpstreamHost } from './host.js';
import type { ResetReason, UpstreamCallbacks, UpstreamConnectionInfo, UpstreamRequest, UpstreamRequestHead } from './types.js';
import { connectionInfo, connectUpstream } from './upstream-connect.js';

const LAST_CHUNK = Buffer.from('0\r\n\r\n', 'latin1');

interface HostPool {
  /** The SNI (auto_sni) its connections were made with; '' when the transport's own. */
  readonly serverName: string;
  idle: H1UpstreamConnection[];
  /** Requests waiting for a connection. */
  waiting: H1UpstreamRequest[];
  /** Connections being established. */
  connecting: number;
}

/**
 * Connections of one host are pooled per transport socket and SNI (Envoy
 * keys its pools by the transport socket options hash), so a connection made
 * for one auto_sni name is never reused for another.
 */
function poolKey(host: UpstreamHost, serverName: string): string {
  return `${host.transport.index}|${serverName}`;
}

export class H1Pool {
  private readonly pools = new Map<UpstreamHost, Map<string, HostPool>>();
  constructor(readonly cluster: PoolCluster) {}

  poolFor(host: UpstreamHost, serverName: string): HostPool {
    let byKey = this.pools.get(host);
    if (!byKey) this.pools.set(host, (byKey = new Map()));
    const key = poolKey(host, serverName);
    let p = byKey.get(key);
    if (!p) {
      p = { serverName, idle: [], waiting: [], connecting: 0 };
      byKey.set(key, p);
    }
    return p;
  }

  /** `serverName`: auto_sni's name for this request ('' for none). */
  newRequest(host: UpstreamHost, head: UpstreamRequestHead, cb: UpstreamCallbacks, serverName = ''): UpstreamRequest {
    const req = new H1UpstreamRequest(this, host, head, cb);
    const pool = this.poolFor(host, serverName);
    // Reuse the most recently used idle connection that is still open.
    while (pool.idle.length) {
      const c = pool.idle.pop()!;
      if (c.usable) {
        c.assign(req);
        return req;
      }
    }
    const cluster = this.cluster;
    const res = cluster.resources;
    if (!res.canQueuePending()) {
      cluster.stats.upstreamRqPendingOverflow.inc();
      queueMicrotask(() => req.fail('overflow', `circuit breaker max_pending_requests (${res.limits.maxPendingRequests}) reached`));
      return req;
    }
    req.setPending(true);
    pool.waiting.push(req);
    if (res.canCreateConnection()) this.connect(host, pool);
    else cluster.stats.upstreamCxOverflow.inc();
    return req;
  }

  private connect(host: UpstreamHost, pool: HostPool): void {
    pool.connecting++;
    // The connection registers itself with its socket's events; the callbacks hand it on.
    const conn: H1UpstreamConnection = new H1UpstreamConnection(this, pool, host, () => {
      pool.connecting--;
      this.onConnectionFree(conn);
    }, (reason, detail, transportFailureReason) => {
      pool.connecting--;
      // A failed connect fails the oldest waiter (Envoy: the request it was made for).
      const w = pool.waiting.shift();
      w?.fail(reason, detail, transportFailureReason);
    });
  }

  /**
   * Takes a socket already connected to `host` (auto_config: TLS chose
   * HTTP/1.1 by ALPN) as an idle connection of the pool.
   */
  adopt(host: UpstreamHost, serverName: string, socket: net.Socket): void {
    const pool = this.poolFor(host, serverName);
    const conn = new H1UpstreamConnection(this, pool, host, () => undefined, () => undefined, socket);
    this.onConnectionFree(conn);
  }

  /** A connection finished a request (or connected) and can take the next waiter. */
  onConnectionFree(conn: H1UpstreamConnection): void {
    // A connection closed meanwhile (e.g. reset by a retry while its response
    // was still being parsed) must never be handed to a waiter; its 'close'
    // event opens a replacement for them.
    if (!conn.usable) return;
    const pool = conn.hostPool;
    while (pool.waiting.length) {
      const w = pool.waiting.shift()!;
      if (w.cancelled) continue;
      conn.assign(w);
      return;
    }
    conn.setIdle();
    pool.idle.push(conn);
  }

  /** Removes a closed idle connection from the idle list. */
  forget(conn: H1UpstreamConnection): void {
    const pool = conn.hostPool;
    const i = pool.idle.indexOf(conn);
    if (i >= 0) pool.idle.splice(i, 1);
    // A slot freed up: a waiter may now get a connection.
    if (pool.waiting.some((w) => !w.cancelled) && pool.connecting < pool.waiting.length && this.cluster.resources.canCreateConnection()) this.connect(conn.host, pool);
  }

  close(): void {
    for (const byKey of this.pools.values()) {
      for (const p of byKey.values()) {
        for (const c of p.idle) c.destroy();
        p.idle = [];
      }
    }
  }
}

/** One upstream HTTP/1.1 socket. */
export class H1UpstreamConnection {
  private readonly socket: net.Socket;
  private readonly parser: H1ResponseParser;
  private current: H1UpstreamRequest | undefined;
  private connected = false;
  private closed = false;
  requests = 0;
  private idleTimer: { cancel(): void } | undefined;
  private connectTimer: { cancel(): void } | undefined;
  /** Response may not reuse the connection. */
  private mustClose = false;
  /** Inside parser.execute(): a finished connection is handed on only after it returns. */
  private parsing = false;
  private freeAfterParse = false;

  /** Local address and, over TLS, the server's identity (for the access log). */
  info: UpstreamConnectionInfo = { localAddress: '' };

  constructor(
    private readonly pool: H1Pool,
    readonly hostPool: HostPool,
    readonly host: UpstreamHost,
    onConnected: () => void,
    onConnectFailed: (reason: ResetReason, detail: string, transportFailureReason?: string) => void,
    /** An already connected socket to take over (auto_config's ALPN probe). */
    adopted?: net.Socket,
  ) {
    const cluster = pool.cluster;
    const stats = cluster.stats;
    stats.upstreamCxTotal.inc();
    stats.upstreamCxHttp1Total.inc();
    stats.upstreamCxActive.inc();
    cluster.resources.connectionOpened();
    host.cxTotal++;
    host.cxActive++;
    const started = cluster.clock.now();
    this.parser = new H1ResponseParser(this);
    let failed = false;
    const failConnect = (reason: ResetReason, detail: string, transportFailureReason?: string) => {
      if (failed || this.connected) return;
      failed = true;
      stats.upstreamCxConnectFail.inc();
      host.cxConnectFail++;
      this.destroy();
      onConnectFailed(reason, detail, transportFailureReason);
    };
    const ready = (s: net.Socket) => {
      this.connectTimer?.cancel();
      this.connected = true;
      this.info = connectionInfo(s);
      stats.cxConnectMs.record(cluster.clock.now() - started);
      onConnected();
    };
    const sock = adopted ?? connectUpstream(host, {
      transport: host.transport,
      ...(hostPool.serverName ? { serverName: hostPool.serverName } : {}),
      alpnFallback: ['http/1.1'],
    }, {
      onConnected: ready,
      onFailed: (f) => failConnect('connection_failure', f.detail, f.transportFailureReason),
    });
    this.socket = sock;
    if (adopted) {
      this.connected = true;
      this.info = connectionInfo(adopted);
    } else {
      this.connectTimer = cluster.clock.setTimer(cluster.config.connectTimeoutMs, () => {
        if (this.connected) return;
        stats.upstreamCxConnectTimeout.inc();
        failConnect('connection_timeout', `connect timeout after ${cluster.config.connectTimeoutMs} ms`);
      });
    }
    sock.on('data', (chunk: Buffer) => this.onData(chunk));
    sock.on('end', () => this.onEnd());
    // Errors before "connected" are the connect's (reported by connectUpstream); later ones end in 'close'.
    sock.on('error', () => undefined);
    sock.on('close', () => this.onClose());
    sock.on('drain', () => this.current?.socketDrained());
  }

  get usable(): boolean {
    return this.connected && !this.closed && !this.mustClose && !this.socket.destroyed;
  }


  /** Back in the pool: idle from now (one lazily re-checked timer per connection). */
  setIdle(): void {
    const ms = this.pool.cluster.config.idleTimeoutMs;
    if (ms <= 0) return;
    const clock = this.pool.cluster.clock;
    this.idleSince = clock.now();
    if (this.idleTimer) return;
    const fire = () => {
      this.idleTimer = undefined;
      if (this.closed) return;
      if (this.current) {
        this.idleTimer = clock.setTimer(ms, fire);
        return;
      }
      const idle = clock.now() - this.idleSince;
      if (idle < ms) {
        this.idleTimer = clock.setTimer(ms - idle, fire);
        return;
      }
      this.pool.cluster.stats.upstreamCxIdleTimeout.inc();
      this.destroy();
    };
    this.idleTimer = clock.setTimer(ms, fire);
  }

  private idleSince = 0;

  assign(req: H1UpstreamRequest): void {
    this.current = req;
    this.requests++;
    const max = this.pool.cluster.config.maxRequestsPerConnection;
    if (max > 0 && this.requests >= max) {
      this.mustClose = true;
      this.pool.cluster.stats.upstreamCxMaxRequests.inc();
    }
    req.attach(this);
  }

  /** Writes bytes to the upstream; false when the socket buffer is full. */
  write(data: Buffer | string): boolean {
    if (this.closed) return true;
    const n = typeof data === 'string' ? data.length : data.length;
    this.pool.cluster.stats.upstreamCxTxBytesTotal.add(n);
    return typeof data === 'string' ? this.socket.write(data, 'latin1') : this.socket.write(data);
  }

  expect(method: string): void {
    this.parser.expectResponse(method);
  }

  pause(): void {
    this.socket.pause();
  }
  resume(): void {
    this.socket.resume();
  }

  private tunnel: ((c: Buffer) => void) | undefined;
  private tunnelEnd: (() => void) | undefined;
  private tunnelBacklog: Buffer | undefined;

  private onData(chunk: Buffer): void {
    this.pool.cluster.stats.upstreamCxRxBytesTotal.add(chunk.length);
    if (this.tunnel) {
      this.tunnel(chunk);
      return;
    }
    this.parsing = true;
    try {
      const rest = this.parser.execute(chunk);
      if (rest !== undefined && rest.length) {
        // Bytes after a 101 in the same read: the tunnel may already be set up (synchronously).
        const tunnel = this.tunnel as ((c: Buffer) => void) | undefined;
        if (tunnel) tunnel(rest);
        else this.tunnelBacklog = this.tunnelBacklog ? Buffer.concat([this.tunnelBacklog, rest]) : rest;
      }
    } catch (err) {
      // Includes bytes after a complete response with no request outstanding
      // (H1_UNSOLICITED_RESPONSE): as Envoy does, the connection is closed,
      // never handed to the next request with those bytes still in the parser.
      this.freeAfterParse = false;
      this.pool.cluster.stats.upstreamCxProtocolError.inc();
      const r = this.current;
      this.current = undefined;
      this.destroy();
      r?.fail('protocol_error', err instanceof H1Error ? err.message : String(err));
    } finally {
      this.parsing = false;
    }
    if (this.freeAfterParse) {
      this.freeAfterParse = false;
      this.pool.onConnectionFree(this);
    }
  }

  private onEnd(): void {
    if (this.tunnel) {
      this.tunnelEnd?.();
      return;
    }
    try {
      this.parser.finish();
    } catch {
      /* the close below reports the reset */
    }
    this.destroy();
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.idleTimer?.cancel();
    this.connectTimer?.cancel();
    const cluster = this.pool.cluster;
    cluster.stats.upstreamCxActive.dec();
    cluster.stats.upstreamCxDestroy.inc();
    cluster.resources.connectionClosed();
    this.host.cxActive--;
    const r = this.current;
    this.current = undefined;
    if (this.tunnel) this.tunnelEnd?.();
    else if (r) {
      cluster.stats.upstreamCxDestroyWithActiveRq.inc();
      cluster.stats.upstreamCxDestroyRemote.inc();
      r.fail('connection_termination', 'upstream closed the connection');
    }
    this.pool.forget(this);
  }

  destroy(): void {
    if (!this.socket.destroyed) this.socket.destroy();
  }

  // ---- H1ResponseHandler ----
  onInformational(_head: H1ResponseHead): void {
    // 100 Continue from upstream: weft already answered the client's Expect itself.
  }

  onResponseHead(head: H1ResponseHead): void {
    if (!head.keepAlive) this.mustClose = true;
    // A 101 (or 2xx to CONNECT) to a request that asked for no upgrade would
    // turn the connection into a raw tunnel nobody routed: Envoy answers it
    // as an upstream protocol error (502 UPE).
    if (head.upgrade && this.current && !this.current.isUpgrade) {
      this.mustClose = true;
      throw new H1Error('H1_UNREQUESTED_UPGRADE', `${head.status} response to a request that asked for no upgrade`, 'response');
    }
    this.current?.onResponseHead(head);
  }

  onBody(chunk: Buffer): void {
    this.current?.onBody(chunk);
  }

  onTrailers(trailers: HeaderMap): void {
    this.current?.onResponseTrailers(trailers);
  }

  onMessageComplete(): void {
    const r = this.current;
    if (!r) return;
    if (r.isUpgrade) return; // tunnel takes over
    this.current = undefined;
    const reusable = r.requestFullySent;
    r.onResponseComplete();
    if (!reusable) this.mustClose = true;
    if (this.mustClose) this.destroy();
    // Handing over waits until the parser has returned: bytes after this
    // response in the same read must fail this connection, not reach the next request.
    else if (this.parsing) this.freeAfterParse = true;
    else this.pool.onConnectionFree(this);
  }

  takeOver(onData: (c: Buffer) => void, onEnd: () => void) {
    this.tunnel = onData;
    this.tunnelEnd = onEnd;
    this.current = undefined;
    const b = this.tunnelBacklog;
    this.tunnelBacklog = undefined;
    if (b) queueMicrotask(() => onData(b));
    const sock = this.socket;
    return {
      write: (c: Buffer) => this.write(c),
      end: () => sock.end(),
      destroy: () => sock.destroy(),
      pause: () => sock.pause(),
      resume: () => sock.resume(),
    };
  }
}

class H1UpstreamRequest implements UpstreamRequest {
  private conn: H1UpstreamConnection | undefined;
  private queued: Buffer[] = [];
  private queuedEnd = false;
  private queuedTrailers: HeaderMap | undefined;
  private chunked = false;
  private headersDone = false;
  private done = false;
  cancelled = false;
  private pending = false;
  requestFullySent = false;
  isUpgrade = false;
  private trailersSeen = false;

  constructor(
    private readonly pool: H1Pool,
    private readonly host: UpstreamHost,
    private readonly head: UpstreamRequestHead,
    private readonly cb: UpstreamCallbacks,
  ) {
    if (head.end) this.requestFullySent = false;
  }

  setPending(p: boolean): void {
    if (p === this.pending) return;
    this.pending = p;
    const c = this.pool.cluster;
    if (p) {
      c.resources.pendingAdded();
      c.stats.upstreamRqPendingTotal.inc();
      c.stats.upstreamRqPendingActive.inc();
    } else {
      c.resources.pendingRemoved();
      c.stats.upstreamRqPendingActive.dec();
    }
  }

  attach(conn: H1UpstreamConnection): void {
    this.setPending(false);
    if (this.cancelled) return;
    this.conn = conn;
    const h = this.head;
    const hm = h.headers;
    // Framing: keep a Content-Length; otherwise a body goes chunked.
    const hasBody = !h.end || this.queued.length > 0;
    let head = `${h.method} ${h.path} HTTP/1.1\r\nhost: ${h.authority}\r\n`;
    const names = hm.names;
    const values = hm.values;
    let hasCl = false;
    for (let i = 0; i < names.length; i++) {
      const n = names[i]!;
      if (n === 'content-length') hasCl = true;
      // An upgrade's connection/upgrade headers are written once, below.
      else if (h.upgrade && (n === 'upgrade' || n === 'connection')) continue;
      head += n + ': ' + values[i] + '\r\n';
    }
    if (h.upgrade) {
      head += 'connection: upgrade\r\nupgrade: ' + (hm.get('upgrade') ?? h.upgrade) + '\r\n';
      this.isUpgrade = true;
    }
    if (hasBody && !hasCl && !h.upgrade) {
      head += 'transfer-encoding: chunked\r\n';
      this.chunked = true;
    }
    head += '\r\n';
    conn.expect(h.method);
    this.cb.onPoolReady?.(conn.info);
    conn.write(head);
    this.headersDone = true;
    if (h.end) this.requestFullySent = true;
    const q = this.queued;
    this.queued = [];
    for (const c of q) this.writeBody(c);
    if (q.length >= 16) queueMicrotask(() => this.onDrain?.());
    if (this.queuedTrailers) this.sendTrailers(this.queuedTrailers);
    else if (this.queuedEnd) this.finishBody();
  }

  private writeBody(c: Buffer): boolean {
    if (!c.length) return true;
    return this.conn!.write(this.chunked ? encodeChunk(c) : c);
  }

  onDrain: (() => void) | undefined;

  private finishBody(): void {
    if (this.chunked) this.conn!.write(LAST_CHUNK);
    this.requestFullySent = true;
  }

  sendData(chunk: Buffer, end: boolean): boolean {
    if (this.done) return true;
    if (!this.headersDone) {
      if (chunk.length) this.queued.push(chunk);
      if (end) this.queuedEnd = true;
      return this.queued.length < 16;
    }
    const ok = this.writeBody(chunk);
    if (end) this.finishBody();
    return ok;
  }

  sendTrailers(trailers: HeaderMap): void {
    if (this.done) return;
    if (!this.headersDone) {
      this.queuedTrailers = trailers;
      return;
    }
    if (this.chunked) this.conn!.write(encodeLastChunk(trailers));
    this.requestFullySent = true;
  }

  /** The upstream socket drained (called by the connection). */
  socketDrained(): void {
    this.onDrain?.();
  }

  onResponseHead(head: H1ResponseHead): void {
    const end = head.framing === 'none' && !head.upgrade;
    this.cb.onHeaders(head.status, head.headers, end);
    if (end) this.done = true;
  }

  onBody(chunk: Buffer): void {
    if (!this.done) this.cb.onData(chunk, false);
  }

  onResponseTrailers(t: HeaderMap): void {
    this.trailersSeen = true;
    if (!this.done) {
      this.done = true;
      this.cb.onTrailers(t);
    }
  }

  onResponseComplete(): void {
    if (this.done) return;
    this.done = true;
    if (!this.trailersSeen) this.cb.onData(EMPTY, true);
  }

  fail(reason: ResetReason, detail: string, transportFailureReason?: string): void {
    this.setPending(false);
    if (this.done || this.cancelled) return;
    this.done = true;
    this.cb.onReset(reason, detail, transportFailureReason);
  }

  reset(): void {
    this.setPending(false);
    this.cancelled = true;
    if (this.done) return;
    this.done = true;
    // Mid-exchange: the connection's framing is unknown; close it.
    this.conn?.destroy();
  }

  pauseResponse(): void {
    this.conn?.pause();
  }

  resumeResponse(): void {
    this.conn?.resume();
  }

  takeOverForUpgrade(onData: (chunk: Buffer) => void, onEnd: () => void) {
    this.done = true;
    return this.conn!.takeOver(onData, onEnd);
  }
}

const EMPTY = Buffer.alloc(0);
