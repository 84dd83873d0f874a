// One request's trip upstream: attempts (with retries, back-off, per-try
// timeouts, host re-selection), the overall route timeout, request body
// buffering for replay, request mirroring, and relaying the response.
import { HeaderMap } from '../http/headers.js';
import type { ConnectionManager, HttpStream } from '../http/stream.js';
import type { ProxyContext } from '../context.js';
import type { LocalReply } from '../http/local-reply.js';
import { UC, UF, UO, UPE, UR, URX, UT, UH } from '../access-log/response-flags.js';
import type { UpstreamCluster } from '../upstream/cluster.js';
import type { UpstreamHost } from '../upstream/host.js';
import type { DownstreamDestination, LbContext } from '../lb/types.js';
import type { ResetReason, UpstreamCallbacks, UpstreamConnectionInfo, UpstreamRequest } from '../upstream/types.js';
import type { RouterFilterConfig } from './router-config.js';
import type { RouteView } from './route-view.js';
import { backoffMs, parseRetryOn, retriableReset, retriableResponse, type ResetKind, type RetryPolicy } from '../route/retry-policy.js';
import { shadowAuthority, type MirrorPolicy } from '../route/mirror-policy.js';

/** Hop-by-hop headers never forwarded (RFC 9110 §7.6.1). */
export const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade'];

/** Request bytes kept for replaying on a retry (Envoy's per-request buffer limit default). */
const RETRY_BUFFER_LIMIT = 1024 * 1024;
const EMPTY = Buffer.alloc(0);

/** One try upstream; it is also the pool's callback object (no closures per request). */
class Attempt implements UpstreamCallbacks {
  upstream!: UpstreamRequest;
  perTry: { cancel(): void } | undefined = undefined;
  done = false;
  /** Response headers were relayed downstream. */
  committed = false;

  constructor(readonly ex: UpstreamExchange, readonly host: UpstreamHost, readonly start: number) {}

  onPoolReady(conn: UpstreamConnectionInfo): void {
    this.ex.onPoolReady(this, conn);
  }
  onHeaders(status: number, headers: HeaderMap, end: boolean): void {
    this.ex.onHeaders(this, status, headers, end);
  }
  onData(chunk: Buffer, end: boolean): void {
    this.ex.onData(this, chunk, end);
  }
  onTrailers(t: HeaderMap): void {
    this.ex.onTrailers(this, t);
  }
  onReset(reason: ResetReason, detail: string, transportFailureReason?: string): void {
    this.ex.onReset(this, reason, detail, transportFailureReason);
  }
}

/** What an exchange reads from the router that started it (router.ts's Router). */
export interface ExchangeOwner {
  readonly ctx: ProxyContext;
  readonly hcm: ConnectionManager;
  readonly cfg: RouterFilterConfig;
}

export class UpstreamExchange {
  private attempt: Attempt | undefined;
  private gotHeaders = false;
  private done = false;
  private globalTimer: { cancel(): void } | undefined;
  private backoffTimer: { cancel(): void } | undefined;
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy | undefined;
  private readonly retryOn: number;
  private retriesLeft: number;
  private retriesDone = 0;
  /** Hosts tried so far (only tracked for the previous_hosts retry predicate). */
  private tried: Set<UpstreamHost> | undefined;
  /** Request body seen so far, for replay on retries and for mirrors. */
  private body: Buffer[] = [];
  private bodyBytes = 0;
  private bodyEnded = false;
  private bodyTrailers: HeaderMap | undefined;
  private bodyOverflow = false;
  private mirrors: UpstreamRequest[] = [];
  private retryActive = false;

