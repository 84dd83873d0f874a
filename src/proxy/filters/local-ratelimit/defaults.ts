// Defaults of the local rate limit filters, each with Envoy's reason.

/** Type URLs, as they appear in `typed_config` and `typed_per_filter_config`. */
export const HTTP_LOCAL_RATELIMIT_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit';
export const NETWORK_LOCAL_RATELIMIT_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.network.local_ratelimit.v3.LocalRateLimit';

/** token_bucket.tokens_per_fill: 1 when unset (TokenBucket proto default). */
export const DEFAULT_TOKENS_PER_FILL = 1;

/** Envoy refuses shorter fill intervals: a faster timer would cost more than it limits. */
export const MIN_FILL_INTERVAL_MS = 50;

/** `status` when unset, or set below 400 (Envoy then uses 429 too). */
export const DEFAULT_RATE_LIMITED_STATUS = 429;

/** Envoy's local reply body and response code details for a rate-limited request. */
export const RATE_LIMITED_BODY = 'local_rate_limited';
export const RATE_LIMITED_DETAILS = 'local_rate_limited';

/** gRPC RESOURCE_EXHAUSTED, sent when rate_limited_as_resource_exhausted is set (otherwise 429 maps to UNAVAILABLE). */
export const GRPC_RESOURCE_EXHAUSTED = 8;

/**
 * filter_enabled / filter_enforced when unset: 0% of requests. Envoy chose
 * "off" for safety, so a listener-level filter without them does nothing and
 * limits come from per-route configs.
 */
export const DEFAULT_ENABLED_FRACTION = 0;
export const DEFAULT_ENFORCED_FRACTION = 0;

/** x-ratelimit-* headers (draft-ietf-httpapi-ratelimit-headers-03), as Envoy names them. */
export const X_RATELIMIT_LIMIT = 'x-ratelimit-limit';
export const X_RATELIMIT_REMAINING = 'x-ratelimit-remaining';
export const X_RATELIMIT_RESET = 'x-ratelimit-reset';
