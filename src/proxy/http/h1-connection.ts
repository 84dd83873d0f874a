// One downstream HTTP/1.1 connection: weft's strict codec over a raw socket.
// Requests are handled one at a time (pipelined requests wait, parsed but
// not acted on, until the previous response is out), as Envoy does.
import type net from 'node:net';
import { HeaderMap } from './headers.js';
import { H1Error, H1RequestParser, type H1RequestHead, buildLocalReply, encodeChunk, encodeLastChunk, serializeResponseHead } from './h1/index.js';
import type { ConnectionInfo, DownstreamSink, HttpProtocol } from './downstream.js';
import type { ConnectionManager, HttpStream } from './stream.js';
import { weftErrorHeader } from './local-reply.js';
import { DPE } from '../access-log/response-flags.js';
import { DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from './connection-limits.js';
import { dropForbiddenTrailers } from './trailers.js';

const CHUNKED_TRAILERS = Buffer.from('0\r\n\r\n', 'latin1');
const CONTINUE_100 = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');

export class H1Connection implements DownstreamSink {
  protocol: HttpProtocol = 'HTTP/1.1';
  onDrain: (() => void) | undefined;
  headersSent = false;
  private readonly parser: H1RequestParser;
  private stream: HttpStream | undefined;
  /** Response framing of the current stream. */
  private chunked = false;
  private bodyless = false;
  private keepAlive = true;
  private closeAfter = false;
  private closed = false;
  private requestsServed = 0;
  private draining = false;
  private tunnel: { onData: (c: Buffer) => void; onEnd: () => void } | undefined;
  private idleTimer: { cancel(): void } | undefined;
  private headerTimer: { cancel(): void } | undefined;

  constructor(
    private readonly socket: net.Socket,
    private readonly hcm: ConnectionManager,
    private readonly conn: ConnectionInfo,
    private readonly onClose: (c: H1Connection) => void,
    private readonly limits: ConnectionLimits = DEFAULT_CONNECTION_LIMITS,
  ) {
    const cfg = hcm.config;
    this.parser = new H1RequestParser(this, { maxHeaderBytes: cfg.maxRequestHeadersKb * 1024, maxHeaders: cfg.maxHeadersCount });
    const st = hcm.stats;
    st.downstreamCxTotal.inc();
    st.downstreamCxActive.inc();
    st.downstreamCxHttp1Total.inc();
    st.downstreamCxHttp1Active.inc();
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onSocketData(chunk));
    socket.on('end', () => this.onSocketEnd());
    socket.on('error', () => undefined);
    socket.on('close', () => this.onSocketClose());
    socket.on('drain', () => {
      if (this.tunnelDrain) this.tunnelDrain();
      else this.onDrain?.();
    });
    this.armIdle();
    this.armHeaderTimer();
  }

  /** Bytes already read from the socket (peeked by listener filters). */
  feed(chunk: Buffer): void {
    this.onSocketData(chunk);
  }

  private onSocketData(chunk: Buffer): void {
    if (this.dead) return;
    this.hcm.stats.downstreamCxRxBytesTotal.add(chunk.length);
    if (this.tunnel) {
      this.tunnel.onData(chunk);
      return;
    }
    try {
      const rest = this.parser.execute(chunk);
      if (rest !== undefined && this.tunnel && rest.length) (this.tunnel as { onData: (c: Buffer) => void }).onData(rest);
      else if (rest !== undefined && rest.length) this.tunnelBacklog = this.tunnelBacklog ? Buffer.concat([this.tunnelBacklog, rest]) : rest;
    } catch (err) {
      this.onCodecError(err);
      return;
    }
    // Pipelined requests wait unparsed while one is in flight: past a bounded
    // read-ahead, stop reading until its response is out (as Envoy stops
    // reading an HTTP/1 connection), so a flood costs bounded memory.
    if (!this.pipelineReadPaused && this.parser.isPaused && this.parser.bufferedBytes > this.limits.pipelineBufferLimitBytes) {
      this.pipelineReadPaused = true;
      this.socket.pause();
    }
  }

  /** Reading stopped because the pipelined read-ahead reached its limit. */
  private pipelineReadPaused = false;

  private tunnelBacklog: Buffer | undefined;
  private tunnelDrain: (() => void) | undefined;

  private onSocketEnd(): void {
    if (this.tunnel) {
      this.tunnel.onEnd();
      return;
    }
    try {
      this.parser.finish();
    } catch (err) {
      this.onCodecError(err);
      return;
    }
    // Half-closed by the client: finish the current response, then close.
    if (!this.stream) this.close();
    else this.closeAfter = true;
  }

  private onSocketClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.idleTimer?.cancel();
    this.headerTimer?.cancel();
    const st = this.hcm.stats;
    st.downstreamCxActive.dec();
    st.downstreamCxHttp1Active.dec();
    st.downstreamCxDestroy.inc();
    if (this.tunnel) this.tunnel.onEnd();
    this.stream?.onDownstreamReset();
    this.stream = undefined;
    this.onClose(this);
  }

  /** Set after a codec error: the framing can no longer be trusted, nothing more is parsed. */
  private dead = false;

  private onCodecError(err: unknown): void {
    if (this.dead) return;
    this.dead = true;
    this.keepAlive = false;
    const st = this.hcm.stats;
    st.downstreamCxProtocolError.inc();
    if (!(err instanceof H1Error)) {
      this.hcm.log.error(`http1 codec: ${(err as Error)?.stack ?? String(err)}`);
    }
    const e = err instanceof H1Error ? err : undefined;
    const status = e?.status ?? 400;
    if (this.stream) {
      // A body error mid-request: the exchange cannot go on.
      const s = this.stream;
      s.info.setResponseFlag(DPE);
      if (!this.headersSent) {
        s.sendLocalReply({ status, flag: DPE, code: status === 431 ? 'WEFT_HEADERS_TOO_LARGE' : status === 501 ? 'WEFT_NOT_IMPLEMENTED' : 'WEFT_BAD_REQUEST', cause: e?.message ?? 'malformed request', details: `codec_error:${e?.code ?? 'unknown'}`, source: `http_connection_manager=${this.hcm.config.statPrefix}`, body: 'Bad Request' });
      } else s.resetStream('codec_error');
      this.close();
      return;
    }
    if (!this.headersSent && !this.socket.destroyed) {
      const h = new HeaderMap();
      const code = status === 431 ? 'WEFT_HEADERS_TOO_LARGE' : status === 501 ? 'WEFT_NOT_IMPLEMENTED' : 'WEFT_BAD_REQUEST';
      h.add('x-weft-error', weftErrorHeader({ status, code, flag: DPE, cause: e?.message ?? 'malformed request', details: 'codec_error', source: `http_connection_manager=${this.hcm.config.statPrefix}` }));
      this.socket.end(buildLocalReply({ status, headers: h, body: status === 431 ? 'Request Header Fields Too Large' : status === 501 ? 'Not Implemented' : 'Bad Request', close: true }));
    }
    this.closed || this.socket.destroySoon();
  }

  // ---- H1RequestHandler ----

  onRequestHead(head: H1RequestHead): void {
    this.headerTimer?.cancel();
    const cfg = this.hcm.config;
    const headers = head.headers;
    let authority = headers.get('host');
    let path = head.target;
    let scheme: string = this.conn.scheme;
    if (path.charCodeAt(0) !== 47 /* / */ && path !== '*') {
      // absolute-form (proxy requests): take scheme and authority from it.
      const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)(.*)$/.exec(path);
      if (m) {
        scheme = m[1]!.toLowerCase();
        authority = m[2]!;
        path = m[3] || '/';
      }
    }
    if (head.version === '1.0') {
      this.protocol = 'HTTP/1.0';
      if (!cfg.acceptHttp10) {
        this.rejectEarly(426, 'Upgrade Required', 'WEFT_BAD_REQUEST', 'HTTP/1.0 is not accepted (http_protocol_options.accept_http_10 is false)');
        return;
      }
      if (!authority) authority = cfg.defaultHostForHttp10;
    } else this.protocol = 'HTTP/1.1';
    if (authority === undefined || authority === '') {
      this.rejectEarly(400, 'Bad Request', 'WEFT_BAD_REQUEST', 'missing Host');
      return;
    }
    headers.remove('host');
    if (cfg.headersWithUnderscores === 'REJECT_REQUEST' && headers.names.some((n) => n.includes('_'))) {
      this.rejectEarly(400, 'Bad Request', 'WEFT_BAD_REQUEST', 'header name with an underscore (headers_with_underscores_action: REJECT_REQUEST)');
      return;
    }
    this.keepAlive = head.keepAlive && !this.draining;
    if (cfg.maxRequestsPerConnection > 0 && this.requestsServed + 1 >= cfg.maxRequestsPerConnection) this.keepAlive = false;
    this.headersSent = false;
    this.chunked = false;
    if (head.expectContinue) {
      headers.remove('expect');
      this.socket.write(CONTINUE_100);
    }
    const s = this.hcm.newStream(this.conn, this, head.method, path, authority, scheme, headers);
    this.stream = s;
    if (head.framing === 'none' && !head.upgrade) s.requestComplete = true;
    s.start();
  }

  private rejectEarly(status: number, body: string, code: 'WEFT_BAD_REQUEST', cause: string): void {
    const h = new HeaderMap();
    h.add('x-weft-error', `${code} ${cause}; http_connection_manager=${this.hcm.config.statPrefix}`);
    this.hcm.stats.downstreamCxProtocolError.inc();
    this.parser.pause();
    this.socket.end(buildLocalReply({ status, headers: h, body, close: true }));
    this.headersSent = true;
  }

  onBody(chunk: Buffer): void {
    this.stream?.onRequestData(chunk, false);
  }

  onTrailers(trailers: HeaderMap): void {
    dropForbiddenTrailers(trailers);
    this.stream?.onRequestTrailers(trailers);
    this.trailersDelivered = true;
  }
  private trailersDelivered = false;

  onMessageComplete(): void {
    const s = this.stream;
    if (s) {
      if (this.trailersDelivered) this.trailersDelivered = false;
      else if (!s.requestComplete) s.onRequestData(EMPTY, true);
      // Pipelining: hold the next request until this response is done.
      if (s.state !== 'done') this.parser.pause();
    }
  }

  // ---- DownstreamSink ----

  writeHeaders(status: number, headers: HeaderMap, end: boolean): void {
    const s = this.stream;
    this.headersSent = true;
    this.bodyless = status < 200 || status === 204 || status === 304 || s?.method === 'HEAD';
    if (status === 101) {
      headers.set('connection', 'upgrade');
    } else {
      if (!this.bodyless && !headers.has('content-length')) {
        if (end) headers.set('content-length', '0');
        else if (this.protocol === 'HTTP/1.1') {
          headers.set('transfer-encoding', 'chunked');
          this.chunked = true;
        } else this.keepAlive = false;
      }
      if (this.closeAfter || this.draining) this.keepAlive = false;
      if (!this.keepAlive) headers.set('connection', 'close');
      else if (this.protocol === 'HTTP/1.0') headers.set('connection', 'keep-alive');
    }
    let head = serializeResponseHead(status, undefined, headers);
    // Answer an HTTP/1.0 request in HTTP/1.0, as Envoy does.
    if (this.protocol === 'HTTP/1.0') head = 'HTTP/1.0' + head.slice(8);
    this.hcm.stats.downstreamCxTxBytesTotal.add(head.length);
    if (end) {
      this.socket.write(head, 'latin1');
      this.responseDone();
    } else {
      // Hold the head so it leaves with the first body bytes in one write.
      this.pendingHead = head;
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        process.nextTick(this.flushHead);
      }
    }
  }

  private pendingHead: string | undefined;
  private flushScheduled = false;
  private readonly flushHead = (): void => {
    this.flushScheduled = false;
    const h = this.pendingHead;
    if (h !== undefined) {
      this.pendingHead = undefined;
      if (!this.socket.destroyed) this.socket.write(h, 'latin1');
    }
  };

  /** Writes body bytes, together with a held head when there is one. */
  private writeOut(chunk: Buffer): boolean {
    const h = this.pendingHead;
    if (h !== undefined) {
      this.pendingHead = undefined;
      const out = Buffer.allocUnsafe(h.length + chunk.length);
      out.write(h, 0, 'latin1');
      chunk.copy(out, h.length);
      return this.socket.write(out);
    }
    return this.socket.write(chunk);
  }

  writeData(chunk: Buffer, end: boolean): boolean {
    let ok = true;
    if (!this.bodyless) {
      if (this.chunked) {
        if (chunk.length) ok = this.writeOut(end ? Buffer.concat([encodeChunk(chunk), CHUNKED_TRAILERS]) : encodeChunk(chunk));
        else if (end) ok = this.writeOut(CHUNKED_TRAILERS);
      } else if (chunk.length) ok = this.writeOut(chunk);
      this.hcm.stats.downstreamCxTxBytesTotal.add(chunk.length);
    }
    if (this.pendingHead !== undefined && end) this.flushHead();
    if (end) this.responseDone();
    return ok;
  }

  writeTrailers(trailers: HeaderMap): void {
    if (this.chunked && !this.bodyless) this.writeOut(encodeLastChunk(trailers));
    else this.flushHead();
    this.responseDone();
  }

  reset(): void {
    this.keepAlive = false;
    this.stream = undefined;
    this.socket.destroy();
  }

  pauseRequest(): void {
    this.socket.pause();
  }

  resumeRequest(): void {
    // The request is complete when reading stopped for pipelining: that wait ends with its response.
    if (!this.pipelineReadPaused) this.socket.resume();
  }

  takeOverForUpgrade(onData: (chunk: Buffer) => void, onEnd: () => void) {
    this.flushHead();
    this.tunnel = { onData, onEnd };
    this.idleTimer?.cancel();
    const backlog = this.tunnelBacklog;
    this.tunnelBacklog = undefined;
    if (backlog) queueMicrotask(() => onData(backlog));
    const sock = this.socket;
    const self = this;
    const w = {
      write: (c: Buffer) => {
        self.hcm.stats.downstreamCxTxBytesTotal.add(c.length);
        return sock.write(c);
      },
      end: () => sock.end(),
      destroy: () => sock.destroy(),
      pause: () => sock.pause(),
      resume: () => sock.resume(),
      set onDrain(fn: (() => void) | undefined) {
        self.tunnelDrain = fn;
      },
    };
    return w;
  }

  private responseDone(): void {
    const s = this.stream;
    this.requestsServed++;
    if (!this.keepAlive || (s && !s.requestComplete)) {
      // Request body not fully read (or close requested): the connection cannot be reused.
      this.stream = undefined;
      this.close();
      return;
    }
    // The stream finishes itself; let the next pipelined request in.
    this.stream = undefined;
    // Between requests nothing is on the wire: a codec error in the next
    // (pipelined) request is answered with its own 400.
    this.headersSent = false;
    this.armIdle();
    this.armHeaderTimer();
    if (this.parser.isPaused) queueMicrotask(this.resumeParser);
  }

  /** Lets the next pipelined request in once the previous response is out. */
  private readonly resumeParser = (): void => {
    if (this.closed || this.stream) return;
    try {
      const rest = this.parser.resume();
      if (rest !== undefined && rest.length) this.tunnelBacklog = rest;
    } catch (err) {
      this.onCodecError(err);
      return;
    }
    // The next request may have paused the parser again with read-ahead still above the limit.
    if (this.pipelineReadPaused && !(this.parser.isPaused && this.parser.bufferedBytes > this.limits.pipelineBufferLimitBytes)) {
      this.pipelineReadPaused = false;
      this.socket.resume();
    }
  }

  /** Stops keep-alive: the current response (if any) gets `connection: close`, then the socket closes. */
  /** Responses from now on close the connection; an idle one closes now unless `closeIdle` is false. */
  drain(closeIdle = true): void {
    if (!this.draining) this.hcm.stats.downstreamCxDrainClose.inc();
    this.draining = true;
    if (closeIdle && !this.stream) this.close();
  }

  private close(): void {
    if (this.socket.destroyed) return;
    this.socket.end();
    this.socket.destroySoon();
  }

  /**
   * Marks the connection idle from now. One timer per connection re-checks
   * the idle time when it fires, so keep-alive requests do not each create
   * and cancel a timer.
   */
  private armIdle(): void {
    const ms = this.hcm.config.idleTimeoutMs;
    if (ms <= 0) return;
    this.idleSince = this.hcm.clock.now();
    if (this.idleTimer) return;
    const fire = () => {
      this.idleTimer = undefined;
      if (this.closed) return;
      if (this.stream) {
        // Busy: check again a full period after the current request started.
        this.idleTimer = this.hcm.clock.setTimer(ms, fire);
        return;
      }
      const idle = this.hcm.clock.now() - this.idleSince;
      if (idle < ms) {
        this.idleTimer = this.hcm.clock.setTimer(ms - idle, fire);
        return;
      }
      this.hcm.stats.downstreamCxIdleTimeout.inc();
      this.close();
    };
    this.idleTimer = this.hcm.clock.setTimer(ms, fire);
  }

  private idleSince = 0;

  private armHeaderTimer(): void {
    const ms = this.hcm.config.requestHeadersTimeoutMs;
    if (ms <= 0) return;
    this.headerTimer?.cancel();
    this.headerTimer = this.hcm.clock.setTimer(ms, () => {
      // A request head arriving cancels this timer; `headersSent` may still be true from the previous response.
      if (this.stream || this.socket.destroyed || this.dead) return;
      this.hcm.stats.downstreamRqHeaderTimeout.inc();
      // Envoy answers 408 when the request head does not arrive in time.
      this.dead = true;
      const h = new HeaderMap();
      h.add('x-weft-error', `WEFT_REQUEST_TIMEOUT request headers not received within request_headers_timeout; http_connection_manager=${this.hcm.config.statPrefix}`);
      this.socket.end(buildLocalReply({ status: 408, headers: h, body: 'request header timeout', close: true }));
      this.socket.destroySoon();
    });
  }
}

const EMPTY = Buffer.alloc(0);
