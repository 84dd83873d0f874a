// envoy.filters.http.local_ratelimit and envoy.filters.network.local_ratelimit.
import type { envoy_extensions_filters_http_local_ratelimit_v3_LocalRateLimit } from '../../../xds/gen/types.js';
import type { HttpFilterRegistration } from '../../extensions/http-filter-registration.js';
import type { NetworkFilterRegistration } from '../../extensions/network-filter-registration.js';
import { decodeHttpLocalRateLimit, type HttpLocalRateLimitSettings } from './decode-http.js';
import { HTTP_LOCAL_RATELIMIT_TYPE_URL, NETWORK_LOCAL_RATELIMIT_TYPE_URL } from './defaults.js';
import { decodeHttpLocalRateLimitPerRoute, HttpLocalRateLimitFactory } from './http-filter.js';
import { decodeNetworkLocalRateLimit, type NetworkLocalRateLimitConfig } from './network-limiter.js';

export const httpLocalRateLimitRegistration: HttpFilterRegistration<HttpLocalRateLimitSettings> = {
  name: 'envoy.filters.http.local_ratelimit',
  typeUrls: [HTTP_LOCAL_RATELIMIT_TYPE_URL],
  decode: (cfg, path, errs) => decodeHttpLocalRateLimit(cfg as envoy_extensions_filters_http_local_ratelimit_v3_LocalRateLimit, path, errs, false),
  perRoute: { typeUrls: [HTTP_LOCAL_RATELIMIT_TYPE_URL], decode: decodeHttpLocalRateLimitPerRoute },
  factory: (settings, ctx) => new HttpLocalRateLimitFactory(ctx.name, settings),
  stats: { prefix: '<stat_prefix>.http_local_rate_limit.', counters: ['enabled', 'enforced', 'rate_limited', 'ok'] },
};

export const networkLocalRateLimitRegistration: NetworkFilterRegistration<NetworkLocalRateLimitConfig> = {
  name: 'envoy.filters.network.local_ratelimit',
  typeUrls: [NETWORK_LOCAL_RATELIMIT_TYPE_URL],
  terminal: false,
  decode: (cfg, path, errs) => decodeNetworkLocalRateLimit(cfg, path, errs),
  factory: (rateLimit) => ({ rateLimit }),
  stats: { prefix: 'local_rate_limit.<stat_prefix>.', counters: ['rate_limited'] },
};
