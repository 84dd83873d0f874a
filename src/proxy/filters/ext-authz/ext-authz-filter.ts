// envoy.filters.http.ext_authz: each request (after route selection) is held
// while an external authorizer decides. OK: the authorizer's header changes
// are applied and the request goes on; denied: its status, body and headers
// go to the client (flag UAEX); a failed check (down, slow, gRPC error, HTTP
// 5xx, malformed answer) answers status_on_error, or lets the request through
// with failure_mode_allow. ExtAuthzPerRoute turns the filter off on a route
// or adds context_extensions.
import type { AnyMessage, envoy_extensions_filters_http_ext_authz_v3_ExtAuthzPerRoute } from '../../../xds/gen/types.js';
import { UAEX } from '../../access-log/response-flags.js';
import { CONTINUE, STOP, type FilterStatus, type FilterStream, type HttpFilter, type HttpFilterFactory } from '../../http/filter.js';
import { HeaderMap } from '../../http/headers.js';
import type { UpstreamRequestHead } from '../../upstream/types.js';
import { PerRouteConfigs } from '../common/per-route.js';
import { GrpcCheckTemplate, httpCheck, type AuthzResult, type CancelCall } from './authz-call.js';
import { applyHeaderOption, encodeCheckRequestFrame, type HeaderOption, type PeerInput } from './check-proto.js';
import { decodeExtAuthzPerRoute, type BodySettings, type ExtAuthzPerRouteSettings, type ExtAuthzSettings, type HttpAuthzService } from './decode.js';
import { DETAILS_DENIED, DETAILS_ERROR, EXT_AUTHZ_PER_ROUTE_TYPE_URL, FAILURE_MODE_ALLOWED_HEADER, PARTIAL_BODY_HEADER } from './defaults.js';
import { ExtAuthzStats } from './ext-authz-stats.js';

/** ExtAuthzPerRoute entries, decoded once per config object (the registration's perRoute.decode). */
export const extAuthzPerRoute = new PerRouteConfigs<ExtAuthzPerRouteSettings>([EXT_AUTHZ_PER_ROUTE_TYPE_URL], (cfg: AnyMessage, path, errs) =>
  decodeExtAuthzPerRoute(cfg as envoy_extensions_filters_http_ext_authz_v3_ExtAuthzPerRoute, path, errs),
);

/** The listener-level filter (one per http_filters entry). */
export class ExtAuthzFilterFactory implements HttpFilterFactory {
  stats: ExtAuthzStats | undefined;
  readonly grpc: GrpcCheckTemplate | undefined;
  readonly source: string;

  constructor(readonly name: string, readonly settings: ExtAuthzSettings, private readonly hcmStatPrefix: string) {
    this.grpc = settings.service.kind === 'grpc' ? new GrpcCheckTemplate(settings.service) : undefined;
    this.source = `http_filter=${name}; cluster=${settings.service.cluster}`;
  }

  create(stream: FilterStream): HttpFilter | undefined {
    let contextExtensions: Readonly<Record<string, string>> | undefined;
    let body = this.settings.withRequestBody;
    if (stream.route) {
      const levels = extAuthzPerRoute.levelsForStream(stream, this.name);
      // The most specific entry decides whether the filter runs; check_settings merge from the outside in.
      if (levels.length > 0) {
        if (levels[0]!.disabled) return undefined;
        for (let i = levels.length - 1; i >= 0; i--) {
          const l = levels[i]!;
          if (l.disabled) continue;
          if (l.contextExtensions) contextExtensions = contextExtensions ? { ...contextExtensions, ...l.contextExtensions } : l.contextExtensions;
          if (l.disableRequestBodyBuffering) body = undefined;
          else if (l.withRequestBody) body = l.withRequestBody;
        }
      }
    }
    // Bound on first use: decoders do not see the stats store.
    const store = stream.hcm.ctx.stats;
    if (!this.stats || this.stats.store !== store) this.stats = new ExtAuthzStats(store, this.hcmStatPrefix, this.settings.statPrefix);
    if (body && !stream.requestComplete) return new ExtAuthzBodyFilter(this, this.stats, contextExtensions, body);
    return new ExtAuthzFilter(this, this.stats, contextExtensions);
  }
}

/** One stream's check (without body buffering: no body hooks, so the body path stays direct). */
class ExtAuthzFilter implements HttpFilter {
  private cancel: CancelCall | undefined;
  /** Headers for the client: the denial's, or response_headers_to_add on OK. */
  private responseHeaders: readonly HeaderOption[] | undefined;
  private replaceResponseHeaders = false;