  constructor(
    private readonly router: ExchangeOwner,
    private readonly s: HttpStream,
    private readonly rv: RouteView,
    private readonly cluster: UpstreamCluster,
  ) {
    const h = s.headers;
    this.retry = rv.retryPolicy;
    let retryOn = this.retry?.retryOn ?? 0;
    let numRetries = this.retry?.numRetries ?? 0;
    // Envoy honours these request headers (and consumes them).
    const ro = h.get('x-envoy-retry-on');
    if (ro !== undefined) {
      retryOn |= parseRetryOn(ro);
      if (!this.retry) numRetries = 1;
      h.remove('x-envoy-retry-on');
    }
    const rgo = h.get('x-envoy-retry-grpc-on');
    if (rgo !== undefined) {
      retryOn |= parseRetryOn(rgo);
      if (!this.retry && ro === undefined) numRetries = 1;
      h.remove('x-envoy-retry-grpc-on');
    }
    const mr = h.get('x-envoy-max-retries');
    if (mr !== undefined) {
      const n = Number(mr);
      if (Number.isInteger(n) && n >= 0) numRetries = n;
      h.remove('x-envoy-max-retries');
    }
    this.retryOn = retryOn;
    this.retriesLeft = retryOn ? numRetries : 0;
    this.timeoutMs = this.computeTimeout();
  }

  /** Envoy: route timeout, overridden by x-envoy-upstream-rq-timeout-ms, or by grpc-timeout when enabled; 0 disables. */
  private computeTimeout(): number {
    const h = this.s.headers;
    let t = this.rv.timeoutMs;
    const grpcMax = this.rv.grpcTimeoutHeaderMaxMs;
    if (grpcMax !== undefined && this.s.isGrpc) {
      const g = parseGrpcTimeout(h.get('grpc-timeout'));
      if (g !== undefined) {
        t = grpcMax > 0 ? Math.min(g, grpcMax) : g;
        const off = this.rv.grpcTimeoutHeaderOffsetMs;
        if (off > 0 && t > off) t -= off;
      } else if (grpcMax > 0) t = grpcMax;
    }
    const hdr = h.get('x-envoy-upstream-rq-timeout-ms');
    if (hdr !== undefined) {
      const n = Number(hdr);
      if (Number.isInteger(n) && n >= 0) t = n;
      h.remove('x-envoy-upstream-rq-timeout-ms');
    }
    return t;
  }

  start(): void {
    const s = this.s;
    const cluster = this.cluster;
    const rv = this.rv;
    rv.applyRequestRewrites(s);
    rv.applyRequestHeaders(s.headers, s, cluster.config.name);
    for (const h of this.router.hcm.routeTable()?.internalOnlyHeaders ?? []) s.headers.remove(h);
    const upgrade = this.upgradeType();
    const asked = s.headers.get('upgrade');
    if (asked !== undefined && !upgrade && s.protocol !== 'HTTP/2' && asked.toLowerCase() !== 'h2c' && /(^|,)\s*upgrade\s*(,|$)/i.test(s.headers.getJoined('connection') ?? '')) {
      // Envoy refuses an upgrade the connection manager or route does not allow.
      this.router.hcm.stats.downstreamRqWsOnNonWsRoute.inc();
      this.done = true;
      this.s.sendLocalReply({ status: 403, flag: 0, code: 'WEFT_BAD_REQUEST', details: 'upgrade_failed', body: '', cause: `upgrade "${asked}" is not enabled (upgrade_configs)`, source: this.rv.source });
      return;
    }
    for (const n of HOP_BY_HOP) if (n !== 'upgrade' || !upgrade) s.headers.remove(n);
    if (this.timeoutMs > 0 && !this.router.cfg.suppressEnvoyHeaders) s.headers.set('x-envoy-expected-rq-timeout-ms', String(this.timeoutMs));
    if (this.timeoutMs > 0) this.globalTimer = this.router.hcm.clock.setTimer(this.timeoutMs, () => this.onGlobalTimeout());
    const idle = this.rv.idleTimeoutMs;
    if (idle !== undefined) s.setIdleTimeout(idle);
    // retriable_request_headers: only requests that match are retried.
    if (this.retry && this.retry.retriableRequestHeaders.length > 0 && s.route && !this.retry.retriableRequestHeaders.some((c) => c.matches(s.route!.view))) this.retriesLeft = 0;
    s.onEnd(() => this.cleanup());
    // The request body feeds the current attempt, the retry buffer and the mirrors.
    if (!(s.requestComplete && !s.hasRequestBody)) {
      s.attachBodySink({
        onData: (chunk, end) => this.onRequestData(chunk, end),
        onTrailers: (t) => this.onRequestTrailers(t),
      });
    } else this.bodyEnded = true;
    this.startMirrors();
    this.startAttempt();
  }

