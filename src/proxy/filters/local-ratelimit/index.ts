// envoy.filters.http.local_ratelimit and envoy.filters.network.local_ratelimit.
// Importing this module registers the HTTP filter; the network filter is
// exported for the listener, which owns network filter chains.
import { registerHttpFilter } from '../registry.js';
import { HTTP_LOCAL_RATELIMIT_TYPE_URL } from './defaults.js';
import { decodeHttpLocalRateLimitFilter } from './http-filter.js';

registerHttpFilter(HTTP_LOCAL_RATELIMIT_TYPE_URL, decodeHttpLocalRateLimitFilter);

export { HTTP_LOCAL_RATELIMIT_TYPE_URL, NETWORK_LOCAL_RATELIMIT_TYPE_URL } from './defaults.js';
export { decodeHttpLocalRateLimit, type HttpLocalRateLimitSettings } from './decode-http.js';
export { decodeHttpLocalRateLimitFilter, decodeHttpLocalRateLimitPerRoute, HttpLocalRateLimitFactory, HttpLocalRateLimiter } from './http-filter.js';
export { decodeNetworkLocalRateLimit, NetworkLocalRateLimiter, type NetworkLocalRateLimitConfig } from './network-limiter.js';
export { TokenBucket, decodeTokenBucket, type TokenBucketSpec } from './token-bucket.js';
