// envoy.filters.http.local_ratelimit and envoy.filters.network.local_ratelimit
// (registered in src/proxy/extensions/); the network limiter is exported for
// the listener, which runs network filter chains.
export { httpLocalRateLimitRegistration, networkLocalRateLimitRegistration } from './registration.js';

export { HTTP_LOCAL_RATELIMIT_TYPE_URL, NETWORK_LOCAL_RATELIMIT_TYPE_URL } from './defaults.js';
export { decodeHttpLocalRateLimit, type HttpLocalRateLimitSettings } from './decode-http.js';
export { decodeHttpLocalRateLimitPerRoute, HttpLocalRateLimitFactory, HttpLocalRateLimiter } from './http-filter.js';
export { decodeNetworkLocalRateLimit, NetworkLocalRateLimiter, type NetworkLocalRateLimitConfig } from './network-limiter.js';
export { TokenBucket, decodeTokenBucket, type TokenBucketSpec } from './token-bucket.js';
