// envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit decoded into
// immutable settings, at the listener level (http_filters) or per route
// (typed_per_filter_config). Every error carries its field path; fields weft
// does not implement (descriptors and what only matters with them) are refused.
import { ConfigErrors, joinPath } from '../../../common/errors.js';
import { checkSupported, fractionalPercent } from '../../config/support.js';
import { decodeHeaderMutation, type HeaderMutation } from '../../route/header-mutation.js';
import { enumSchema } from '../../../xds/schema.js';
import type {
  envoy_config_core_v3_RuntimeFractionalPercent,
  envoy_extensions_filters_http_local_ratelimit_v3_LocalRateLimit,
} from '../../../xds/gen/types.js';
import { DEFAULT_ENABLED_FRACTION, DEFAULT_ENFORCED_FRACTION, DEFAULT_RATE_LIMITED_STATUS, GRPC_RESOURCE_EXHAUSTED } from './defaults.js';
import { decodeTokenBucket, type TokenBucketSpec } from './token-bucket.js';

/** Validated settings of one LocalRateLimit (listener level or one route's). */
export interface HttpLocalRateLimitSettings {
  readonly statPrefix: string;
  /** undefined: no token bucket, so nothing is limited (allowed at the listener level only). */
  readonly bucket: TokenBucketSpec | undefined;
  /** Probability in [0, 1] that a request is checked (filter_enabled). */
  readonly enabled: number;
  /** Probability in [0, 1] that a request over the limit is refused (filter_enforced). */
  readonly enforced: number;
  /** Status of the rate-limited reply. */
  readonly status: number;
  /** Added to the rate-limited reply. */
  readonly responseHeaders: HeaderMutation;
  /** Added to a request that is over the limit but let through (not enforced). */
  readonly requestHeadersWhenNotEnforced: HeaderMutation;
  /** enable_x_ratelimit_headers: DRAFT_VERSION_03. */
  readonly xRateLimitHeaders: boolean;
  /** local_rate_limit_per_downstream_connection: one bucket per connection instead of per process. */
  readonly perConnection: boolean;
  /** gRPC status for rate-limited gRPC calls; undefined maps the HTTP status (429 → UNAVAILABLE). */
  readonly grpcStatus: number | undefined;
}

const SUPPORTED = [
  'stat_prefix', 'status', 'token_bucket', 'filter_enabled', 'filter_enforced',
  'request_headers_to_add_when_not_enforced', 'response_headers_to_add', 'stage',
  'local_rate_limit_per_downstream_connection', 'enable_x_ratelimit_headers',
  'rate_limited_as_resource_exhausted',
];
/** Envoy's limit on each header list of this filter. */
const MAX_HEADERS_TO_ADD = 10;
/** Envoy's range for `stage`. */
const MAX_STAGE = 10;

/**
 * Decodes one LocalRateLimit. `perRoute` applies Envoy's rule that a route's
 * config must have its own token bucket. Returns undefined when unusable.
 */
export function decodeHttpLocalRateLimit(
  cfg: envoy_extensions_filters_http_local_ratelimit_v3_LocalRateLimit,
  path: string,
  errs: ConfigErrors,
  perRoute: boolean,
): HttpLocalRateLimitSettings | undefined {
  const before = errs.errors.length;
  checkSupported(cfg, path, errs, SUPPORTED);
  const statPrefix = cfg.stat_prefix ?? '';
  if (!statPrefix) errs.required(joinPath(path, 'stat_prefix'), 'stat_prefix is required');

  let bucket: TokenBucketSpec | undefined;
  if (cfg.token_bucket) bucket = decodeTokenBucket(cfg.token_bucket, joinPath(path, 'token_bucket'), errs);
  else if (perRoute) errs.error(joinPath(path, 'token_bucket'), 'a per-route local rate limit must set token_bucket');

  const status = decodeStatus(cfg, joinPath(path, 'status'), errs);
  const enabled = runtimeFraction(cfg.filter_enabled, joinPath(path, 'filter_enabled'), errs, DEFAULT_ENABLED_FRACTION);
  const enforced = runtimeFraction(cfg.filter_enforced, joinPath(path, 'filter_enforced'), errs, DEFAULT_ENFORCED_FRACTION);

  const respPath = joinPath(path, 'response_headers_to_add');
  const reqPath = joinPath(path, 'request_headers_to_add_when_not_enforced');
  if ((cfg.response_headers_to_add?.length ?? 0) > MAX_HEADERS_TO_ADD) errs.error(respPath, `at most ${MAX_HEADERS_TO_ADD} headers may be added`);
  if ((cfg.request_headers_to_add_when_not_enforced?.length ?? 0) > MAX_HEADERS_TO_ADD) errs.error(reqPath, `at most ${MAX_HEADERS_TO_ADD} headers may be added`);
  const responseHeaders = decodeHeaderMutation(cfg.response_headers_to_add, respPath, undefined, '', errs);
  const requestHeadersWhenNotEnforced = decodeHeaderMutation(cfg.request_headers_to_add_when_not_enforced, reqPath, undefined, '', errs);

  if (cfg.stage !== undefined && (!Number.isInteger(cfg.stage) || cfg.stage < 0 || cfg.stage > MAX_STAGE)) {
    errs.error(joinPath(path, 'stage'), `must be in [0, ${MAX_STAGE}] (got ${cfg.stage})`);
  }
  const x = cfg.enable_x_ratelimit_headers;
  if (x !== undefined && x !== 'OFF' && x !== 'DRAFT_VERSION_03') {
    errs.error(joinPath(path, 'enable_x_ratelimit_headers'), `unknown value ${String(x)} (OFF, DRAFT_VERSION_03)`);
  }

  if (errs.errors.length > before) return undefined;
  return {
    statPrefix,
    bucket,
    enabled,
    enforced,
    status,
    responseHeaders,
    requestHeadersWhenNotEnforced,
    xRateLimitHeaders: x === 'DRAFT_VERSION_03',
    perConnection: cfg.local_rate_limit_per_downstream_connection === true,
    grpcStatus: cfg.rate_limited_as_resource_exhausted === true ? GRPC_RESOURCE_EXHAUSTED : undefined,
  };
}

function decodeStatus(cfg: envoy_extensions_filters_http_local_ratelimit_v3_LocalRateLimit, path: string, errs: ConfigErrors): number {
  const s = cfg.status;
  if (!s) return DEFAULT_RATE_LIMITED_STATUS;
  checkSupported(s, path, errs, ['code']);
  const code = s.code === undefined ? undefined : enumSchema('envoy.type.v3.StatusCode').numberByName.get(s.code);
  if (code === undefined || code === 0) {
    errs.required(joinPath(path, 'code'), `a defined HTTP status code is required (got ${String(s.code)})`);
    return DEFAULT_RATE_LIMITED_STATUS;
  }
  // Envoy: a status below 400 would not tell the client it was limited, so 429 is used instead.
  return code >= 400 ? code : DEFAULT_RATE_LIMITED_STATUS;
}

/** RuntimeFractionalPercent → probability. runtime_key is accepted: weft has no runtime layer, default_value applies. */
export function runtimeFraction(r: envoy_config_core_v3_RuntimeFractionalPercent | undefined, path: string, errs: ConfigErrors, dflt: number): number {
  if (!r) return dflt;
  checkSupported(r, path, errs, ['default_value', 'runtime_key']);
  if (!r.default_value) {
    errs.required(joinPath(path, 'default_value'), 'default_value is required');
    return dflt;
  }
  checkSupported(r.default_value, joinPath(path, 'default_value'), errs, ['numerator', 'denominator']);
  return fractionalPercent(r.default_value, dflt);
}
