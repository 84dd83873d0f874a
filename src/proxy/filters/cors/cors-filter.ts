// envoy.filters.http.cors: the CorsPolicy entries of the route and its
// virtual host (typed_per_filter_config), merged field by field with the most
// specific level first, decide. A preflight (OPTIONS with origin and
// access-control-request-method) is answered here: with the policy's headers,
// and access-control-allow-origin when the origin is allowed; a preflight from
// a disallowed origin goes upstream unless forward_not_matching_preflights is
// false. Other requests from an allowed origin get access-control-allow-origin
// (and credentials, expose-headers) on the response. Origins are counted in
// `http.<stat_prefix>.cors.origin_valid` / `origin_invalid`. With only
// shadow_enabled true the origin is checked and counted, nothing else.
import type { Counter } from '../../../stats/counter.js';
import { CONTINUE, STOP, type FilterStatus, type FilterStream, type HttpFilter, type HttpFilterFactory } from '../../http/filter.js';
import { HeaderMap } from '../../http/headers.js';
import { drawn, PerRouteConfigs } from '../common/per-route.js';
import { decodeCorsPolicy, mergeCorsPolicies, type CorsPolicy, type EffectiveCors } from './decode.js';
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
    const levels = corsPerRoute.levelsForStream(stream, this.name);
    if (levels.length === 0) return undefined;
    const policy = mergeCorsPolicies(levels);
    const enforced = drawn(stream, policy.filterEnabled);
    const shadow = !enforced && drawn(stream, policy.shadowEnabled);
    if (!enforced && !shadow) return undefined;
    const origin = stream.headers.get('origin');
    if (origin === undefined || origin === '') return undefined;
    const store = stream.hcm.ctx.stats;
    if (!this.stats || this.stats.store !== store) {
      const p = `http.${this.hcmStatPrefix}.cors.`;
      this.stats = { store, originValid: store.counter(`${p}origin_valid`), originInvalid: store.counter(`${p}origin_invalid`) };
    }
    const valid = policy.allowOrigins.some((m) => m('*') || m(origin));
    (valid ? this.stats.originValid : this.stats.originInvalid).inc();
    // Envoy: shadow mode applies only when enforcement is off.
    if (!enforced) return undefined;
    return new CorsFilter(policy, origin, valid);
  }
}

class CorsFilter implements HttpFilter {
  constructor(private readonly policy: EffectiveCors, private readonly origin: string, private readonly valid: boolean) {}

  decodeHeaders(stream: FilterStream): FilterStatus {
    const requestMethod = stream.headers.get('access-control-request-method');
    if (stream.method !== 'OPTIONS' || !requestMethod) return CONTINUE;
    const p = this.policy;
    if (!this.valid && p.forwardNotMatchingPreflights) return CONTINUE;
    const h = new HeaderMap();
    if (this.valid) h.set('access-control-allow-origin', this.origin);
    if (p.allowCredentials) h.set('access-control-allow-credentials', 'true');
    // `*` echoes what the preflight asks for, as Envoy does.
    if (p.allowMethods) h.set('access-control-allow-methods', p.allowMethods === '*' ? requestMethod : p.allowMethods);
    if (p.allowHeaders) h.set('access-control-allow-headers', p.allowHeaders === '*' ? (stream.headers.get('access-control-request-headers') ?? '') : p.allowHeaders);
    if (p.maxAge) h.set('access-control-max-age', p.maxAge);
    if (p.allowPrivateNetworkAccess && stream.headers.get('access-control-request-private-network') === 'true') h.set('access-control-allow-private-network', 'true');
    stream.sendResponse(200, h, '', CORS_RESPONSE_DETAILS);
    return STOP;
  }

  encodeHeaders(_stream: FilterStream, _status: number, headers: HeaderMap): void {
    if (!this.valid) return;
    headers.set('access-control-allow-origin', this.origin);
    if (this.policy.allowCredentials) headers.set('access-control-allow-credentials', 'true');
    if (this.policy.exposeHeaders) headers.set('access-control-expose-headers', this.policy.exposeHeaders);
  }
}
