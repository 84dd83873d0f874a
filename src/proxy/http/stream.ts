// One HTTP request/response exchange inside the connection manager. It owns
// the request as received, runs the HTTP filters (decode path), hands the
// request to the router (the last filter), and passes the response back
// through the filters (encode path) to the downstream codec. Every exit —
// response complete, local reply, reset — goes through finish(), which
// records stats and the access log exactly once.
import { HeaderMap } from './headers.js';
import { newRequestId } from './request-id.js';
import type { Clock } from '../../common/clock.js';
import type { Logger } from '../../common/log.js';
import type { ProxyContext } from '../context.js';
import { CONTINUE, type FilterStatus, type FilterStream, type HttpFilter, type HttpFilterFactory, type StreamState } from './filter.js';
import type { ConnectionInfo, DownstreamSink, HttpProtocol } from './downstream.js';
import { grpcStatusForHttp, isGrpcContentType, weftErrorHeader, type LocalReply } from './local-reply.js';
import type { HcmConfig } from './connection-manager-config.js';
import type { HcmStats } from './hcm-stats.js';
import type { RouteMatchResult, RouteTable } from '../route/route-table.js';
import type { PickedCluster } from '../route/weighted-clusters.js';
import { StreamInfo } from '../access-log/stream-info.js';
import { DC, OM, SI } from '../access-log/response-flags.js';

/** Consumes the request body once something (the router) is ready for it. */
export interface RequestBodySink {
  onData(chunk: Buffer, end: boolean): void;
  onTrailers(trailers: HeaderMap): void;
}

export type { StreamState } from './filter.js';

/** Request bytes or trailers waiting for the header path to reach a filter (body hooks only). */
interface HeldFrame {
  readonly data: Buffer | undefined;
  readonly end: boolean;
  readonly trailers: HeaderMap | undefined;
}

/** The terminal filter (the router): takes the request once every decode filter let it through. */
export interface TerminalFilter {
  decodeHeaders(s: HttpStream): void;
}

/**
 * The connection manager's tracer (tracing/http-tracer.ts), when its config
 * has `tracing`: one span per stream. Declared here so the stream does not
 * depend on the tracers.
 */
export interface StreamTracer<TSpan = unknown> {
  /** After routing, before the filters: decides, starts the span, writes the outgoing trace context into the request headers. */
  start(s: HttpStream): TSpan;
  /** Once, when the stream ends (any way): records the span if sampled. Never does I/O on the request path. */
  finish(s: HttpStream, span: TSpan): void;
}

/**
 * The connection manager as its streams and codecs see it (implemented by
 * hcm/hcm-runtime.ts; tests implement a small fake). One per HCM config
 * version, shared by every connection and stream that started under it.
 */
export interface ConnectionManager {
  readonly config: HcmConfig;
  readonly stats: HcmStats;
  readonly clock: Clock;
  readonly log: Logger;
  readonly ctx: ProxyContext;
  /** Request body bytes buffered before reading from the downstream pauses. */
  readonly bufferLimit: number;
  /** Per-stream filter factories in chain order, without the router. */
  readonly filterFactories: readonly HttpFilterFactory[];
  readonly router: TerminalFilter;
  /** Set when the config has `tracing`. */
  readonly tracer?: StreamTracer | undefined;
  /** Streams in flight (the codecs read it while draining). */
  activeStreams: number;
  random(): number;
  /** The current route table: inline, or the latest RDS version, or none yet. */
  routeTable(): RouteTable | undefined;
  /** Codecs call this when a request head is complete; the stream counts as active until onStreamDone. */
  newStream(conn: ConnectionInfo, sink: DownstreamSink, method: string, path: string, authority: string, scheme: string, headers: HeaderMap): HttpStream;
  onStreamDone(s: HttpStream): void;
  logAccess(info: StreamInfo): void;
  /** Envoy's request header rules (x-forwarded-*, x-request-id, …); run once before routing. */
  mutateRequestHeaders(s: HttpStream): void;
  /** Envoy's response header rules (server, date, …); run for every response head, local or upstream. */
  mutateResponseHeaders(s: HttpStream, h: HeaderMap): void;
}


