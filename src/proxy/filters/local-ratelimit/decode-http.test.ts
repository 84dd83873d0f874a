import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigErrors } from '../../../common/errors.js';
import type { envoy_extensions_filters_http_local_ratelimit_v3_LocalRateLimit } from '../../../xds/gen/types.js';
import { decodeHttpLocalRateLimit } from './decode-http.js';

function decode(cfg: envoy_extensions_filters_http_local_ratelimit_v3_LocalRateLimit, perRoute = false) {
  const errs = new ConfigErrors();
  const s = decodeHttpLocalRateLimit(cfg, 'l', errs, perRoute);
  return { s, errors: errs.errors.map((e) => `${e.path}: ${e.message}`) };
}

const BUCKET = { max_tokens: 10, tokens_per_fill: { value: 5 }, fill_interval: { seconds: 1 } };

describe('decodeHttpLocalRateLimit', () => {
  it('defaults: disabled and not enforced (0%), status 429, no x-ratelimit headers, per process', () => {
    const { s, errors } = decode({ stat_prefix: 'rl' });
    assert.deepEqual(errors, []);
    assert.equal(s!.enabled, 0);
    assert.equal(s!.enforced, 0);
    assert.equal(s!.status, 429);
    assert.equal(s!.bucket, undefined);
    assert.equal(s!.xRateLimitHeaders, false);
    assert.equal(s!.perConnection, false);
    assert.equal(s!.grpcStatus, undefined);
  });

  it('decodes every supported field', () => {
    const { s, errors } = decode({
      stat_prefix: 'rl',
      token_bucket: BUCKET,
      filter_enabled: { runtime_key: 'k', default_value: { numerator: 100 } },
      filter_enforced: { default_value: { numerator: 5000, denominator: 'TEN_THOUSAND' } },
      status: { code: 'ServiceUnavailable' },
      response_headers_to_add: [{ header: { key: 'x-local-rate-limit', value: 'true' } }],
      request_headers_to_add_when_not_enforced: [{ header: { key: 'x-over', value: 'yes' } }],
      enable_x_ratelimit_headers: 'DRAFT_VERSION_03',
      local_rate_limit_per_downstream_connection: true,
      rate_limited_as_resource_exhausted: true,
      stage: 2,
    });
    assert.deepEqual(errors, []);
    assert.deepEqual(s!.bucket, { maxTokens: 10, tokensPerFill: 5, fillIntervalMs: 1000 });
    assert.equal(s!.enabled, 1);
    assert.equal(s!.enforced, 0.5);
    assert.equal(s!.status, 503);
    assert.equal(s!.responseHeaders.ops.length, 1);
    assert.equal(s!.requestHeadersWhenNotEnforced.ops.length, 1);
    assert.equal(s!.xRateLimitHeaders, true);
    assert.equal(s!.perConnection, true);
    assert.equal(s!.grpcStatus, 8);
  });

  it('a status below 400 becomes 429, as in Envoy', () => {
    assert.equal(decode({ stat_prefix: 'rl', status: { code: 'OK' } }).s!.status, 429);
  });

  it('a per-route config must have its own token bucket', () => {
    assert.deepEqual(decode({ stat_prefix: 'rl' }, true).errors, ['l.token_bucket: a per-route local rate limit must set token_bucket']);
  });

  it('reports every error with its field path, and refuses descriptors', () => {
    const { s, errors } = decode({
      token_bucket: { max_tokens: 1, fill_interval: { nanos: 10_000_000 } },
      filter_enabled: { runtime_key: 'k' },
      status: {},
      descriptors: [{ entries: [{ key: 'a', value: 'b' }], token_bucket: BUCKET }],
      always_consume_default_token_bucket: { value: true },
      response_headers_to_add: [{ header: { key: ':status', value: '1' } }],
      stage: 11,
    });
    assert.equal(s, undefined);
    assert.deepEqual(errors.map((e) => e.split(':')[0]), [
      'l.descriptors',
      'l.always_consume_default_token_bucket',
      'l.stat_prefix',
      'l.token_bucket.fill_interval',
      'l.status.code',
      'l.filter_enabled.default_value',
      'l.response_headers_to_add[0].header.key',
      'l.stage',
    ]);
  });
});