  constructor(
    protected readonly f: ExtAuthzFilterFactory,
    protected readonly stats: ExtAuthzStats,
    private readonly contextExtensions: Readonly<Record<string, string>> | undefined,
  ) {}

  decodeHeaders(stream: FilterStream): FilterStatus {
    const s = this.f.settings;
    // Envoy's filterEnabled(metadata): the runtime fraction and filter_enabled_metadata must both allow the check.
    if ((s.filterEnabled && !this.enabled(stream)) || (s.filterEnabledMetadata && !s.filterEnabledMetadata(stream.info.dynamicMetadata))) {
      this.stats.disabled.inc();
      const d = s.denyAtDisable;
      if (d && (d.runtimeKey ? stream.hcm.ctx.runtime.snapshot().getBoolean(d.runtimeKey, d.dflt) : d.dflt)) {
        this.replyError(stream, 'filter disabled by filter_enabled and deny_at_disable is on');
        return STOP;
      }
      return CONTINUE;
    }
    if (this.waitsForBody(stream)) return STOP;
    this.startCheck(stream, undefined, false);
    return STOP;
  }

  /** The body filter holds the check until the body is in. */
  protected waitsForBody(_stream: FilterStream): boolean {
    return false;
  }

  private enabled(stream: FilterStream): boolean {
    const fe = this.f.settings.filterEnabled!;
    const p = fe.percent;
    if (fe.runtimeKey) return stream.hcm.ctx.runtime.snapshot().featureEnabled(fe.runtimeKey, p, () => stream.hcm.random());
    if (p.numerator >= p.denominator) return true;
    if (p.numerator <= 0) return false;
    return Math.floor(stream.hcm.random() * p.denominator) < p.numerator;
  }

  protected startCheck(stream: FilterStream, body: Buffer | undefined, partial: boolean): void {
    const s = this.f.settings;
    const cluster = stream.hcm.ctx.clusters?.get(s.service.cluster);
    const done = (r: AuthzResult) => {
      this.cancel = undefined;
      try {
        this.onResult(stream, r);
      } catch (err) {
        stream.hcm.log.error(`${this.f.name}: ${String(err)}`);
        stream.sendLocalReply({ status: 500, code: 'WEFT_INTERNAL', flag: 0, cause: `ext_authz: ${String(err)}`, details: 'filter_chain_error', source: this.f.source });
      }
    };
    if (this.f.grpc) {
      const frame = encodeCheckRequestFrame({
        source: sourcePeer(stream, s.includePeerCertificate),
        destination: destinationPeer(stream),
        timeMs: stream.info.startTime,
        id: stream.headers.get('x-request-id') ?? '',
        method: stream.method,
        path: stream.path,
        host: stream.authority,
        scheme: stream.scheme,
        protocol: stream.protocol,
        size: body ? body.length : contentLength(stream),
        ...grpcHeaders(stream, s, body !== undefined ? partial : undefined),
        body,
        packAsBytes: this.bodySettings?.packAsBytes === true,
        contextExtensions: this.contextExtensions,
        sni: s.includeTlsSession ? (stream.conn.serverName ?? '') : undefined,
      });
      this.cancel = this.f.grpc.check(cluster, frame, stream.hcm.clock, done);
    } else {
      const svc = s.service as HttpAuthzService;
      this.cancel = httpCheck(svc, cluster, httpHead(stream, s, svc, body, partial), body, stream.hcm.clock, done);
    }
  }

  protected get bodySettings(): BodySettings | undefined {
    return undefined;
  }