export class HttpStream implements FilterStream {
  // Request, as the filters and router see and change it.
  method: string;
  /** :path including the query string. */
  path: string;
  authority: string;
  scheme: string;
  readonly headers: HeaderMap;
  readonly protocol: HttpProtocol;
  readonly info: StreamInfo;
  route: RouteMatchResult | undefined;
  /**
   * The cluster `route` picked when it was resolved (weighted clusters and
   * cluster_header included), before any filter runs, as Envoy's route cache
   * does: filters that answer locally (a fault abort) still report it.
   */
  routeCluster: PickedCluster | undefined;
  /** Set by filters that run per stream; index of the next filter on the decode path. */
  private filterIndex = 0;
  private filters: HttpFilter[] = [];
  private stopped = false;
  state: StreamState = 'decoding';

  // Request body plumbing: buffered until a body sink attaches.
  private bodySink: RequestBodySink | undefined;
  private pendingBody: Buffer[] | undefined;
  private pendingBodyBytes = 0;
  private pendingEnd = false;
  private pendingTrailers: HeaderMap | undefined;
  /** True once the whole request (incl. body) has been received. */
  requestComplete = false;

  // Body hooks. Decided once per stream in start(): when no filter of the
  // stream has one, body bytes go straight between codec and router.
  private bodyHooks = false;
  /** Request frames that reached filter `heldAt` before its decodeHeaders ran. */
  private held: HeldFrame[] | undefined;
  private heldAt = 0;
  /** The end of the request body (or its trailers) went past the filters. */
  private requestEndDelivered = false;
  /** The downstream's last writeData returned false and it has not drained yet. */
  private sinkBlocked = false;
  /** Filters over their encoder buffer limit (setEncoderAboveWatermark). */
  private filtersAboveWatermark = 0;
  /** encodeData returned false to the router, which waits for routerDrain. */
  private encoderPaused = false;
  private routerDrain: (() => void) | undefined;
  /** The router's decodeHeaders is running; a body sink it attaches gets the buffered body after it returns. */
  private inTerminal = false;
  private replayPending = false;

  /** Response status that went downstream (0 until then). */
  responseStatus = 0;
  /** True when the downstream asked for gRPC. */
  readonly isGrpc: boolean;
  /** Cleanup callbacks (router's upstream request, timers). */
  private cleanups: (() => void)[] = [];
  private idleTimer: { cancel(): void } | undefined;
  /** The tracer's span for this stream (hcm.tracer set), from start() to finish(). */
  private span: unknown = undefined;
  private requestTimer: { cancel(): void } | undefined;

  constructor(
    readonly hcm: ConnectionManager,
    readonly conn: ConnectionInfo,
    readonly sink: DownstreamSink,
    method: string,
    path: string,
    authority: string,
    scheme: string,
    headers: HeaderMap,
  ) {
    this.method = method;
    this.path = path;
    this.authority = authority;
    this.scheme = scheme;
    this.headers = headers;
    this.protocol = sink.protocol;
    this.isGrpc = isGrpcContentType(headers.get('content-type'));
    const info = new StreamInfo();
    info.startTime = hcm.clock.wallNow();
    info.startMonotonic = hcm.clock.now();
    info.protocol = sink.protocol;
    info.requestHeaders = headers;
    info.downstreamRemoteAddress = `${conn.remoteAddress}:${conn.remotePort}`;
    info.downstreamDirectRemoteAddress = info.downstreamRemoteAddress;
    info.downstreamLocalAddress = `${conn.localAddress}:${conn.localPort}`;
    info.connectionId = conn.id;
    if (conn.serverName) info.requestedServerName = conn.serverName;
    if (conn.tls) info.downstreamTls = conn.tls;
    this.info = info;
    sink.onDrain = undefined;
  }

