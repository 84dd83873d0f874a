// envoy.filters.http.jwt_authn: when a request head arrives, the requirement
// that applies to it (the route's PerRouteConfig, else the first rule whose
// match fits) is evaluated against the tokens it carries. Allowed: verified
// payloads go to dynamic metadata, payload and claims to headers, and the
// token is removed unless `forward`. Denied: Envoy's 401 (403 for audiences)
// with the status text as body, `www-authenticate: Bearer realm="<uri>"`
// (plus `error="invalid_token"` unless the token is missing), details
// jwt_authn_access_denied{...}, and weft's x-weft-error. Keys a remote JWKS
// must deliver first hold the request (STOP) until the fetch ends.
import type { AnyMessage, envoy_extensions_filters_http_jwt_authn_v3_PerRouteConfig } from '../../../xds/gen/types.js';
import { CONTINUE, STOP, type FilterStatus, type FilterStream, type HttpFilter, type HttpFilterFactory } from '../../http/filter.js';
import { HeaderMap } from '../../http/headers.js';
import { RequestView } from '../../route/route-request.js';
import { PerRouteConfigs } from '../common/per-route.js';
import { decodeJwtPerRoute } from './decode.js';
import { JWT_AUTHN_DEFAULTS, JWT_AUTHN_NAME, JWT_AUTHN_PER_ROUTE_TYPE_URL, JwtStatus, type JwtStatusText } from './defaults.js';
import { Evaluation, type VerifiedToken } from './evaluate.js';
import type { Jwks } from './jwks.js';
import { JwtAuthnStats } from './jwt-authn-stats.js';
import { ProviderRuntime, type KeyResolver, type KeysState } from './provider.js';
import { RemoteJwksSource, type JwksFetchServices } from './remote-jwks.js';
import type { JwtAuthnSettings, JwtPerRoute, Requirement } from './settings.js';

/** PerRouteConfig entries, decoded once per config object. */
export const jwtPerRoute = new PerRouteConfigs<JwtPerRoute>([JWT_AUTHN_PER_ROUTE_TYPE_URL], (cfg: AnyMessage, path, errs) => decodeJwtPerRoute(cfg as envoy_extensions_filters_http_jwt_authn_v3_PerRouteConfig, path, errs));

/** What the filter's streams share: stats and providers, bound to the stats store on first use. */
interface Bound {
  readonly stats: JwtAuthnStats;
  readonly providers: ReadonlyMap<string, ProviderRuntime>;
  readonly allProviders: readonly ProviderRuntime[];
}

export class JwtAuthnFilterFactory implements HttpFilterFactory {
  private bound: Bound | undefined;

  constructor(readonly name: string, readonly settings: JwtAuthnSettings, private readonly hcmStatPrefix: string) {}

  create(stream: FilterStream): HttpFilter | undefined {
    const store = stream.hcm.ctx.stats;
    if (!this.bound || this.bound.stats.store !== store) this.bound = this.bind(stream);
    return new JwtAuthnFilter(this, this.bound);
  }

  private bind(stream: FilterStream): Bound {
    const stats = new JwtAuthnStats(stream.hcm.ctx.stats, `http.${this.hcmStatPrefix}.`);
    const providers = new Map<string, ProviderRuntime>();
    const cacheStats = { hit: stats.jwtCacheHit, miss: stats.jwtCacheMiss };
    const fetchStats = { success: stats.jwksFetchSuccess, failed: stats.jwksFetchFailed };
    for (const [name, p] of this.settings.providers) {
      const remote = p.remoteJwks ? new RemoteJwksSource(p.remoteJwks, name, fetchStats) : undefined;
      providers.set(name, new ProviderRuntime(p, remote, cacheStats));
    }
    return { stats, providers, allProviders: [...providers.values()] };
  }

