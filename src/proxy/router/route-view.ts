import os from 'node:os';
// The router's per-request view of a matched route: the route's compiled
// actions bound to this request (its split path, the random value it was
// matched with, the weighted cluster it picked).
import type { HttpStream } from '../http/stream.js';
import type { HeaderMap } from '../http/headers.js';
import type { UpstreamHost } from '../upstream/host.js';
import type { HeaderFormatContext } from '../route/header-formatter.js';
import type { RouteMatchResult } from '../route/route-entry.js';
import type { PickedCluster } from '../route/weighted-clusters.js';
import type { RetryPolicy } from '../route/retry-policy.js';
import type { MirrorPolicy } from '../route/mirror-policy.js';
import { durationMs } from '../config/support.js';

export class RouteView {
  private picked: PickedCluster | undefined;
  readonly directResponse: { status: number; body: Buffer } | undefined;
  readonly redirect: { status: number; location(s: HttpStream): string } | undefined;

  constructor(private readonly m: RouteMatchResult) {
    const a = m.route.action;
    if (a.kind === 'direct_response') {
      this.directResponse = { status: a.status, body: a.body ? Buffer.from(a.body) : Buffer.alloc(0) };
    } else if (a.kind === 'redirect') {
      const route = m.route;
      this.redirect = { status: a.redirect.status, location: () => route.buildRedirectLocation(m.view) ?? '' };
    }
  }

  /** RouteAction.idle_timeout: overrides the stream idle timeout (0 disables); undefined keeps the HCM's. */
  get idleTimeoutMs(): number | undefined {
    const a = this.m.route.action;
    return a.kind === 'forward' ? a.idleTimeoutMs : undefined;
  }

  get retryPolicy(): RetryPolicy | undefined {
    const a = this.m.route.action;
    return a.kind === 'forward' ? a.retry : undefined;
  }

  get mirrors(): readonly MirrorPolicy[] {
    const a = this.m.route.action;
    return a.kind === 'forward' ? a.mirrors : [];
  }

  /** max_stream_duration.grpc_timeout_header_max (or deprecated max_grpc_timeout): undefined = grpc-timeout ignored; 0 = no cap. */
  get grpcTimeoutHeaderMaxMs(): number | undefined {
    const a = this.m.route.action;
    if (a.kind !== 'forward') return undefined;
    const d = a.maxStreamDuration?.grpc_timeout_header_max ?? a.maxGrpcTimeout;
    return d ? durationMs(d, 0) : undefined;
  }

  get grpcTimeoutHeaderOffsetMs(): number {
    const a = this.m.route.action;
    return a.kind === 'forward' ? durationMs(a.maxStreamDuration?.grpc_timeout_header_offset, 0) : 0;
  }

  get name(): string {
    return this.m.route.name;
  }

  /** The config object responsible, for x-weft-error. */
  get source(): string {
    return this.m.route.describe();
  }

  get timeoutMs(): number {
    const a = this.m.route.action;
    return a.kind === 'forward' ? a.timeoutMs : 0;
  }

  get clusterNotFoundStatus(): number {
    const a = this.m.route.action;
    return a.kind === 'forward' ? a.clusterNotFoundStatus : 503;
  }

  /** The cluster the stream picked when its route was resolved (the same pick: the route's random value). */
  pickCluster(s: HttpStream, _rand: number): string | undefined {
    this.picked = s.route === this.m ? s.routeCluster : this.m.route.pickCluster(this.m.view, this.m.rand);
    return this.picked?.name;
  }

  get hasHashPolicy(): boolean {
    const a = this.m.route.action;
    return a.kind === 'forward' && a.hashPolicy !== undefined;
  }

  computeHash(s: HttpStream): bigint | undefined {
    return this.m.route.computeHash(this.m.view, s.conn.remoteAddress);
  }

  upgradeAllowed(t: string): boolean {
    const a = this.m.route.action;
    if (a.kind !== 'forward') return false;
    const v = a.upgrades.get(t);
    return v === undefined ? true : v;
  }

  /** Path rewrite (prefix/regex); x-envoy-original-path keeps the original, as Envoy does. */
  applyRequestRewrites(s: HttpStream): void {
    const p = this.m.route.rewritePath(this.m.view);
    if (p !== undefined && p !== s.path) {
      s.headers.set('x-envoy-original-path', s.path);
      s.path = p;
    }
  }

  /** The :authority to send upstream (host_rewrite_*, auto_host_rewrite). */
  hostRewrite(s: HttpStream, host: UpstreamHost): string {
    const a = this.m.route.action;
    // auto_host_rewrite uses the endpoint's hostname; an endpoint without one leaves Host alone (Envoy).
    if (a.kind === 'forward' && a.hostRewrite?.kind === 'auto') return host.hostname && host.hostname !== host.address ? host.hostname : s.authority;
    const h = this.m.route.rewriteHost(this.m.view, this.picked);
    if (h !== undefined) s.authority = h;
    return s.authority;
  }

  private ctx(s: HttpStream, cluster: string | undefined): HeaderFormatContext {
    return {
      downstreamRemoteAddress: { ip: s.conn.remoteAddress, port: s.conn.remotePort },
      downstreamLocalAddress: { ip: s.conn.localAddress, port: s.conn.localPort },
      ...(cluster ? { upstreamCluster: cluster } : {}),
      protocol: s.protocol,
      hostname: HOSTNAME,
      request: s,
    };
  }

  applyRequestHeaders(headers: HeaderMap, s: HttpStream, cluster: string | undefined): void {
    if (this.picked?.weighted === undefined && this.m.route.requestHeaders.isEmpty) return;
    this.m.route.finalizeRequestHeaders(headers, this.ctx(s, cluster), this.picked);
  }

  applyResponseHeaders(headers: HeaderMap, s: HttpStream, cluster: string | undefined): void {
    if (this.picked?.weighted === undefined && this.m.route.responseHeaders.isEmpty) return;
    this.m.route.finalizeResponseHeaders(headers, this.ctx(s, cluster), this.picked);
  }
}

const HOSTNAME = os.hostname();

export function routeView(m: RouteMatchResult): RouteView {
  return new RouteView(m);
}
