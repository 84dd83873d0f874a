// The router: the last HTTP filter. It turns a matched route into an upstream
// request — cluster choice, rewrites, header mutations, host selection,
// circuit breaking, timeouts — and relays the response. Every failure becomes
// a local reply with Envoy's status and flag and weft's x-weft-error.
import type { ProxyContext } from '../context.js';
import type { HcmRuntime } from '../http/hcm-runtime.js';
import { HeaderMap } from '../http/headers.js';
import type { HttpStream } from '../http/stream.js';
import type { LocalReply } from '../http/local-reply.js';
import { NC, NR, UC, UF, UH, UO, UPE, UR, UT } from '../access-log/response-flags.js';
import type { UpstreamCluster } from '../upstream/cluster.js';
import type { UpstreamHost } from '../upstream/host.js';
import type { ResetReason, UpstreamRequest } from '../upstream/types.js';
import { ROUTER_DEFAULTS, type RouterFilterConfig } from './router-config.js';
import type { RouteMatchResult } from './route-table.js';
import { routeView, type RouteView } from './route-view.js';

/** Hop-by-hop headers never forwarded (RFC 9110 §7.6.1). */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade'];

export class Router {
  readonly cfg: RouterFilterConfig;
  constructor(readonly ctx: ProxyContext, readonly hcm: HcmRuntime, cfg: RouterFilterConfig | undefined) {
    this.cfg = cfg ?? ROUTER_DEFAULTS;
  }

  decodeHeaders(s: HttpStream): void {
    const m = s.route;
    const stats = this.hcm.stats;
    if (!m) {
      stats.noRoute.inc();
      const table = this.hcm.routeTable();
      s.sendLocalReply({
        status: 404, flag: NR, code: 'WEFT_NO_ROUTE', details: 'route_not_found', body: '',
        cause: `no route matched ${s.method} ${s.authority}${s.path}`,
        source: `route_config=${table?.name ?? '(none)'}`,
      });
      return;
    }
    const rv = routeView(m);
    if (rv.directResponse) {
      stats.rqDirectResponse.inc();
      const h = new HeaderMap();
      rv.applyResponseHeaders(h, s, undefined);
      const body = rv.directResponse.body;
      s.info.responseCodeDetails = 'direct_response';
      if (body.length) {
        h.set('content-type', h.get('content-type') ?? 'text/plain');
        h.set('content-length', String(body.length));
        s.encodeHeaders(rv.directResponse.status, h, s.method === 'HEAD');
        if (s.method !== 'HEAD') s.encodeData(body, true);
      } else {
        h.set('content-length', '0');
        s.encodeHeaders(rv.directResponse.status, h, true);
      }
      return;
    }
    if (rv.redirect) {
      stats.rqRedirect.inc();
      const h = new HeaderMap();
      h.set('location', rv.redirect.location(s));
      rv.applyResponseHeaders(h, s, undefined);
      h.set('content-length', '0');
      s.info.responseCodeDetails = 'direct_response';
      s.encodeHeaders(rv.redirect.status, h, true);
      return;
    }
    const clusterName = rv.pickCluster(s, this.hcm.random());
    const cluster = clusterName ? this.ctx.clusters.get(clusterName) : undefined;
    s.info.upstreamCluster = clusterName;
    if (!cluster) {
      stats.noCluster.inc();
      s.sendLocalReply({
        status: rv.clusterNotFoundStatus, flag: NC, code: 'WEFT_NO_CLUSTER', details: 'cluster_not_found', body: '',
        cause: clusterName ? `cluster "${clusterName}" does not exist` : 'no cluster selected (cluster_header missing?)',
        source: `route=${rv.name || '(unnamed)'}`,
      });
      return;
    }
    new UpstreamExchange(this, s, m, rv, cluster).start();
  }
}

/** One request's trip upstream (with its attempts) and the response back. */
class UpstreamExchange {
  private upstream: UpstreamRequest | undefined;
  private host: UpstreamHost | undefined;
  private gotHeaders = false;
  private done = false;
  private globalTimer: { cancel(): void } | undefined;
  private perTryTimer: { cancel(): void } | undefined;
  private attemptStart = 0;
  private requestStarted = false;
  private readonly timeoutMs: number;

  constructor(
    private readonly router: Router,
    private readonly s: HttpStream,
    private readonly m: RouteMatchResult,
    private readonly rv: RouteView,
    private readonly cluster: UpstreamCluster,
  ) {
    this.timeoutMs = this.computeTimeout();
  }