  /** Starts processing once the request head is complete. */
  start(): void {
    const hcm = this.hcm;
    hcm.stats.downstreamRqTotal.inc();
    hcm.stats.downstreamRqActive.inc();
    if (this.protocol === 'HTTP/2') hcm.stats.downstreamRqHttp2Total.inc();
    else hcm.stats.downstreamRqHttp1Total.inc();
    this.armIdleTimer();
    if (hcm.config.requestTimeoutMs > 0) {
      this.requestTimer = hcm.clock.setTimer(hcm.config.requestTimeoutMs, () => this.onRequestTimeout());
    }
    if (this.protocol === 'HTTP/2' && hcm.config.headersWithUnderscores === 'REJECT_REQUEST' && this.headers.names.some((n) => n.includes('_'))) {
      this.sendLocalReply({ status: 400, code: 'WEFT_BAD_REQUEST', flag: 0, cause: 'header name with an underscore (headers_with_underscores_action: REJECT_REQUEST)', details: 'unexpected_underscore', source: `http_connection_manager=${hcm.config.statPrefix}` });
      return;
    }
    if (hcm.ctx.overload.rejectRequest(() => hcm.random())) {
      // Envoy's overload action: no filter chain is built for the request.
      hcm.ctx.stats.counter(`http.${hcm.config.statPrefix}.downstream_rq_overload_close`).inc();
      this.sendLocalReply({ status: 503, code: 'WEFT_OVERLOADED', flag: OM, cause: 'overload manager: envoy.overload_actions.stop_accepting_requests', body: 'envoy overloaded', details: 'overload', source: `http_connection_manager=${hcm.config.statPrefix}` });
      return;
    }
    hcm.mutateRequestHeaders(this);
    this.info.method = this.method;
    this.info.path = this.path;
    this.info.authority = this.authority;
    const table = hcm.routeTable();
    this.route = table ? table.route(this, (hcm.random() * 4294967296) >>> 0) : undefined;
    if (this.route) {
      this.info.routeName = this.route.route.name;
      this.routeCluster = this.route.route.pickCluster(this.route.view, this.route.rand);
      this.info.upstreamCluster = this.routeCluster?.name;
    }
    if (hcm.tracer) {
      try {
        this.span = hcm.tracer.start(this);
      } catch (err) {
        // Tracing never fails a request.
        hcm.log.error(`stream ${this.conn.id}: tracer error: ${String(err)}`);
      }
    }
    for (const f of hcm.filterFactories) {
      const inst = f.create(this);
      if (inst) {
        this.filters.push(inst);
        if (inst.decodeData || inst.decodeTrailers || inst.encodeData || inst.encodeTrailers) this.bodyHooks = true;
      }
    }
    if (this.bodyHooks) {
      this.requestEndDelivered = this.requestComplete;
      this.sink.onDrain = () => this.onSinkDrain();
    }
    this.continueDecoding();
  }

  /** Runs the remaining decode filters, then the router. Filters that stopped call this to resume. */
  continueDecoding(): void {
    if (this.state !== 'decoding') return;
    this.stopped = false;
    while (this.filterIndex < this.filters.length) {
      const f = this.filters[this.filterIndex++]!;
      if (!f.decodeHeaders) continue;
      let st;
      try {
        st = f.decodeHeaders(this);
      } catch (err) {
        this.internalError(err);
        return;
      }
      if (this.state !== 'decoding') return;
      if (st !== CONTINUE) {
        this.stopped = true;
        if (this.held) this.releaseHeld();
        return;
      }
    }
    if (this.held) {
      this.releaseHeld();
      if ((this.state as StreamState) === 'done') return;
    }
    this.inTerminal = true;
    try {
      this.hcm.router.decodeHeaders(this);
    } catch (err) {
      this.internalError(err);
    } finally {
      this.inTerminal = false;
    }
    if (this.replayPending) {
      this.replayPending = false;
      if ((this.state as StreamState) !== 'done') this.replayPendingBody();
    }
  }

  private internalError(err: unknown): void {
    this.hcm.log.error(`stream ${this.conn.id}: filter error: ${(err as Error)?.stack ?? String(err)}`);
    if (this.state === 'done') return;
    if (this.sink.headersSent) this.resetStream('filter_error');
    else this.sendLocalReply({ status: 500, code: 'WEFT_INTERNAL', flag: 0, cause: 'internal error in filter chain', details: 'filter_chain_error' });
  }

  // ---- request body ----