  /** The requirement for this stream; a string is a per-route error (Envoy's 403). */
  requirementFor(stream: FilterStream, view: RequestView): Requirement | undefined | { error: string } {
    const perRoute = jwtPerRoute.forStream(stream, this.name);
    if (perRoute) {
      if (perRoute.kind === 'disabled') return undefined;
      const r = this.settings.requirementMap.get(perRoute.name);
      if (r) return r;
      return { error: `Wrong requirement_name: ${perRoute.name}. It should be one of [${[...this.settings.requirementMap.keys()].join(',')}]` };
    }
    // A random draw only for rules with runtime_fraction: most rules have none.
    for (const rule of this.settings.rules) if (rule.match.matches(view, rule.match.runtimeFraction ? Math.floor(stream.hcm.random() * 0x1_0000_0000) : 0)) return rule.requirement;
    return undefined;
  }
}

function isCorsPreflight(stream: FilterStream): boolean {
  return stream.method === 'OPTIONS' && !!stream.headers.get('origin') && !!stream.headers.get('access-control-request-method');
}

/** Envoy's buildOriginalUri: forwarded proto, host and path, the path cut at 256 characters. */
function originalUri(stream: FilterStream): string {
  const proto = stream.headers.get('x-forwarded-proto') ?? stream.scheme;
  const path = stream.headers.get('x-envoy-original-path') ?? stream.path;
  return `${proto}://${stream.authority}${path.length > JWT_AUTHN_DEFAULTS.maxRealmUriLength ? path.slice(0, JWT_AUTHN_DEFAULTS.maxRealmUriLength) : path}`;
}

/** Per stream: it may wait for a JWKS fetch. */
class JwtAuthnFilter implements HttpFilter, KeyResolver {
  private destroyed = false;
  private needFetch: Set<ProviderRuntime> | undefined;
  private failed: Set<ProviderRuntime> | undefined;
  private services: JwksFetchServices | undefined;

  constructor(private readonly factory: JwtAuthnFilterFactory, private readonly bound: Bound) {}

  decodeHeaders(stream: FilterStream): FilterStatus {
    const stats = this.bound.stats;
    if (this.factory.settings.bypassCorsPreflight && isCorsPreflight(stream)) {
      stats.corsPreflightBypassed.inc();
      stats.allowed.inc();
      return CONTINUE;
    }
    const view = stream.route?.view ?? new RequestView(stream);
    const req = this.factory.requirementFor(stream, view);
    if (req === undefined) {
      stats.allowed.inc();
      return CONTINUE;
    }
    if ('error' in req) {
      stats.denied.inc();
      stream.sendLocalReply({
        status: 403,
        code: 'WEFT_JWT_DENIED',
        flag: 0,
        cause: `Failed JWT authentication: ${req.error}`,
        source: this.source(stream),
        details: `jwt_authn_access_denied{${req.error.replace(/\s/g, '_')}}`,
      });
      return STOP;
    }
    return this.evaluate(stream, view, req, false);
  }

  onDestroy(): void {
    this.destroyed = true;
  }

  /** KeyResolver: local keys, cached remote keys, or a fetch to start. */
  keys(p: ProviderRuntime): KeysState {
    if (p.settings.localJwks) return p.settings.localJwks;
    const remote = p.remote!;
    const svc = this.fetchServices();
    remote.startAsync(svc);
    const k = remote.current(svc.clock.now());
    if (k) return k;
    if (this.failed?.has(p)) return 'failed';
    (this.needFetch ??= new Set()).add(p);
    return 'pending';
  }

  private stream: FilterStream | undefined;

  private fetchServices(): JwksFetchServices {
    if (!this.services) {
      const hcm = this.stream!.hcm;
      this.services = { clock: hcm.clock, log: hcm.log, clusters: hcm.ctx.clusters };
    }
    return this.services;
  }

  private evaluate(stream: FilterStream, view: RequestView, req: Requirement, resumed: boolean): FilterStatus {
    this.stream = stream;
    const ev = new Evaluation(view, this.bound.providers, this.bound.allProviders, Math.floor(stream.hcm.clock.wallNow() / 1000), this);
    const st = ev.run(req);
    if (st === 'pending') {
      this.fetchThenResume(stream, view, req);
      return STOP;
    }
    const stats = this.bound.stats;
    if (st !== JwtStatus.Ok) {
      this.deny(stream, st);
      return STOP;
    }
    stats.allowed.inc();
    applyOutputs(stream, ev.verified);
    if (resumed) stream.continueDecoding();
    return CONTINUE;
  }