  private upgradeType(): string | undefined {
    const u = this.s.headers.get('upgrade');
    if (!u) return undefined;
    const t = u.toLowerCase();
    return this.router.hcm.config.upgradeTypes.has(t) && this.rv.upgradeAllowed(t) ? t : undefined;
  }

  // ---- request body ----

  private onRequestData(chunk: Buffer, end: boolean): void {
    if (end) this.bodyEnded = true;
    if ((this.retriesLeft > 0 || this.mirrors.length > 0) && !this.bodyOverflow) {
      if (chunk.length) {
        this.body.push(chunk);
        this.bodyBytes += chunk.length;
      }
      if (this.bodyBytes > RETRY_BUFFER_LIMIT) {
        // Too big to replay: this request is not retried (Envoy: retry_or_shadow_abandoned).
        this.bodyOverflow = true;
        this.body = [];
        this.retriesLeft = 0;
        this.router.hcm.stats.rqRetryOrShadowAbandoned.inc();
      }
    }
    const a = this.attempt;
    if (a && !a.done && !a.upstream.sendData(chunk, end)) {
      // The upstream is slow: stop reading the downstream until it drains.
      const sink = this.s.sink;
      sink.pauseRequest();
      a.upstream.onDrain = () => {
        a.upstream.onDrain = undefined;
        sink.resumeRequest();
      };
    }
    for (const m of this.mirrors) m.sendData(chunk, end);
  }

  private onRequestTrailers(t: HeaderMap): void {
    this.bodyEnded = true;
    this.bodyTrailers = t;
    const a = this.attempt;
    if (a && !a.done) a.upstream.sendTrailers(t);
    for (const m of this.mirrors) m.sendTrailers(t);
  }

  // ---- attempts ----