  /** Codec → stream: request body bytes. */
  onRequestData(chunk: Buffer, end: boolean): void {
    this.info.bytesReceived += chunk.length;
    if (end) this.requestComplete = true;
    this.touch();
    if (this.bodyHooks) this.decodeFrom(0, chunk, end, undefined);
    else this.deliverRequestData(chunk, end);
  }

  /** Request bytes past the filters: to the router, or buffered until it attaches. */
  private deliverRequestData(chunk: Buffer, end: boolean): void {
    if (end) this.requestEndDelivered = true;
    if (this.bodySink) {
      this.bodySink.onData(chunk, end);
      return;
    }
    if (this.state === 'done') return;
    if (!this.pendingBody) this.pendingBody = [];
    if (chunk.length) this.pendingBody.push(chunk);
    this.pendingBodyBytes += chunk.length;
    if (end) this.pendingEnd = true;
    if (this.pendingBodyBytes > this.hcm.bufferLimit) this.sink.pauseRequest();
  }

  onRequestTrailers(trailers: HeaderMap): void {
    this.requestComplete = true;
    this.touch();
    if (this.bodyHooks) this.decodeFrom(0, undefined, false, trailers);
    else this.deliverRequestTrailers(trailers);
  }

  private deliverRequestTrailers(trailers: HeaderMap): void {
    this.requestEndDelivered = true;
    if (this.bodySink) this.bodySink.onTrailers(trailers);
    else {
      this.pendingTrailers = trailers;
      this.pendingEnd = true;
    }
  }

  /** Attaches the consumer of the request body and replays what was buffered. */
  attachBodySink(sink: RequestBodySink): void {
    this.bodySink = sink;
    // The router attaches before it starts its upstream request; body that
    // arrived earlier (a filter held the headers) is handed over once it has.
    if (this.inTerminal) this.replayPending = true;
    else this.replayPendingBody();
  }

  private replayPendingBody(): void {
    const sink = this.bodySink!;
    const pending = this.pendingBody;
    this.pendingBody = undefined;
    const wasPaused = this.pendingBodyBytes > this.hcm.bufferLimit;
    this.pendingBodyBytes = 0;
    if (pending) {
      for (let i = 0; i < pending.length; i++) sink.onData(pending[i]!, this.pendingEnd && i === pending.length - 1 && !this.pendingTrailers);
      if (pending.length === 0 && this.pendingEnd && !this.pendingTrailers) sink.onData(Buffer.alloc(0), true);
    } else if (this.pendingEnd && !this.pendingTrailers) sink.onData(Buffer.alloc(0), true);
    if (this.pendingTrailers) sink.onTrailers(this.pendingTrailers);
    if (wasPaused) this.sink.resumeRequest();
  }

  /** Buffered request body so far (for filters that must see it); does not consume it. */
  get hasRequestBody(): boolean {
    // With body hooks a filter may still hold bytes after the codec saw the end.
    const ended = this.bodyHooks ? this.requestEndDelivered : this.requestComplete;
    return !ended || (this.pendingBody?.length ?? 0) > 0;
  }

  // ---- body hooks (only when a filter of this stream has one) ----

  /** Runs request data (or trailers) through the decode filters from index `i`. */
  private decodeFrom(i: number, data: Buffer | undefined, end: boolean, trailers: HeaderMap | undefined): void {
    const fs = this.filters;
    for (; i < fs.length; i++) {
      if (i >= this.filterIndex) {
        // This filter has not seen the request head yet: wait for continueDecoding.
        (this.held ??= []).push({ data, end, trailers });
        this.heldAt = i;
        return;
      }
      const f = fs[i]!;
      try {
        if (trailers) {
          if (!f.decodeTrailers) continue;
          const st: FilterStatus = f.decodeTrailers(this, trailers);
          if (this.state === 'done' || st !== CONTINUE) return;
        } else {
          if (!f.decodeData) continue;
          const out = f.decodeData(this, data!, end);
          if (this.state === 'done' || out === null) return;
          data = out;
        }
      } catch (err) {
        this.internalError(err);
        return;
      }
    }
    if (trailers) this.deliverRequestTrailers(trailers);
    else this.deliverRequestData(data!, end);
  }