  private fetchThenResume(stream: FilterStream, view: RequestView, req: Requirement): void {
    const svc = this.fetchServices();
    const wanted = [...(this.needFetch ?? [])];
    this.needFetch = undefined;
    void Promise.all(wanted.map(async (p) => ({ p, jwks: await p.remote!.fetch(svc) as Jwks | undefined }))).then((results) => {
      if (this.destroyed || stream.state !== 'decoding') return;
      for (const r of results) if (!r.jwks) (this.failed ??= new Set()).add(r.p);
      try {
        this.evaluate(stream, view, req, true);
      } catch (e) {
        stream.hcm.log.error(`jwt_authn: ${String(e)}`);
        stream.sendLocalReply({ status: 500, code: 'WEFT_INTERNAL', flag: 0, cause: `jwt_authn: ${String(e)}`, details: 'jwt_authn_internal_error' });
      }
    });
  }

  private source(stream: FilterStream): string {
    return stream.route ? `http_filter=${this.factory.name}; ${stream.route.route.describe()}` : `http_filter=${this.factory.name}`;
  }

  private deny(stream: FilterStream, st: JwtStatusText): void {
    this.bound.stats.denied.inc();
    const h = new HeaderMap();
    h.set('www-authenticate', st === JwtStatus.JwtMissed ? `Bearer realm="${originalUri(stream)}"` : `Bearer realm="${originalUri(stream)}", error="invalid_token"`);
    stream.sendLocalReply({
      status: st === JwtStatus.JwtAudienceNotAllowed ? 403 : 401,
      code: st === JwtStatus.JwksFetchFail ? 'WEFT_JWKS_FETCH_FAILED' : 'WEFT_JWT_DENIED',
      flag: 0,
      cause: st,
      source: this.source(stream),
      body: st,
      details: `jwt_authn_access_denied{${st.replace(/\s/g, '_')}}`,
    }, h);
  }
}

/**
 * A claim's value as a header value, as Envoy's claim_to_headers writes it:
 * strings as is, numbers (integers without a fraction) and booleans printed,
 * objects and lists as base64 of their JSON.
 */
function claimHeaderValue(v: unknown): string | undefined {
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v !== null && typeof v === 'object') return Buffer.from(JSON.stringify(v)).toString('base64');
  return undefined;
}

function applyOutputs(stream: FilterStream, verified: readonly VerifiedToken[]): void {
  for (const { provider, jwt, location } of verified) {
    const s = provider.settings;
    if (!s.forward && location.kind === 'header') stream.headers.remove(location.name);
    if (s.forwardPayloadHeader) {
      const b64 = jwt.payloadB64.replace(/=+$/, '');
      // Envoy adds (never replaces) the payload and claim headers.
      stream.headers.add(s.forwardPayloadHeader, s.padForwardPayloadHeader ? b64 + '='.repeat((4 - (b64.length % 4)) % 4) : b64);
    }
    for (const c of s.claimToHeaders) {
      let v: unknown = jwt.payload;
      for (const k of c.claimPath) v = v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)[k] : undefined;
      const hv = claimHeaderValue(v);
      if (hv !== undefined) stream.headers.add(c.header, hv);
    }
    if (s.payloadInMetadata) {
      let payload: Record<string, unknown> = jwt.payload as Record<string, unknown>;
      if (s.spaceDelimitedClaims.length > 0) {
        payload = { ...payload };
        for (const k of s.spaceDelimitedClaims) {
          const v = payload[k];
          if (typeof v === 'string') payload[k] = v.split(' ').filter((x) => x !== '');
        }
      }
      stream.info.setDynamicMetadata(JWT_AUTHN_NAME, s.payloadInMetadata, payload);
    }
    if (s.headerInMetadata) stream.info.setDynamicMetadata(JWT_AUTHN_NAME, s.headerInMetadata, jwt.header);
  }
}