  private startAttempt(): void {
    const s = this.s;
    const cluster = this.cluster;
    if (!cluster.resources.canStartRequest()) {
      cluster.stats.upstreamRqPendingOverflow.inc();
      this.finishWithReply({ status: 503, flag: UO, code: 'WEFT_UPSTREAM_OVERFLOW', details: 'overflow', body: 'upstream connect error or disconnect/reset before headers. reset reason: overflow', cause: `circuit breaker max_requests (${cluster.resources.limits.maxRequests}) reached`, source: `cluster=${cluster.config.name}` });
      return;
    }
    const tried = this.tried;
    const lbCtx: LbContext | undefined = tried
      ? { hash: this.rv.computeHash(s), attempt: this.retriesDone + 1, shouldSkipHost: (h) => tried.has(h as UpstreamHost), hostSelectionRetryCount: this.retry!.hostSelectionRetryMaxAttempts }
      : this.rv.hasHashPolicy ? { hash: this.rv.computeHash(s) } : undefined;
    // ORIGINAL_DST clusters pick from where the request was going.
    const host = cluster.pickHost(cluster.originalDst ? { ...lbCtx, downstream: downstreamDestination(s) } : lbCtx);
    if (!host) {
      cluster.stats.upstreamCxNoneHealthy.inc();
      this.finishWithReply({ status: 503, flag: UH, code: 'WEFT_NO_HEALTHY_UPSTREAM', details: 'no_healthy_upstream', body: 'no healthy upstream', cause: `cluster "${cluster.config.name}" has no healthy host (${cluster.hosts.length} hosts)`, source: `cluster=${cluster.config.name}` });
      return;
    }
    if (this.retry?.avoidPreviousHosts) (this.tried ??= new Set()).add(host);
    s.info.upstreamHost = host.key;
    s.info.attemptCount++;
    const vhost = s.route?.vhost;
    if (vhost?.includeRequestAttemptCount) s.headers.set('x-envoy-attempt-count', String(s.info.attemptCount));
    cluster.resources.requestStarted();
    cluster.stats.upstreamRqTotal.inc();
    cluster.stats.upstreamRqActive.inc();
    host.activeRequests++;
    host.rqTotal++;
    const now = this.router.hcm.clock.now();
    const upgrade = this.upgradeType();
    const replay = this.body.length > 0 || this.bodyTrailers !== undefined;
    const endNow = this.bodyEnded && !replay;
    const head = { method: s.method, path: s.path, authority: this.rv.hostRewrite(s, host), scheme: s.scheme, headers: s.headers, end: endNow, ...(upgrade ? { upgrade } : {}) };
    const a = new Attempt(this, host, now);
    this.attempt = a;
    a.upstream = cluster.newRequest(host, s.protocol, head, a);
    if (replay) {
      const chunks = this.body;
      for (let i = 0; i < chunks.length; i++) a.upstream.sendData(chunks[i]!, this.bodyEnded && !this.bodyTrailers && i === chunks.length - 1);
      if (this.bodyTrailers) a.upstream.sendTrailers(this.bodyTrailers);
      else if (this.bodyEnded && chunks.length === 0) a.upstream.sendData(EMPTY, true);
    }
    const perTry = this.retry?.perTryTimeoutMs ?? 0;
    if (perTry > 0 && !a.done) a.perTry = this.router.hcm.clock.setTimer(perTry, () => this.onPerTryTimeout(a));
    else if ((this.retry?.perTryIdleTimeoutMs ?? 0) > 0) this.armPerTryIdle(a);
  }

  private armPerTryIdle(a: Attempt): void {
    const ms = this.retry!.perTryIdleTimeoutMs;
    a.perTry?.cancel();
    a.perTry = this.router.hcm.clock.setTimer(ms, () => this.onPerTryTimeout(a));
  }

  /** Ends an attempt's bookkeeping (circuit breaker, host counters). */
  private endAttempt(a: Attempt, success: boolean): void {
    if (a.done) return;
    a.done = true;
    a.perTry?.cancel();
    const c = this.cluster;
    c.resources.requestEnded();
    c.stats.upstreamRqActive.dec();
    a.host.activeRequests--;
    if (success) a.host.rqSuccess++;
    else a.host.rqError++;
  }

  onPoolReady(a: Attempt, conn: UpstreamConnectionInfo): void {
    const info = this.s.info;
    info.upstreamLocalAddress = conn.localAddress;
    info.upstreamPeerUriSans = conn.tls?.peerUriSans;
    info.upstreamLocalUriSans = conn.tls?.localUriSans;
    info.upstreamPeerSubject = conn.tls?.peerSubject;
    info.upstreamTlsVersion = conn.tls?.version;
    // The connection was made: a local-origin success for outlier detection.
    this.cluster.outlier?.putLocalOrigin(a.host, 'success');
  }