  /** Envoy: route timeout, overridden by x-envoy-upstream-rq-timeout-ms; 0 disables. */
  private computeTimeout(): number {
    const h = this.s.headers;
    let t = this.rv.timeoutMs;
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
    const router = this.router;
    this.rv.applyRequestRewrites(s);
    this.rv.applyRequestHeaders(s.headers, s, cluster.config.name);
    for (const h of this.internalOnly()) s.headers.remove(h);
    for (const n of HOP_BY_HOP) if (n !== 'upgrade' || !this.upgradeType()) s.headers.remove(n);
    if (this.timeoutMs > 0 && !this.router.cfg.suppressEnvoyHeaders) s.headers.set('x-envoy-expected-rq-timeout-ms', String(this.timeoutMs));
    if (!cluster.resources.canStartRequest()) {
      cluster.stats.upstreamRqPendingOverflow.inc();
      this.localReply({ status: 503, flag: UO, code: 'WEFT_UPSTREAM_OVERFLOW', details: 'overflow', body: 'upstream connect error or disconnect/reset before headers. reset reason: overflow', cause: `circuit breaker max_requests (${cluster.resources.limits.maxRequests}) reached`, source: `cluster=${cluster.config.name}` });
      return;
    }
    const host = cluster.pickHost({ hash: this.rv.computeHash(s), attempt: 1 });
    if (!host) {
      cluster.stats.upstreamCxNoneHealthy.inc();
      this.localReply({ status: 503, flag: UH, code: 'WEFT_NO_HEALTHY_UPSTREAM', details: 'no_healthy_upstream', body: 'no healthy upstream', cause: `cluster "${cluster.config.name}" has no healthy host (${cluster.hosts.length} hosts)`, source: `cluster=${cluster.config.name}` });
      return;
    }
    if (this.timeoutMs > 0) this.globalTimer = router.hcm.clock.setTimer(this.timeoutMs, () => this.onGlobalTimeout());
    s.onEnd(() => this.cleanup());
    this.attempt(host);
  }

  private internalOnly(): readonly string[] {
    return this.router.hcm.routeTable()?.internalOnlyHeaders ?? [];
  }

  private upgradeType(): string | undefined {
    const u = this.s.headers.get('upgrade');
    if (!u) return undefined;
    const t = u.toLowerCase();
    return this.router.hcm.config.upgradeTypes.has(t) && this.rv.upgradeAllowed(t) ? t : undefined;
  }

  private attempt(host: UpstreamHost): void {
    const s = this.s;
    const cluster = this.cluster;
    this.host = host;
    s.info.upstreamHost = host.key;
    s.info.attemptCount++;
    cluster.resources.requestStarted();
    this.requestStarted = true;
    cluster.stats.upstreamRqTotal.inc();
    cluster.stats.upstreamRqActive.inc();
    host.activeRequests++;
    host.rqTotal++;
    this.attemptStart = router_now(this.router);
    const authority = this.rv.hostRewrite(s, host);
    const upgrade = this.upgradeType();
    const head = {
      method: s.method,
      path: s.path,
      authority,
      scheme: s.scheme,
      headers: s.headers,
      end: s.requestComplete && !s.hasRequestBody,
      ...(upgrade ? { upgrade } : {}),
    };
    const self = this;
    this.upstream = cluster.newRequest(host, s.protocol, head, {
      onPoolReady(local) {
        s.info.upstreamLocalAddress = local;
      },
      onHeaders(status, headers, end) {
        self.onUpstreamHeaders(status, headers, end);
      },
      onData(chunk, end) {
        self.onUpstreamData(chunk, end);
      },
      onTrailers(t) {
        self.onUpstreamTrailers(t);
      },
      onReset(reason, detail) {
        self.onUpstreamReset(reason, detail);
      },
    });
    if (!head.end) {
      const up = this.upstream;
      s.attachBodySink({
        onData: (chunk, end) => up.sendData(chunk, end),
        onTrailers: (t) => up.sendTrailers(t),
      });
    }
  }

  private endAttempt(success: boolean): void {
    if (!this.requestStarted) return;
    this.requestStarted = false;
    const c = this.cluster;
    c.resources.requestEnded();
    c.stats.upstreamRqActive.dec();
    const h = this.host;
    if (h) {
      h.activeRequests--;
      if (success) h.rqSuccess++;
      else h.rqError++;
    }
  }

  private onUpstreamHeaders(status: number, headers: HeaderMap, end: boolean): void {
    if (this.done) return;
    const s = this.s;
    const now = router_now(this.router);
    this.gotHeaders = true;
    this.globalTimer?.cancel();
    this.cluster.stats.recordResponse(status);
    this.cluster.stats.rqTime.record(now - this.attemptStart);
    s.info.responseDuration = now - s.info.startMonotonic;
    s.info.upstreamServiceTime = now - this.attemptStart;
    s.info.responseCodeDetails = 'via_upstream';
    if (!this.router.cfg.suppressEnvoyHeaders) headers.set('x-envoy-upstream-service-time', String(Math.round(now - this.attemptStart)));
    this.rv.applyResponseHeaders(headers, s, this.cluster.config.name);
    if (status === 101 && this.upstream?.takeOverForUpgrade && s.sink.takeOverForUpgrade) {
      this.startTunnel(status, headers);
      return;
    }
    for (const n of HOP_BY_HOP) headers.remove(n);
    if (end) this.finishUpstream(true);
    const up = this.upstream;
    s.onDownstreamDrain = up ? () => up.resumeResponse() : undefined;
    s.encodeHeaders(status, headers, end);
  }

  private onUpstreamData(chunk: Buffer, end: boolean): void {
    if (this.done && !end) return;
    if (end) this.finishUpstream(true);
    if (!this.s.encodeData(chunk, end)) this.upstream?.pauseResponse();
  }