  private releaseHeld(): void {
    const q = this.held!;
    this.held = undefined;
    const at = this.heldAt;
    for (const h of q) {
      if (this.state === 'done') return;
      this.decodeFrom(at, h.data, h.end, h.trailers);
    }
  }

  injectDecodedData(from: HttpFilter, data: Buffer, end: boolean): void {
    const i = this.filters.indexOf(from);
    if (i >= 0 && this.state !== 'done') this.decodeFrom(i + 1, data, end, undefined);
  }

  injectDecodedTrailers(from: HttpFilter, trailers: HeaderMap): void {
    const i = this.filters.indexOf(from);
    if (i >= 0 && this.state !== 'done') this.decodeFrom(i + 1, undefined, false, trailers);
  }

  /** Runs response data (or trailers) through the encode filters from index `i` down; false: pause the producer. */
  private encodeFrom(i: number, data: Buffer | undefined, end: boolean, trailers: HeaderMap | undefined): boolean {
    const fs = this.filters;
    for (; i >= 0; i--) {
      const f = fs[i]!;
      try {
        if (trailers) {
          if (!f.encodeTrailers) continue;
          const st: FilterStatus = f.encodeTrailers(this, trailers);
          if (this.state === 'done' || st !== CONTINUE) return true;
        } else {
          if (!f.encodeData) continue;
          const out = f.encodeData(this, data!, end);
          if (this.state === 'done') return true;
          if (out === null) return this.encoderWritable();
          data = out;
        }
      } catch (err) {
        this.hcm.log.error(`encode filter error: ${(err as Error)?.stack ?? String(err)}`);
        this.resetStream('filter_error');
        return true;
      }
    }
    if (trailers) {
      this.sinkTrailers(trailers);
      return true;
    }
    this.sinkData(data!, end);
    return this.encoderWritable();
  }

  private encoderWritable(): boolean {
    if (this.state === 'done') return true;
    const ok = !this.sinkBlocked && this.filtersAboveWatermark === 0;
    if (!ok) this.encoderPaused = true;
    return ok;
  }

  injectEncodedData(from: HttpFilter, data: Buffer, end: boolean): boolean {
    const i = this.filters.indexOf(from);
    if (i < 0 || this.state === 'done') return true;
    this.encodeFrom(i - 1, data, end, undefined);
    return !this.sinkBlocked;
  }

  injectEncodedTrailers(from: HttpFilter, trailers: HeaderMap): void {
    const i = this.filters.indexOf(from);
    if (i >= 0 && this.state !== 'done') this.encodeFrom(i - 1, undefined, false, trailers);
  }

  setEncoderAboveWatermark(above: boolean): void {
    this.filtersAboveWatermark += above ? 1 : -1;
    if (!above) this.maybeResumeEncoder();
  }

  private onSinkDrain(): void {
    this.sinkBlocked = false;
    for (const f of this.filters) {
      if (this.state === 'done') return;
      f.encodeDrained?.(this);
    }
    this.maybeResumeEncoder();
  }

  private maybeResumeEncoder(): void {
    if (!this.encoderPaused || this.sinkBlocked || this.filtersAboveWatermark > 0 || this.state === 'done') return;
    this.encoderPaused = false;
    this.routerDrain?.();
  }

  // ---- response ----

  /** Router/filters → downstream: response head. */
  encodeHeaders(status: number, headers: HeaderMap, end: boolean): void {
    if (this.state === 'done') return;
    this.state = 'encoding';
    this.cancelRequestTimer();
    for (let i = this.filters.length - 1; i >= 0; i--) {
      const f = this.filters[i]!;
      if (f.encodeHeaders) {
        try {
          f.encodeHeaders(this, status, headers, end);
        } catch (err) {
          this.hcm.log.error(`encode filter error: ${String(err)}`);
        }
      }
    }
    this.hcm.mutateResponseHeaders(this, headers);
    this.responseStatus = status;
    this.info.responseCode = status;
    this.info.responseHeaders = headers;
    this.sink.writeHeaders(status, headers, end);
    if (end) this.finish();
    else this.touch();
  }

