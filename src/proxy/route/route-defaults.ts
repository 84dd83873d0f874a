// Defaults for route configuration, in one place, each with Envoy's reason.

/** RouteAction.timeout when unset: Envoy's 15 s upstream request timeout. 0 means "no timeout". */
export const DEFAULT_ROUTE_TIMEOUT_MS = 15_000;

/**
 * RouteConfiguration.max_direct_response_body_size_bytes when unset: Envoy keeps direct
 * response bodies in memory outside any buffer limit, so it caps them at 4 KiB.
 */
export const DEFAULT_MAX_DIRECT_RESPONSE_BODY_BYTES = 4096;

/** RouteAction.cluster_not_found_response_code when unset (SERVICE_UNAVAILABLE). */
export const DEFAULT_CLUSTER_NOT_FOUND_STATUS = 503;

/** RedirectAction.response_code when unset (MOVED_PERMANENTLY), also used by require_tls. */
export const DEFAULT_REDIRECT_STATUS = 301;

/** RouteMatch.case_sensitive when unset: paths compare byte for byte. */
export const DEFAULT_CASE_SENSITIVE = true;

/** Upper bound of the per-request random value when the caller does not inject one. */
export const RANDOM_VALUE_RANGE = 2 ** 32;

/**
 * The request's random value as a non-negative integer. Callers may pass an
 * integer (Envoy's style) or a float in [0, 1) (Math.random's style); the
 * latter is spread over RANDOM_VALUE_RANGE so modulo arithmetic stays uniform.
 */
export function normalizeRandom(rand: number): number {
  if (Number.isSafeInteger(rand) && rand >= 0) return rand;
  if (rand >= 0 && rand < 1) return Math.floor(rand * RANDOM_VALUE_RANGE);
  return Number.isFinite(rand) ? Math.floor(Math.abs(rand)) % Number.MAX_SAFE_INTEGER : 0;
}