  onHeaders(a: Attempt, status: number, headers: HeaderMap, end: boolean): void {
    if (a !== this.attempt || this.done) return;
    const s = this.s;
    if (status === 101 && !(this.upgradeType() && a.upstream.takeOverForUpgrade && s.sink.takeOverForUpgrade)) {
      // Tunnel only after an upgrade the request asked for and the route allows
      // (the HTTP/1.1 pool already refuses this; any other pool lands here).
      this.cluster.stats.upstreamCxProtocolError.inc();
      a.upstream.reset();
      this.onReset(a, 'protocol_error', '101 Switching Protocols to a request that asked for no allowed upgrade');
      return;
    }
    const now = this.router.hcm.clock.now();
    this.cluster.stats.recordResponse(status);
    this.cluster.stats.rqTime.record(now - a.start);
    this.cluster.outlier?.putHttpResult(a.host, status);
    if (status >= 500) s.info.upstreamHost = a.host.key;
    if (this.retryOn && retriableResponse(this.retryOn, this.retry, status, headers)) {
      if (this.retriesLeft > 0 && this.maybeRetry(a, `response ${status}`)) return;
      if (this.retriesLeft === 0) this.retryLimitReached();
    }
    a.committed = true;
    this.gotHeaders = true;
    this.globalTimer?.cancel();
    if (this.retry?.perTryIdleTimeoutMs) this.armPerTryIdle(a);
    else a.perTry?.cancel();
    if (this.retriesDone > 0 && status < 500) this.cluster.stats.upstreamRqRetrySuccess.inc();
    s.info.responseDuration = now - s.info.startMonotonic;
    s.info.upstreamServiceTime = now - a.start;
    s.info.responseCodeDetails = 'via_upstream';
    if (!this.router.cfg.suppressEnvoyHeaders) headers.set('x-envoy-upstream-service-time', String(Math.round(now - a.start)));
    if (s.route?.vhost.includeAttemptCountInResponse) headers.set('x-envoy-attempt-count', String(s.info.attemptCount));
    this.rv.applyResponseHeaders(headers, s, this.cluster.config.name);
    if (status === 101 && a.upstream.takeOverForUpgrade && s.sink.takeOverForUpgrade) {
      this.startTunnel(a, status, headers);
      return;
    }
    for (const n of HOP_BY_HOP) headers.remove(n);
    if (end) this.finishAttempt(a, true);
    s.onDownstreamDrain = () => a.upstream.resumeResponse();
    s.encodeHeaders(status, headers, end);
  }

  onData(a: Attempt, chunk: Buffer, end: boolean): void {
    if (a !== this.attempt || !a.committed) return;
    if (end) this.finishAttempt(a, true);
    else if (this.retry?.perTryIdleTimeoutMs) this.armPerTryIdle(a);
    if (!this.s.encodeData(chunk, end)) a.upstream.pauseResponse();
  }

  onTrailers(a: Attempt, t: HeaderMap): void {
    if (a !== this.attempt || !a.committed) return;
    this.finishAttempt(a, true);
    this.s.encodeTrailers(t);
  }

  private finishAttempt(a: Attempt, success: boolean): void {
    this.endAttempt(a, success);
    if (!this.done) {
      this.done = true;
      this.globalTimer?.cancel();
    }
  }

  onReset(a: Attempt, reason: ResetReason, detail: string, transportFailureReason?: string): void {
    if (a !== this.attempt || this.done) return;
    // Kept from the last failed connect (retries included), as Envoy's UPSTREAM_TRANSPORT_FAILURE_REASON.
    if (transportFailureReason) this.s.info.upstreamTransportFailureReason = transportFailureReason;
    const s = this.s;
    const c = this.cluster;
    this.endAttempt(a, false);
    if (reason === 'remote_reset' || reason === 'connection_termination') c.stats.upstreamRqRxReset.inc();
    if (a.committed) {
      this.done = true;
      s.info.setResponseFlag(UR);
      s.resetStream('upstream_reset_after_response_started');
      return;
    }
    if (reason !== 'overflow') this.cluster.outlier?.putLocalOrigin(a.host, reason === 'connection_failure' || reason === 'connection_timeout' ? 'connect_failed' : 'reset');
    const kind: ResetKind = reason === 'connection_failure' || reason === 'connection_timeout' ? 'connect_failure' : detail === 'refused stream' ? 'refused_stream' : 'reset';
    if (reason !== 'overflow' && this.retryOn && retriableReset(this.retryOn, kind)) {
      if (this.retriesLeft > 0 && this.maybeRetry(a, reason)) return;
      if (this.retriesLeft === 0) this.retryLimitReached();
    }
    this.replyForReset(a, reason, detail, transportFailureReason);
  }

