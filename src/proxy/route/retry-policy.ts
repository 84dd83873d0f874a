// retry_policy (route or virtual host) → RetryPolicy, and the retry decisions
// Envoy makes with it: which responses and resets are retriable, how long to
// back off, which hosts to avoid.
import { ConfigErrors, joinPath } from '../../common/errors.js';
import type { envoy_config_route_v3_RetryPolicy } from '../../xds/gen/types.js';
import { checkSupported, durationMs, wrapped } from '../config/support.js';
import type { HeaderMap } from '../http/headers.js';
import { decodeHeaderMatcher, type HeaderCondition } from './route-match-header.js';
import { RequestView } from './route-request.js';

/** Defaults, as Envoy documents them. */
export const RETRY_DEFAULTS = {
  /** num_retries when a retry policy is set. */
  numRetries: 1,
  /** retry_back_off.base_interval. */
  baseIntervalMs: 25,
  /** max_interval defaults to 10 × base_interval. */
  maxIntervalFactor: 10,
  /** host_selection_retry_max_attempts. */
  hostSelectionRetryMaxAttempts: 1,
};

const RETRY_ON = new Set([
  '5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'envoy-ratelimited', 'retriable-4xx', 'refused-stream',
  'retriable-status-codes', 'retriable-headers', 'http3-post-connect-failure',
  'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable',
]);

/** Bit per retry_on condition. */
export const R = {
  R5XX: 1 << 0, GATEWAY: 1 << 1, RESET: 1 << 2, CONNECT_FAILURE: 1 << 3, RETRIABLE_4XX: 1 << 4, REFUSED_STREAM: 1 << 5,
  STATUS_CODES: 1 << 6, HEADERS: 1 << 7, G_CANCELLED: 1 << 8, G_DEADLINE: 1 << 9, G_INTERNAL: 1 << 10, G_RESOURCE: 1 << 11,
  G_UNAVAILABLE: 1 << 12, RATELIMITED: 1 << 13, RESET_BEFORE_REQUEST: 1 << 14,
};

const BITS: Record<string, number> = {
  '5xx': R.R5XX, 'gateway-error': R.GATEWAY, reset: R.RESET, 'reset-before-request': R.RESET_BEFORE_REQUEST, 'connect-failure': R.CONNECT_FAILURE,
  'retriable-4xx': R.RETRIABLE_4XX, 'refused-stream': R.REFUSED_STREAM, 'retriable-status-codes': R.STATUS_CODES,
  'retriable-headers': R.HEADERS, cancelled: R.G_CANCELLED, 'deadline-exceeded': R.G_DEADLINE, internal: R.G_INTERNAL,
  'resource-exhausted': R.G_RESOURCE, unavailable: R.G_UNAVAILABLE, 'envoy-ratelimited': R.RATELIMITED, 'http3-post-connect-failure': 0,
};

export interface RetryPolicy {
  readonly retryOn: number;
  readonly numRetries: number;
  /** 0 = none. */
  readonly perTryTimeoutMs: number;
  readonly perTryIdleTimeoutMs: number;
  readonly baseIntervalMs: number;
  readonly maxIntervalMs: number;
  readonly retriableStatusCodes: ReadonlySet<number>;
  readonly retriableHeaders: readonly HeaderCondition[];
  readonly retriableRequestHeaders: readonly HeaderCondition[];
  /** retry_host_predicate previous_hosts. */
  readonly avoidPreviousHosts: boolean;
  readonly hostSelectionRetryMaxAttempts: number;
}

const PREVIOUS_HOSTS_URL = 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate';

/** Parses a retry_on string (comma-separated); unknown names go to errs when given. */
export function parseRetryOn(s: string, path?: string, errs?: ConfigErrors): number {
  let bits = 0;
  for (const raw of s.split(',')) {
    const t = raw.trim();
    if (!t) continue;
    if (!RETRY_ON.has(t)) {
      if (errs && path) errs.error(path, `unknown retry_on condition "${t}" (known: ${[...RETRY_ON].join(', ')})`);
      continue;
    }
    bits |= BITS[t]!;
  }
  return bits;
}

