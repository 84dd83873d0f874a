import assert from 'node:assert/strict';
import { test } from 'node:test';
import { translateCors } from './translate-cors.js';

const ENABLED = { default_value: { numerator: 100, denominator: 'HUNDRED' } };

test('every field as Istio translates it: origins as string matchers, lists joined by ",", maxAge in seconds', () => {
  assert.deepEqual(translateCors({
    allowOrigins: [{ exact: 'https://a.example' }, { prefix: 'https://b.' }, { regex: 'https://.*\\.c\\.example' }],
    allowMethods: ['GET', 'POST'],
    allowHeaders: ['x-a', 'x-b'],
    exposeHeaders: ['x-c'],
    maxAge: '90.5s',
    allowCredentials: false,
  }), {
    allow_origin_string_match: [{ exact: 'https://a.example' }, { prefix: 'https://b.' }, { safe_regex: { regex: 'https://.*\\.c\\.example' } }],
    filter_enabled: ENABLED,
    allow_credentials: { value: false },
    allow_headers: 'x-a,x-b',
    allow_methods: 'GET,POST',
    expose_headers: 'x-c',
    max_age: '90',
  });
});

test('unmatchedPreflights: FORWARD → forward, IGNORE → answer; unset leaves Envoy\'s default', () => {
  assert.deepEqual(translateCors({ unmatchedPreflights: 'FORWARD' }).forward_not_matching_preflights, { value: true });
  assert.deepEqual(translateCors({ unmatchedPreflights: 'IGNORE' }).forward_not_matching_preflights, { value: false });
  assert.equal('forward_not_matching_preflights' in translateCors({}), false);
  assert.deepEqual(translateCors({}), { filter_enabled: ENABLED });
});

test('deprecated allowOrigin: exact matches, used only when allowOrigins is absent', () => {
  assert.deepEqual(translateCors({ allowOrigin: ['https://a.example', '*'] }).allow_origin_string_match, [{ exact: 'https://a.example' }, { exact: '*' }]);
  assert.deepEqual(translateCors({ allowOrigin: ['https://old.example'], allowOrigins: [{ exact: 'https://new.example' }] }).allow_origin_string_match, [{ exact: 'https://new.example' }]);
});