  private onUpstreamTrailers(t: HeaderMap): void {
    this.finishUpstream(true);
    this.s.encodeTrailers(t);
  }

  private finishUpstream(success: boolean): void {
    if (this.done) return;
    this.done = true;
    this.globalTimer?.cancel();
    this.perTryTimer?.cancel();
    this.endAttempt(success);
  }

  private onUpstreamReset(reason: ResetReason, detail: string): void {
    if (this.done) return;
    const s = this.s;
    const c = this.cluster;
    this.finishUpstream(false);
    if (reason === 'remote_reset' || reason === 'connection_termination') c.stats.upstreamRqRxReset.inc();
    if (this.gotHeaders) {
      s.info.setResponseFlag(UR);
      s.resetStream('upstream_reset_after_response_started');
      return;
    }
    const name = c.config.name;
    const host = this.host?.key ?? '';
    switch (reason) {
      case 'overflow':
        this.localReply({ status: 503, flag: UO, code: 'WEFT_UPSTREAM_OVERFLOW', details: 'overflow', body: 'upstream connect error or disconnect/reset before headers. reset reason: overflow', cause: detail, source: `cluster=${name}` });
        return;
      case 'connection_failure':
      case 'connection_timeout':
        s.info.upstreamTransportFailureReason = detail;
        this.localReply({
          status: 503, flag: UF,
          code: reason === 'connection_timeout' ? 'WEFT_UPSTREAM_CONNECT_TIMEOUT' : 'WEFT_UPSTREAM_CONNECT_FAILURE',
          details: 'upstream_reset_before_response_started{connection_failure}',
          body: `upstream connect error or disconnect/reset before headers. reset reason: connection ${reason === 'connection_timeout' ? 'timeout' : 'failure'}`,
          cause: `connecting to ${host} failed: ${detail}`, source: `cluster=${name}`,
        });
        return;
      case 'protocol_error':
        this.localReply({ status: 502, flag: UPE, code: 'WEFT_UPSTREAM_PROTOCOL_ERROR', details: 'upstream_reset_before_response_started{protocol_error}', body: 'upstream connect error or disconnect/reset before headers. reset reason: protocol error', cause: `${host} sent a malformed response: ${detail}`, source: `cluster=${name}` });
        return;
      default:
        this.localReply({
          status: 503, flag: reason === 'connection_termination' ? UC : UR, code: 'WEFT_UPSTREAM_RESET',
          details: `upstream_reset_before_response_started{${reason === 'connection_termination' ? 'connection_termination' : 'remote_reset'}}`,
          body: `upstream connect error or disconnect/reset before headers. reset reason: ${reason === 'connection_termination' ? 'connection termination' : 'remote reset'}`,
          cause: `${host} ${detail}`, source: `cluster=${name}`,
        });
    }
  }

  private onGlobalTimeout(): void {
    if (this.done) return;
    const c = this.cluster;
    c.stats.upstreamRqTimeout.inc();
    if (this.host) this.host.rqTimeout++;
    this.upstream?.reset();
    this.finishUpstream(false);
    if (this.gotHeaders) {
      this.s.resetStream('upstream_response_timeout');
      return;
    }
    this.localReply({ status: 504, flag: UT, code: 'WEFT_UPSTREAM_TIMEOUT', details: 'upstream_response_timeout', body: 'upstream request timeout', cause: `no response from ${this.host?.key ?? 'upstream'} within ${this.timeoutMs} ms (route timeout)`, source: `route=${this.rv.name || '(unnamed)'}` });
  }

  private localReply(r: LocalReply): void {
    this.s.sendLocalReply(r);
  }

  private startTunnel(status: number, headers: HeaderMap): void {
    const s = this.s;
    const up = this.upstream!;
    const stats = this.router.hcm.stats;
    stats.downstreamCxUpgradesTotal.inc();
    stats.downstreamCxUpgradesActive.inc();
    this.globalTimer?.cancel();
    s.encodeHeadersForUpgrade(status, headers);
    let closed = false;
    const down = s.sink.takeOverForUpgrade!(
      (chunk) => {
        s.info.bytesReceived += chunk.length;
        if (!upw.write(chunk)) down.pause();
      },
      () => close(),
    );
    const upw = up.takeOverForUpgrade!(
      (chunk) => {
        s.info.bytesSent += chunk.length;
        if (!down.write(chunk)) upw.pause();
      },
      () => close(),
    );
    const close = () => {
      if (closed) return;
      closed = true;
      stats.downstreamCxUpgradesActive.dec();
      down.end();
      upw.end();
      this.finishUpstream(true);
      s.finishTunnel();
    };
  }

  private cleanup(): void {
    if (!this.done) {
      // The downstream went away first: abort the upstream side.
      this.upstream?.reset();
      this.cluster.stats.upstreamRqTxReset.inc();
      this.finishUpstream(false);
    }
    this.globalTimer?.cancel();
    this.perTryTimer?.cancel();
  }
}

function router_now(r: Router): number {
  return r.hcm.clock.now();
}