  private replyForReset(a: Attempt, reason: ResetReason, detail: string, transportFailureReason?: string): void {
    const s = this.s;
    const name = this.cluster.config.name;
    const host = a.host.key;
    switch (reason) {
      case 'overflow':
        this.finishWithReply({ status: 503, flag: UO, code: 'WEFT_UPSTREAM_OVERFLOW', details: 'overflow', body: 'upstream connect error or disconnect/reset before headers. reset reason: overflow', cause: detail, source: `cluster=${name}` });
        return;
      case 'connection_failure':
      case 'connection_timeout':
        if (transportFailureReason) {
          // Envoy: the transport's reason joins the details (spaces as '_') and the body.
          this.finishWithReply({
            status: 503, flag: UF, code: 'WEFT_UPSTREAM_TLS_FAILURE',
            details: `upstream_reset_before_response_started{connection_failure|${transportFailureReason.replace(/\s/g, '_')}}`,
            body: `upstream connect error or disconnect/reset before headers. reset reason: connection failure, transport failure reason: ${transportFailureReason}`,
            // detail names the secret when one is missing; otherwise it is the reason itself.
            cause: `TLS to ${host} failed: ${detail}${this.retriesDone ? ` (after ${this.retriesDone} retries)` : ''}`, source: `cluster=${name}`,
          });
          return;
        }
        s.info.upstreamTransportFailureReason = detail;
        this.finishWithReply({
          status: 503, flag: UF,
          code: reason === 'connection_timeout' ? 'WEFT_UPSTREAM_CONNECT_TIMEOUT' : 'WEFT_UPSTREAM_CONNECT_FAILURE',
          details: 'upstream_reset_before_response_started{connection_failure}',
          body: `upstream connect error or disconnect/reset before headers. reset reason: connection ${reason === 'connection_timeout' ? 'timeout' : 'failure'}`,
          cause: `connecting to ${host} failed: ${detail}${this.retriesDone ? ` (after ${this.retriesDone} retries)` : ''}`, source: `cluster=${name}`,
        });
        return;
      case 'protocol_error':
        this.finishWithReply({ status: 502, flag: UPE, code: 'WEFT_UPSTREAM_PROTOCOL_ERROR', details: 'upstream_reset_before_response_started{protocol_error}', body: 'upstream connect error or disconnect/reset before headers. reset reason: protocol error', cause: `${host} sent a malformed response: ${detail}`, source: `cluster=${name}` });
        return;
      default: {
        const term = reason === 'connection_termination';
        this.finishWithReply({
          status: 503, flag: term ? UC : UR, code: 'WEFT_UPSTREAM_RESET',
          details: `upstream_reset_before_response_started{${term ? 'connection_termination' : 'remote_reset'}}`,
          body: `upstream connect error or disconnect/reset before headers. reset reason: ${term ? 'connection termination' : 'remote reset'}`,
          cause: `${host} ${detail}`, source: `cluster=${name}`,
        });
      }
    }
  }

  /**
   * Retries if the budget allows: circuit breaker max_retries, retries left.
   * Returns false when the failure must be relayed instead.
   */
  private maybeRetry(a: Attempt, why: string): boolean {
    const c = this.cluster;
    if (!c.resources.canRetry()) {
      c.stats.upstreamRqRetryOverflow.inc();
      this.retriesLeft = 0;
      return false;
    }
    if (!a.done) {
      a.upstream.reset();
      this.endAttempt(a, false);
    }
    this.retriesLeft--;
    this.retriesDone++;
    c.stats.upstreamRqRetry.inc();
    c.stats.upstreamRqRetryBackoffExponential.inc();
    c.resources.retryStarted();
    this.retryActive = true;
    const delay = backoffMs(this.retry ?? DEFAULT_HEADER_RETRY, this.retriesDone, this.router.hcm.random.bind(this.router.hcm));
    this.router.hcm.log.debug(`retrying ${this.s.method} ${this.s.path} (${why}) in ${delay} ms`);
    this.backoffTimer = this.router.hcm.clock.setTimer(delay, () => {
      this.backoffTimer = undefined;
      c.resources.retryEnded();
      this.retryActive = false;
      if (this.done || this.s.state === 'done') return;
      this.startAttempt();
    });
    return true;
  }

