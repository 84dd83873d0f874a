// VirtualService `retries` → RetryPolicy, as Istio's retry.ConvertPolicy:
// unset → Istio's default (2 retries, see DEFAULT_RETRY); attempts 0 → no
// retries; otherwise the default with the user's attempts, retryOn (integers
// in retryOn are retriable status codes) and perTryTimeout. With consistent
// hashing, retries stay on the hashed host (no previous_hosts predicate).
import type { HTTPRetry } from '../../api/networking.js';
import type { envoy_config_route_v3_RetryPolicy } from '../../xds/gen/types.js';
import { DEFAULT_RETRY } from './defaults.js';
import { MESSAGE_CODES, type MessageCollector } from './messages.js';
import { anyOf, duration, TYPE_URLS } from './proto-helpers.js';

/** Istio's default policy (previous_hosts unless `consistentHash`). */
export function defaultRetryPolicy(consistentHash: boolean): envoy_config_route_v3_RetryPolicy {
  return {
    retry_on: DEFAULT_RETRY.retryOn,
    num_retries: { value: DEFAULT_RETRY.numRetries },
    ...(consistentHash ? {} : { retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts', typed_config: anyOf(TYPE_URLS.previousHosts) }] }),
    host_selection_retry_max_attempts: DEFAULT_RETRY.hostSelectionRetryMaxAttempts,
    retriable_status_codes: [...DEFAULT_RETRY.retriableStatusCodes],
  };
}

/** The route's retry policy, or undefined when retries are disabled. */
export function translateRetry(r: HTTPRetry | undefined, consistentHash: boolean, messages: MessageCollector, key: string, path: string): envoy_config_route_v3_RetryPolicy | undefined {
  const out = defaultRetryPolicy(consistentHash);
  if (!r) return out;
  if ((r.attempts ?? 0) <= 0) return undefined;
  out.num_retries = { value: r.attempts! };
  if (r.retryOn) {
    const { retryOn, codes } = parseRetryOn(r.retryOn);
    out.retry_on = codes.length > 0 && !retryOn.includes('retriable-status-codes') ? (retryOn ? `${retryOn},retriable-status-codes` : 'retriable-status-codes') : retryOn;
    if (codes.length > 0) out.retriable_status_codes = codes;
    else delete out.retriable_status_codes;
  }
  const ptt = duration(r.perTryTimeout);
  if (ptt) out.per_try_timeout = ptt;
  if (r.retryRemoteLocalities) {
    messages.warn(MESSAGE_CODES.FIELD_IGNORED, key, `${path}.retryRemoteLocalities`, 'retrying in other localities (previous_priorities) is not yet supported by weft\'s proxy');
  }
  return out;
}

/** Splits Istio's retryOn into Envoy's retry_on and status codes (any integer that is an HTTP status). */
export function parseRetryOn(s: string): { retryOn: string; codes: number[] } {
  const names: string[] = [];
  const codes: number[] = [];
  for (const raw of s.split(',')) {
    const part = raw.trim();
    if (!part) continue;
    if (/^\d+$/.test(part) && Number(part) >= 100 && Number(part) <= 599) codes.push(Number(part));
    else names.push(part);
  }
  return { retryOn: names.join(','), codes };
}