  private onResult(stream: FilterStream, r: AuthzResult): void {
    if (stream.state === 'done') return;
    const s = this.f.settings;
    switch (r.kind) {
      case 'ok': {
        this.stats.ok.inc();
        const h = stream.headers;
        for (const o of r.requestHeaders) {
          if (o.key === 'host' || o.key === ':authority') stream.authority = o.value;
          else if (o.key === ':path') stream.path = o.value;
          else if (o.key[0] !== ':') applyHeaderOption(h, o);
        }
        // Envoy never removes pseudo-headers or Host on the authorizer's word.
        for (const k of r.headersToRemove) if (k[0] !== ':' && k !== 'host') h.remove(k);
        if (r.queryParametersToSet.length > 0 || r.queryParametersToRemove.length > 0) stream.path = editQuery(stream.path, r.queryParametersToSet, r.queryParametersToRemove);
        if (r.responseHeaders.length > 0) this.responseHeaders = r.responseHeaders;
        if (r.dynamicMetadata) stream.hcm.log.debug(`${this.f.name}: the authorizer's dynamic_metadata is not applied by weft`);
        this.resume(stream);
        return;
      }
      case 'denied':
        this.stats.denied.inc();
        this.responseHeaders = r.headers;
        this.replaceResponseHeaders = true;
        stream.sendLocalReply({ status: r.status, code: 'WEFT_EXT_AUTHZ_DENIED', flag: UAEX, cause: `denied by the external authorizer (HTTP ${r.status})`, source: this.f.source, body: r.body, details: DETAILS_DENIED });
        return;
      case 'error':
        this.stats.error.inc();
        if (s.failureModeAllow) {
          this.stats.failureModeAllowed.inc();
          if (s.failureModeAllowHeaderAdd) stream.headers.set(FAILURE_MODE_ALLOWED_HEADER, 'true');
          this.resume(stream);
          return;
        }
        this.replyError(stream, r.reason);
    }
  }

  /** The check allowed the request: let it go on (the body filter first passes what it holds). */
  protected resume(stream: FilterStream): void {
    stream.continueDecoding();
  }

  private replyError(stream: FilterStream, reason: string): void {
    stream.sendLocalReply({ status: this.f.settings.statusOnError, code: 'WEFT_EXT_AUTHZ_ERROR', flag: UAEX, cause: `authorization check failed: ${reason}`, source: this.f.source, body: '', details: DETAILS_ERROR });
  }

  encodeHeaders(_stream: FilterStream, _status: number, headers: HeaderMap): void {
    const add = this.responseHeaders;
    if (!add) return;
    if (this.replaceResponseHeaders) {
      // A denial: the authorizer's headers replace the local reply's own of the same name (content-type).
      for (const o of add) headers.remove(o.key);
      for (const o of add) if (o.key[0] !== ':') headers.add(o.key, o.value);
      return;
    }
    for (const o of add) if (o.key[0] !== ':') applyHeaderOption(headers, o);
  }

  onDestroy(): void {
    this.cancel?.();
    this.cancel = undefined;
  }
}

/** with_request_body: holds the body (up to max_request_bytes) and sends it with the check. */
class ExtAuthzBodyFilter extends ExtAuthzFilter {
  private chunks: Buffer[] = [];
  private bytes = 0;
  private trailers: HeaderMap | undefined;
  private ended = false;
  private checking = false;
  private allowed = false;

  constructor(f: ExtAuthzFilterFactory, stats: ExtAuthzStats, ctx: Readonly<Record<string, string>> | undefined, private readonly body: BodySettings) {
    super(f, stats, ctx);
  }

  protected override get bodySettings(): BodySettings {
    return this.body;
  }

  protected override waitsForBody(): boolean {
    return true;
  }

  decodeData(stream: FilterStream, chunk: Buffer, end: boolean): Buffer | null {
    if (this.allowed) return chunk;
    if (chunk.length) {
      this.chunks.push(chunk);
      this.bytes += chunk.length;
    }
    if (end) this.ended = true;
    if (this.checking) return null;
    const max = this.body.maxRequestBytes;
    if (this.bytes >= max && !(end && this.bytes === max)) {
      if (!this.body.allowPartialMessage) {
        this.chunks = [];
        stream.sendLocalReply({ status: 413, code: 'WEFT_REQUEST_TOO_LARGE', flag: 0, cause: `request body over with_request_body.max_request_bytes (${max})`, body: 'Payload Too Large', details: 'request_payload_too_large', source: this.f.source });
        return null;
      }
      this.checking = true;
      this.startCheck(stream, Buffer.concat(this.chunks, this.bytes).subarray(0, max), true);
      return null;
    }
    if (end) {
      this.checking = true;
      this.startCheck(stream, Buffer.concat(this.chunks, this.bytes), false);
    }
    return null;
  }

  decodeTrailers(stream: FilterStream, trailers: HeaderMap): FilterStatus {
    if (this.allowed) return CONTINUE;
    this.trailers = trailers;
    this.ended = true;
    if (!this.checking) {
      this.checking = true;
      this.startCheck(stream, Buffer.concat(this.chunks, this.bytes), false);
    }
    return STOP;
  }