  /** A retriable failure with no retries left: counted, and flagged URX when retries were made. */
  private retryLimitReached(): void {
    if (this.retriesDone === 0 && !this.retry) return;
    this.cluster.stats.upstreamRqRetryLimitExceeded.inc();
    if (this.retriesDone > 0) this.s.info.setResponseFlag(URX);
  }

  private onPerTryTimeout(a: Attempt): void {
    if (a !== this.attempt || a.done || this.done) return;
    const c = this.cluster;
    c.stats.upstreamRqPerTryTimeout.inc();
    a.host.rqTimeout++;
    this.cluster.outlier?.putLocalOrigin(a.host, 'timeout');
    if (a.committed) {
      // Idle timeout mid-response: the stream cannot be retried.
      a.upstream.reset();
      this.endAttempt(a, false);
      this.done = true;
      this.s.info.setResponseFlag(UT);
      this.s.resetStream('upstream_per_try_idle_timeout');
      return;
    }
    a.upstream.reset();
    this.endAttempt(a, false);
    if (this.retryOn && retriableReset(this.retryOn, 'timeout')) {
      if (this.retriesLeft > 0 && this.maybeRetry(a, 'per_try_timeout')) return;
      if (this.retriesLeft === 0) this.retryLimitReached();
    }
    this.finishWithReply({ status: 504, flag: UT, code: 'WEFT_UPSTREAM_TIMEOUT', details: 'upstream_per_try_timeout', body: 'upstream request timeout', cause: `no response from ${a.host.key} within per_try_timeout ${this.retry?.perTryTimeoutMs} ms`, source: this.rv.source });
  }

  private onGlobalTimeout(): void {
    if (this.done) return;
    const c = this.cluster;
    c.stats.upstreamRqTimeout.inc();
    const a = this.attempt;
    if (a && !a.done) {
      a.host.rqTimeout++;
      if (!a.committed) this.cluster.outlier?.putLocalOrigin(a.host, 'timeout');
      a.upstream.reset();
      this.endAttempt(a, false);
    }
    this.backoffTimer?.cancel();
    if (this.retryActive) {
      this.retryActive = false;
      c.resources.retryEnded();
    }
    if (this.gotHeaders) {
      this.done = true;
      this.s.resetStream('upstream_response_timeout');
      return;
    }
    this.finishWithReply({ status: 504, flag: UT, code: 'WEFT_UPSTREAM_TIMEOUT', details: 'upstream_response_timeout', body: 'upstream request timeout', cause: `no response from ${a?.host.key ?? 'upstream'} within ${this.timeoutMs} ms (route timeout)`, source: this.rv.source });
  }

  private finishWithReply(r: LocalReply): void {
    if (this.done) return;
    this.done = true;
    this.globalTimer?.cancel();
    // Envoy charges an upstream abort to the cluster's response-code stats (chargeUpstreamAbort).
    if (r.code !== 'WEFT_NO_HEALTHY_UPSTREAM') this.cluster.stats.recordResponse(r.status);
    this.s.sendLocalReply(r);
  }

  // ---- mirroring ----

