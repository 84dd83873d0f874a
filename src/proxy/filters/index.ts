// Every filter weft implements. Importing this module once (the connection
// manager does) registers each HTTP filter's decoder with the registry; the
// per-route decoders validate typed_per_filter_config entries by type URL.
import type { PerRouteDecoder } from '../http/filter.js';
import { decodeHttpFaultPerRoute, FAULT_TYPE_URL } from './fault/index.js';
import { decodeHttpLocalRateLimitPerRoute, HTTP_LOCAL_RATELIMIT_TYPE_URL } from './local-ratelimit/index.js';

/** typed_per_filter_config decoders by type URL; each caches its result for the data path. */
export const PER_ROUTE_DECODERS: ReadonlyMap<string, PerRouteDecoder> = new Map<string, PerRouteDecoder>([
  [FAULT_TYPE_URL, decodeHttpFaultPerRoute],
  [HTTP_LOCAL_RATELIMIT_TYPE_URL, decodeHttpLocalRateLimitPerRoute],
]);

export { decodeNetworkLocalRateLimit, NetworkLocalRateLimiter, NETWORK_LOCAL_RATELIMIT_TYPE_URL, type NetworkLocalRateLimitConfig } from './local-ratelimit/index.js';