  /** Sends a 101 head; the connection then becomes a raw tunnel until finishTunnel(). */
  encodeHeadersForUpgrade(status: number, headers: HeaderMap): void {
    this.state = 'encoding';
    this.cancelRequestTimer();
    this.idleTimer?.cancel();
    this.idleTimer = undefined;
    this.hcm.mutateResponseHeaders(this, headers);
    this.responseStatus = status;
    this.info.responseCode = status;
    this.info.responseHeaders = headers;
    this.sink.writeHeaders(status, headers, false);
  }

  /** The upgraded tunnel closed. */
  finishTunnel(): void {
    this.finish();
  }

  /** Returns false when the downstream is slow; the caller waits for `onDownstreamDrain`. */
  encodeData(chunk: Buffer, end: boolean): boolean {
    if (this.state === 'done') return true;
    if (this.bodyHooks) return this.encodeFrom(this.filters.length - 1, chunk, end, undefined);
    return this.sinkData(chunk, end);
  }

  private sinkData(chunk: Buffer, end: boolean): boolean {
    this.info.bytesSent += chunk.length;
    const ok = this.sink.writeData(chunk, end);
    if (!ok) this.sinkBlocked = true;
    if (end) this.finish();
    else this.touch();
    return ok;
  }

  encodeTrailers(trailers: HeaderMap): void {
    if (this.state === 'done') return;
    if (this.bodyHooks) this.encodeFrom(this.filters.length - 1, undefined, false, trailers);
    else this.sinkTrailers(trailers);
  }

  private sinkTrailers(trailers: HeaderMap): void {
    this.info.responseTrailers = trailers;
    this.sink.writeTrailers(trailers);
    this.finish();
  }

  /** Registers a callback for when the downstream can take more data. */
  set onDownstreamDrain(fn: (() => void) | undefined) {
    // With body hooks the stream owns the sink's drain and resumes the producer itself.
    if (this.bodyHooks) this.routerDrain = fn;
    else this.sink.onDrain = fn;
  }

  /**
   * Answers the request locally with Envoy's status, flag and body, plus
   * x-weft-error. gRPC callers get a trailers-only gRPC reply.
   */
  sendLocalReply(r: LocalReply, extraHeaders?: HeaderMap): void {
    if (this.state === 'done') return;
    if (r.flag) this.info.setResponseFlag(r.flag);
    this.info.responseCodeDetails = r.details;
    this.info.weftError = r.code;
    if (this.sink.headersSent) {
      // Too late for a reply: the head went out. Reset instead, as Envoy does.
      this.resetStream(r.details);
      return;
    }
    const h = extraHeaders ?? new HeaderMap();
    h.set('x-weft-error', weftErrorHeader(r));
    const body = r.body ?? r.cause;
    if (this.isGrpc) {
      h.set('content-type', 'application/grpc');
      h.set('grpc-status', String(grpcStatusForHttp(r.status)));
      h.set('grpc-message', grpcPercentEncode(body));
      this.encodeHeaders(200, h, true);
      return;
    }
    const isHead = this.method === 'HEAD';
    const buf = Buffer.from(body);
    if (buf.length > 0) h.set('content-type', 'text/plain');
    h.set('content-length', String(buf.length));
    this.encodeHeaders(r.status, h, isHead || buf.length === 0);
    if (!isHead && buf.length > 0) this.encodeData(buf, true);
  }

  sendResponse(status: number, headers: HeaderMap, body: string, details: string): void {
    if (this.state === 'done') return;
    this.info.responseCodeDetails = details;
    const buf = Buffer.from(body);
    headers.set('content-length', String(buf.length));
    const noBody = this.method === 'HEAD' || buf.length === 0;
    this.encodeHeaders(status, headers, noBody);
    if (!noBody) this.encodeData(buf, true);
  }

  /** Aborts the exchange without a response (or mid-response). */
  resetStream(reason: string): void {
    if (this.state === 'done') return;
    if (!this.info.responseCodeDetails) this.info.responseCodeDetails = reason;
    this.hcm.stats.downstreamRqTxReset.inc();
    this.sink.reset();
    this.finish();
  }