  private startMirrors(): void {
    const policies: readonly MirrorPolicy[] = this.rv.mirrors;
    if (policies.length === 0) return;
    const s = this.s;
    for (const p of policies) {
      if (p.fraction < 1 && this.router.hcm.random() >= p.fraction) continue;
      const name = p.cluster ?? (p.clusterHeader ? s.headers.get(p.clusterHeader) : undefined);
      const cluster = name ? this.router.ctx.clusters.get(name) : undefined;
      if (!cluster) continue;
      const host = cluster.pickHost();
      if (!host || !cluster.resources.canStartRequest()) continue;
      const headers = s.headers.clone();
      const authority = p.appendShadowSuffix ? shadowAuthority(s.authority) : s.authority;
      cluster.resources.requestStarted();
      cluster.stats.upstreamRqTotal.inc();
      host.activeRequests++;
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        cluster.resources.requestEnded();
        host.activeRequests--;
      };
      // Fire and forget: the response is read and dropped; failures change nothing for the caller.
      const req = cluster.newRequest(host, s.protocol, { method: s.method, path: s.path, authority, scheme: s.scheme, headers, end: this.bodyEnded && this.body.length === 0 }, {
        onHeaders: (status, _h, end) => {
          cluster.stats.recordResponse(status);
          if (end) finish();
        },
        onData: (_c, end) => {
          if (end) finish();
        },
        onTrailers: () => finish(),
        onReset: () => finish(),
      });
      for (const chunk of this.body) req.sendData(chunk, false);
      if (this.bodyEnded && this.body.length > 0) req.sendData(EMPTY, true);
      this.mirrors.push(req);
    }
  }

  // ---- upgrades ----

  private startTunnel(a: Attempt, status: number, headers: HeaderMap): void {
    const s = this.s;
    const up = a.upstream;
    const stats = this.router.hcm.stats;
    stats.downstreamCxUpgradesTotal.inc();
    stats.downstreamCxUpgradesActive.inc();
    this.globalTimer?.cancel();
    s.encodeHeadersForUpgrade(status, headers);
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      stats.downstreamCxUpgradesActive.dec();
      down.end();
      upw.end();
      this.finishAttempt(a, true);
      s.finishTunnel();
    };
    const down = s.sink.takeOverForUpgrade!(
      (chunk) => {
        s.info.bytesReceived += chunk.length;
        if (!upw.write(chunk)) down.pause();
      },
      close,
    );
    const upw = up.takeOverForUpgrade!(
      (chunk) => {
        s.info.bytesSent += chunk.length;
        if (!down.write(chunk)) upw.pause();
      },
      close,
    );
  }

  private cleanup(): void {
    this.globalTimer?.cancel();
    this.backoffTimer?.cancel();
    if (this.retryActive) {
      this.retryActive = false;
      this.cluster.resources.retryEnded();
    }
    const a = this.attempt;
    if (a && !a.done) {
      // The downstream went away (or was answered locally) first: abort the upstream side.
      a.upstream.reset();
      this.cluster.stats.upstreamRqTxReset.inc();
      this.endAttempt(a, false);
    }
    this.done = true;
  }
}

/** Retry settings for requests that ask for retries by header only. */
const DEFAULT_HEADER_RETRY: RetryPolicy = {
  retryOn: 0, numRetries: 1, perTryTimeoutMs: 0, perTryIdleTimeoutMs: 0, baseIntervalMs: 25, maxIntervalMs: 250,
  retriableStatusCodes: new Set(), retriableHeaders: [], retriableRequestHeaders: [], avoidPreviousHosts: false, hostSelectionRetryMaxAttempts: 1,
};

/** grpc-timeout header (e.g. "100m", "5S") in ms; undefined when absent or malformed. */
export function parseGrpcTimeout(v: string | undefined): number | undefined {
  if (!v) return undefined;
  const m = /^(\d{1,8})([HMSmun])$/.exec(v);
  if (!m) return undefined;
  const n = Number(m[1]);
  switch (m[2]) {
    case 'H': return n * 3_600_000;
    case 'M': return n * 60_000;
    case 'S': return n * 1000;
    case 'm': return n;
    case 'u': return Math.ceil(n / 1000);
    default: return Math.ceil(n / 1_000_000);
  }
}

/** Where a request was going, for an ORIGINAL_DST cluster's load balancer. */
function downstreamDestination(s: HttpStream): DownstreamDestination {
  return {
    header: (name) => s.headers.get(name),
    local: s.conn.arrivedOn ?? { ip: s.conn.localAddress, port: s.conn.localPort },
    ...(s.conn.originalDst ? { restored: s.conn.originalDst } : {}),
  };
}
