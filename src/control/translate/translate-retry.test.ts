import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageCollector } from './messages.js';
import { defaultRetryPolicy, parseRetryOn, translateRetry } from './translate-retry.js';

const PREVIOUS_HOSTS = [{ name: 'envoy.retry_host_predicates.previous_hosts', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate' } }];

test('unset retries → Istio\'s default policy', () => {
  const m = new MessageCollector();
  assert.deepEqual(translateRetry(undefined, false, m, 'k', 'p'), {
    retry_on: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes',
    num_retries: { value: 2 },
    retry_host_predicate: PREVIOUS_HOSTS,
    host_selection_retry_max_attempts: 5,
    retriable_status_codes: [503],
  });
});

test('consistent hashing keeps retries on the hashed host (no previous_hosts)', () => {
  assert.equal(defaultRetryPolicy(true).retry_host_predicate, undefined);
  assert.deepEqual(defaultRetryPolicy(false).retry_host_predicate, PREVIOUS_HOSTS);
});

test('attempts 0 disables retries', () => {
  assert.equal(translateRetry({ attempts: 0 }, false, new MessageCollector(), 'k', 'p'), undefined);
});

test('attempts, perTryTimeout and retryOn override the default; integers in retryOn are status codes', () => {
  const r = translateRetry({ attempts: 5, perTryTimeout: '2s', retryOn: '5xx' }, false, new MessageCollector(), 'k', 'p')!;
  assert.deepEqual(r.num_retries, { value: 5 });
  assert.deepEqual(r.per_try_timeout, { seconds: 2, nanos: 0 });
  assert.equal(r.retry_on, '5xx');
  assert.equal(r.retriable_status_codes, undefined, 'a user retryOn replaces the default 503');
  assert.deepEqual(r.retry_host_predicate, PREVIOUS_HOSTS);
  assert.equal(r.host_selection_retry_max_attempts, 5);

  const codes = translateRetry({ attempts: 3, retryOn: 'gateway-error,503, 429' }, false, new MessageCollector(), 'k', 'p')!;
  assert.equal(codes.retry_on, 'gateway-error,retriable-status-codes');
  assert.deepEqual(codes.retriable_status_codes, [503, 429]);
  assert.deepEqual(parseRetryOn('retriable-status-codes,502'), { retryOn: 'retriable-status-codes', codes: [502] });
});

test('retryRemoteLocalities is reported (no retry_priority in weft\'s proxy)', () => {
  const m = new MessageCollector();
  const r = translateRetry({ attempts: 1, retryRemoteLocalities: true }, false, m, 'VirtualService a.default', 'spec.http[0].retries')!;
  assert.equal((r as Record<string, unknown>).retry_priority, undefined);
  assert.deepEqual(m.list().map((x) => [x.code, x.path]), [['WEFT_TR_FIELD_IGNORED', 'spec.http[0].retries.retryRemoteLocalities']]);
});
