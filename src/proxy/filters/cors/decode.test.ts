import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CFG, ConfigErrors } from '../../../common/errors.js';
import { decodeCors, decodeCorsPolicy, mergeCorsPolicies } from './decode.js';
import { CORS_POLICY_TYPE_URL, CORS_TYPE_URL } from './defaults.js';

test('Cors has no fields; anything set is refused by name', () => {
  const errs = new ConfigErrors();
  assert.equal(decodeCors({ '@type': CORS_TYPE_URL, allow_methods: 'GET' } as never, 'c', errs), undefined);
  assert.deepEqual(errs.errors.map((e) => [e.code, e.path]), [[CFG.UNSUPPORTED_FIELD, 'c.allow_methods']]);
});

test('CorsPolicy: defaults (enabled 100%, shadow 0%), unset fields stay unset for merging', () => {
  const errs = new ConfigErrors();
  const p = decodeCorsPolicy({ '@type': CORS_POLICY_TYPE_URL, allow_origin_string_match: [{ exact: 'https://a' }], allow_methods: 'GET' } as never, 'p', errs)!;
  assert.deepEqual(errs.errors, []);
  assert.equal(p.filterEnabled, 1);
  assert.equal(p.shadowEnabled, 0);
  assert.equal(p.allowCredentials, undefined);
  assert.equal(p.forwardNotMatchingPreflights, undefined);
  const route = decodeCorsPolicy({ '@type': CORS_POLICY_TYPE_URL, allow_credentials: { value: false }, max_age: '60' } as never, 'p', errs)!;
  const merged = mergeCorsPolicies([route, p]);
  assert.equal(merged.allowMethods, 'GET');
  assert.equal(merged.maxAge, '60');
  assert.equal(merged.allowCredentials, false);
  assert.equal(merged.forwardNotMatchingPreflights, true);
  assert.ok(merged.allowOrigins[0]!('https://a'));
});

test('CorsPolicy: every problem with its path', () => {
  const errs = new ConfigErrors();
  decodeCorsPolicy({ '@type': CORS_POLICY_TYPE_URL, max_age: '1m', allow_origin_string_match: [{ exact: 'a', prefix: 'b' }], filter_enabled: {} } as never, 'p', errs);
  assert.deepEqual(errs.errors.map((e) => [e.code, e.path]).sort(), [
    [CFG.CONFLICT, 'p.allow_origin_string_match[0]'],
    [CFG.INVALID_VALUE, 'p.max_age'],
    [CFG.REQUIRED, 'p.filter_enabled.default_value'],
  ]);
});