  protected override resume(stream: FilterStream): void {
    this.allowed = true;
    const body = Buffer.concat(this.chunks, this.bytes);
    this.chunks = [];
    const trailers = this.trailers;
    this.trailers = undefined;
    if (body.length > 0 || this.ended) stream.injectDecodedData(this, body, this.ended && trailers === undefined);
    if (trailers) stream.injectDecodedTrailers(this, trailers);
    stream.continueDecoding();
  }

  override onDestroy(): void {
    this.chunks = [];
    super.onDestroy();
  }
}

const PSEUDO = [':authority', ':method', ':path', ':scheme'] as const;

/** The request headers a gRPC authorizer gets: every one unless allowed_headers says otherwise, minus disallowed_headers; repeated ones joined with ','. */
function grpcHeaders(stream: FilterStream, s: ExtAuthzSettings, partial: boolean | undefined): { headerNames: string[]; headerValues: string[] } {
  const allowed = s.allowedHeaders;
  const denied = s.disallowedHeaders;
  const names: string[] = [];
  const values: string[] = [];
  const pseudo = [stream.authority, stream.method, stream.path, stream.scheme];
  for (let i = 0; i < PSEUDO.length; i++) {
    const n = PSEUDO[i]!;
    if ((allowed && !allowed(n)) || denied?.(n) || !pseudo[i]) continue;
    names.push(n);
    values.push(pseudo[i]!);
  }
  const h = stream.headers;
  for (let i = 0; i < h.names.length; i++) {
    const n = h.names[i]!;
    if ((allowed && !allowed(n)) || denied?.(n)) continue;
    if (h.names.indexOf(n) !== i) continue;
    names.push(n);
    values.push(h.names.lastIndexOf(n) === i ? h.values[i]! : h.getJoined(n)!);
  }
  if (partial !== undefined) {
    names.push(PARTIAL_BODY_HEADER);
    values.push(String(partial));
  }
  return { headerNames: names, headerValues: values };
}

/** The authorization request to an HTTP authorizer: the client's method, path_prefix + path, and the allowed headers. */
function httpHead(stream: FilterStream, s: ExtAuthzSettings, svc: HttpAuthzService, body: Buffer | undefined, partial: boolean): UpstreamRequestHead {
  const headers = new HeaderMap();
  const h = stream.headers;
  const denied = s.disallowedHeaders;
  for (let i = 0; i < h.names.length; i++) {
    const n = h.names[i]!;
    if (n === 'content-length' || n === 'transfer-encoding' || n === 'host' || n === 'connection' || n === 'te' || n === 'upgrade') continue;
    if (svc.requestHeaders(n) && !denied?.(n)) headers.add(n, h.values[i]!);
  }
  for (const [k, v] of svc.headersToAdd) headers.set(k, v);
  if (body !== undefined) headers.set(PARTIAL_BODY_HEADER, String(partial));
  const len = body?.length ?? 0;
  headers.set('content-length', String(len));
  return { method: stream.method, path: svc.pathPrefix + stream.path, authority: stream.authority, scheme: 'http', headers, end: len === 0 };
}

function contentLength(stream: FilterStream): number {
  const v = stream.headers.get('content-length');
  if (v === undefined) return -1;
  const n = Number(v);
  return Number.isSafeInteger(n) && n >= 0 ? n : -1;
}

function sourcePeer(stream: FilterStream, withCert: boolean): PeerInput {
  const tls = stream.info.downstreamTls;
  const cert = tls?.peerCertificate;
  return {
    address: stream.conn.remoteAddress,
    port: stream.conn.remotePort,
    principal: cert ? (cert.uriSans[0] ?? cert.subject) : '',
    certificate: withCert && tls ? tls.peerCertificateUrlEncodedPem : '',
  };
}

function destinationPeer(stream: FilterStream): PeerInput {
  const c = stream.conn;
  const cert = stream.info.downstreamTls?.localCertificate;
  return {
    address: c.originalDst?.ip ?? c.localAddress,
    port: c.originalDst?.port ?? c.localPort,
    principal: cert ? (cert.uriSans[0] ?? cert.subject) : '',
    certificate: '',
  };
}

/** Applies query_parameters_to_set / _to_remove to a :path. */
function editQuery(path: string, set: readonly (readonly [string, string])[], remove: readonly string[]): string {
  const q = path.indexOf('?');
  const base = q < 0 ? path : path.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : path.slice(q + 1));
  for (const k of remove) params.delete(k);
  for (const [k, v] of set) params.set(k, v);
  const s = params.toString();
  return s ? `${base}?${s}` : base;
}