  /** Codec → stream: the downstream went away or reset the stream. */
  onDownstreamReset(): void {
    if (this.state === 'done') return;
    this.info.setResponseFlag(DC);
    if (!this.info.responseCodeDetails) this.info.responseCodeDetails = 'downstream_remote_disconnect';
    this.hcm.stats.downstreamRqRxReset.inc();
    this.finish();
  }

  /** Registers cleanup to run when the stream ends, whichever way. */
  onEnd(fn: () => void): void {
    this.cleanups.push(fn);
  }

  private finish(): void {
    if (this.state === 'done') return;
    this.state = 'done';
    this.idleTimer?.cancel();
    this.cancelRequestTimer();
    const hcm = this.hcm;
    const now = hcm.clock.now();
    this.info.duration = now - this.info.startMonotonic;
    hcm.stats.downstreamRqActive.dec();
    hcm.stats.recordResponse(this.responseStatus, this.info.duration);
    for (const f of this.filters) {
      try {
        f.onDestroy?.(this);
      } catch {
        /* a filter's cleanup error must not escape */
      }
    }
    for (const c of this.cleanups) {
      try {
        c();
      } catch {
        /* ditto */
      }
    }
    if (this.span !== undefined) {
      try {
        hcm.tracer!.finish(this, this.span);
      } catch {
        /* ditto */
      }
    }
    hcm.logAccess(this.info);
    hcm.onStreamDone(this);
  }

  // ---- timers ----

  /** Marks activity for stream_idle_timeout: a timestamp only; the one timer re-checks it when it fires. */
  touch(): void {
    this.lastActivity = this.hcm.clock.now();
  }

  private lastActivity = 0;

  /** Idle-timeout override from the route (RouteAction.idle_timeout); 0 disables. */
  setIdleTimeout(ms: number): void {
    this.idleTimeoutMs = ms;
    this.idleTimer?.cancel();
    this.idleTimer = undefined;
    this.armIdleTimer();
  }

  private idleTimeoutMs = -1;

  private armIdleTimer(): void {
    const ms = this.idleTimeoutMs >= 0 ? this.idleTimeoutMs : this.hcm.config.streamIdleTimeoutMs;
    if (ms <= 0) return;
    this.lastActivity = this.hcm.clock.now();
    const fire = () => {
      if (this.state === 'done') return;
      const idleFor = this.hcm.clock.now() - this.lastActivity;
      if (idleFor < ms) {
        this.idleTimer = this.hcm.clock.setTimer(ms - idleFor, fire);
        return;
      }
      this.hcm.stats.downstreamRqIdleTimeout.inc();
      if (this.sink.headersSent) this.resetStream('stream_idle_timeout');
      else this.sendLocalReply({ status: 408, code: 'WEFT_STREAM_IDLE_TIMEOUT', flag: SI, cause: 'stream idle timeout', body: 'stream timeout', details: 'stream_idle_timeout', source: `http_connection_manager=${this.hcm.config.statPrefix}` });
    };
    this.idleTimer = this.hcm.clock.setTimer(ms, fire);
  }

  private cancelRequestTimer(): void {
    this.requestTimer?.cancel();
    this.requestTimer = undefined;
  }

  private onRequestTimeout(): void {
    if (this.state !== 'decoding' || this.requestComplete) return;
    this.hcm.stats.downstreamRqTimeout.inc();
    this.sendLocalReply({ status: 408, code: 'WEFT_REQUEST_TIMEOUT', flag: 0, cause: 'request not received within request_timeout', body: 'request timeout', details: 'request_overall_timeout', source: `http_connection_manager=${this.hcm.config.statPrefix}` });
  }

  /** Generates an x-request-id (UUID v4). */
  static newRequestId(): string {
    return newRequestId();
  }
}

/** gRPC's grpc-message encoding: percent-encode bytes outside 0x20–0x7E, and "%". */
export function grpcPercentEncode(msg: string): string {
  const b = Buffer.from(msg, 'utf8');
  let out = '';
  for (const c of b) {
    if (c >= 0x20 && c <= 0x7e && c !== 0x25) out += String.fromCharCode(c);
    else out += '%' + c.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}