export function decodeRetryPolicy(p: envoy_config_route_v3_RetryPolicy, path: string, errs: ConfigErrors): RetryPolicy {
  checkSupported(p, path, errs, ['retry_on', 'num_retries', 'per_try_timeout', 'per_try_idle_timeout', 'retry_host_predicate', 'host_selection_retry_max_attempts', 'retriable_status_codes', 'retry_back_off', 'retriable_headers', 'retriable_request_headers']);
  const retryOn = parseRetryOn(p.retry_on ?? '', joinPath(path, 'retry_on'), errs);
  let avoidPreviousHosts = false;
  (p.retry_host_predicate ?? []).forEach((h, i) => {
    const hp = joinPath(joinPath(path, 'retry_host_predicate'), i);
    if (h.typed_config) errs.claimExtension(joinPath(hp, 'typed_config'));
    if (h.typed_config?.['@type'] === PREVIOUS_HOSTS_URL || (!h.typed_config && h.name === 'envoy.retry_host_predicates.previous_hosts')) avoidPreviousHosts = true;
    else errs.unsupportedExtension(hp, `retry host predicate "${h.typed_config?.['@type'] ?? h.name}" is not supported by weft (supported here: envoy.retry_host_predicates.previous_hosts)`);
  });
  const base = durationMs(p.retry_back_off?.base_interval, RETRY_DEFAULTS.baseIntervalMs);
  if (p.retry_back_off) {
    checkSupported(p.retry_back_off, joinPath(path, 'retry_back_off'), errs, ['base_interval', 'max_interval']);
    if (!p.retry_back_off.base_interval) errs.required(joinPath(path, 'retry_back_off.base_interval'), 'base_interval is required');
    else if (base <= 0) errs.error(joinPath(path, 'retry_back_off.base_interval'), 'must be greater than 0');
  }
  const max = durationMs(p.retry_back_off?.max_interval, base * RETRY_DEFAULTS.maxIntervalFactor);
  if (max < base) errs.error(joinPath(path, 'retry_back_off.max_interval'), 'must not be less than base_interval');
  const retriableHeaders: HeaderCondition[] = [];
  (p.retriable_headers ?? []).forEach((h, i) => {
    const c = decodeHeaderMatcher(h, joinPath(joinPath(path, 'retriable_headers'), i), errs);
    if (c) retriableHeaders.push(c);
  });
  const retriableRequestHeaders: HeaderCondition[] = [];
  (p.retriable_request_headers ?? []).forEach((h, i) => {
    const c = decodeHeaderMatcher(h, joinPath(joinPath(path, 'retriable_request_headers'), i), errs);
    if (c) retriableRequestHeaders.push(c);
  });
  return {
    retryOn,
    numRetries: wrapped(p.num_retries, RETRY_DEFAULTS.numRetries),
    perTryTimeoutMs: durationMs(p.per_try_timeout, 0),
    perTryIdleTimeoutMs: durationMs(p.per_try_idle_timeout, 0),
    baseIntervalMs: base,
    maxIntervalMs: max,
    retriableStatusCodes: new Set(p.retriable_status_codes ?? []),
    retriableHeaders,
    retriableRequestHeaders,
    avoidPreviousHosts,
    hostSelectionRetryMaxAttempts: p.host_selection_retry_max_attempts ?? RETRY_DEFAULTS.hostSelectionRetryMaxAttempts,
  };
}

const GRPC_BITS: Record<string, number> = { '1': R.G_CANCELLED, '4': R.G_DEADLINE, '13': R.G_INTERNAL, '8': R.G_RESOURCE, '14': R.G_UNAVAILABLE };

/** Whether a response with `status` and `headers` should be retried under `retryOn`. */
export function retriableResponse(retryOn: number, policy: RetryPolicy | undefined, status: number, headers: HeaderMap): boolean {
  if (retryOn & R.R5XX && status >= 500) return true;
  if (retryOn & R.GATEWAY && (status === 502 || status === 503 || status === 504)) return true;
  if (retryOn & R.RETRIABLE_4XX && status === 409) return true;
  if (retryOn & R.RATELIMITED && headers.has('x-envoy-ratelimited')) return true;
  if (retryOn & R.STATUS_CODES && policy?.retriableStatusCodes.has(status)) return true;
  if (retryOn & R.HEADERS && policy && policy.retriableHeaders.length > 0) {
    const hv = new RequestView({ method: '', path: '', authority: '', scheme: '', headers });
    if (policy.retriableHeaders.some((c) => c.matches(hv))) return true;
  }
  const gs = headers.get('grpc-status');
  if (gs !== undefined) {
    const bit = GRPC_BITS[gs];
    if (bit !== undefined && retryOn & bit) return true;
  }
  return false;
}

export type ResetKind = 'connect_failure' | 'refused_stream' | 'reset' | 'timeout';

/** Whether an attempt that ended without a response should be retried. */
export function retriableReset(retryOn: number, kind: ResetKind): boolean {
  if (retryOn & (R.R5XX | R.GATEWAY | R.RESET)) return true;
  // reset-before-request: the request never reached the upstream (connect failure or refused stream).
  if (retryOn & R.RESET_BEFORE_REQUEST && (kind === 'connect_failure' || kind === 'refused_stream')) return true;
  if (kind === 'connect_failure' && retryOn & R.CONNECT_FAILURE) return true;
  if (kind === 'refused_stream' && retryOn & R.REFUSED_STREAM) return true;
  return false;
}

/** Fully jittered exponential back-off: retry N waits in [0, (2^N − 1) × base), capped at max. */
export function backoffMs(policy: RetryPolicy, retryNumber: number, random: () => number): number {
  const ceiling = Math.min(policy.maxIntervalMs, (2 ** retryNumber - 1) * policy.baseIntervalMs);
  return Math.floor(random() * ceiling);
}
