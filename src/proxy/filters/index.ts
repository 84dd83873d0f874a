// Every filter weft implements, for code that runs them (the listener runs
// the network local rate limiter). Registration is in src/proxy/extensions/.
export { faultRegistration } from './fault/registration.js';
export { httpLocalRateLimitRegistration, networkLocalRateLimitRegistration } from './local-ratelimit/registration.js';
export { decodeNetworkLocalRateLimit, NetworkLocalRateLimiter, NETWORK_LOCAL_RATELIMIT_TYPE_URL, type NetworkLocalRateLimitConfig } from './local-ratelimit/index.js';
