// envoy.filters.http.cors: the route's CorsPolicy (typed_per_filter_config,
// most specific level wins) decides. A preflight (OPTIONS with origin and
// access-control-request-method) from an allowed origin is answered here;
// other requests from an allowed origin get access-control-allow-origin (and
// credentials, expose-headers) on the response. Origins are counted in
// `http.<stat_prefix>.cors.origin_valid` / `origin_invalid`. With only
// shadow_enabled true the origin is checked and counted, nothing else.
import type { Counter } from '../../../stats/counter.js';
import { CONTINUE, STOP, type FilterStatus, type FilterStream, type HttpFilter, type HttpFilterFactory } from '../../http/filter.js';
import { HeaderMap } from '../../http/headers.js';
import { PerRouteConfigs } from '../common/per-route.js';
import { decodeCorsPolicy, type CorsPolicy } from './decode.js';
import { CORS_POLICY_TYPE_URL, CORS_RESPONSE_DETAILS } from './defaults.js';

export const corsPerRoute = new PerRouteConfigs<CorsPolicy>([CORS_POLICY_TYPE_URL], decodeCorsPolicy);

interface CorsStats {
  readonly store: object;
  readonly originValid: Counter;
  readonly originInvalid: Counter;
}

export class CorsFilterFactory implements HttpFilterFactory {
  private stats: CorsStats | undefined;

  constructor(readonly name: string, private readonly hcmStatPrefix: string) {}

  create(stream: FilterStream): HttpFilter | undefined {
    const policy = corsPerRoute.forStream(stream, this.name);
    if (!policy) return undefined;
    const origin = stream.headers.get('origin');
    if (origin === undefined || origin === '') return undefined;
    const r = stream.hcm.random();
    const enforced = r < policy.filterEnabled;
    if (!enforced && !(stream.hcm.random() < policy.shadowEnabled)) return undefined;
    const store = stream.hcm.ctx.stats;
    if (!this.stats || this.stats.store !== store) {
      const p = `http.${this.hcmStatPrefix}.cors.`;
      this.stats = { store, originValid: store.counter(`${p}origin_valid`), originInvalid: store.counter(`${p}origin_invalid`) };
    }
    const valid = policy.allowOrigins.some((m) => m('*') || m(origin));
    (valid ? this.stats.originValid : this.stats.originInvalid).inc();
    if (!enforced) return undefined;
    return new CorsFilter(policy, origin, valid);
  }
}

class CorsFilter implements HttpFilter {
  constructor(private readonly policy: CorsPolicy, private readonly origin: string, private readonly valid: boolean) {}

  decodeHeaders(stream: FilterStream): FilterStatus {
    const preflight = stream.method === 'OPTIONS' && !!stream.headers.get('access-control-request-method');
    if (!preflight) return CONTINUE;
    const p = this.policy;
    if (!this.valid) {
      if (p.forwardNotMatchingPreflights) return CONTINUE;
      stream.sendResponse(200, new HeaderMap(), '', CORS_RESPONSE_DETAILS);
      return STOP;
    }
    const h = new HeaderMap();
    h.set('access-control-allow-origin', this.origin);
    if (p.allowCredentials) h.set('access-control-allow-credentials', 'true');
    if (p.allowMethods) h.set('access-control-allow-methods', p.allowMethods);
    if (p.allowHeaders) h.set('access-control-allow-headers', p.allowHeaders);
    if (p.maxAge) h.set('access-control-max-age', p.maxAge);
    if (p.allowPrivateNetworkAccess && stream.headers.get('access-control-request-private-network') === 'true') h.set('access-control-allow-private-network', 'true');
    stream.sendResponse(200, h, '', CORS_RESPONSE_DETAILS);
    return STOP;
  }

  encodeHeaders(stream: FilterStream, _status: number, headers: HeaderMap): void {
    if (!this.valid || stream.info.responseCodeDetails === CORS_RESPONSE_DETAILS) return;
    headers.set('access-control-allow-origin', this.origin);
    if (this.policy.allowCredentials) headers.set('access-control-allow-credentials', 'true');
    if (this.policy.exposeHeaders) headers.set('access-control-expose-headers', this.policy.exposeHeaders);
  }
}
