import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HTTPMatchRequest } from '../../api/networking.js';
import { isCatchAllMatch, translateRouteMatch, UntranslatableMatch } from './translate-route-match.js';

test('translateRouteMatch: one row per HTTPMatchRequest field', () => {
  const cases: [string, HTTPMatchRequest | undefined, object][] = [
    ['no match → catch-all prefix', undefined, { prefix: '/' }],
    ['uri exact → path', { uri: { exact: '/productpage' } }, { path: '/productpage', case_sensitive: { value: true } }],
    ['uri prefix → prefix', { uri: { prefix: '/static' } }, { prefix: '/static', case_sensitive: { value: true } }],
    ['uri regex → safe_regex', { uri: { regex: '/api/v[0-9]+' } }, { safe_regex: { regex: '/api/v[0-9]+' }, case_sensitive: { value: true } }],
    ['ignoreUriCase → case_sensitive false', { uri: { prefix: '/A' }, ignoreUriCase: true }, { prefix: '/A', case_sensitive: { value: false } }],
    ['headers exact/prefix/regex, sorted by name', { headers: { 'x-b': { prefix: 'p' }, 'end-user': { exact: 'jason' }, 'x-c': { regex: 'a.*' } } }, {
      prefix: '/', case_sensitive: { value: true },
      headers: [
        { name: 'end-user', string_match: { exact: 'jason' } },
        { name: 'x-b', string_match: { prefix: 'p' } },
        { name: 'x-c', string_match: { safe_regex: { regex: 'a.*' } } },
      ],
    }],
    ['header without a value, or regex "*" → present_match', { headers: { a: {}, b: { regex: '*' } } }, {
      prefix: '/', case_sensitive: { value: true }, headers: [{ name: 'a', present_match: true }, { name: 'b', present_match: true }],
    }],
    ['withoutHeaders → invert_match, missing header as ""', { withoutHeaders: { 'x-test': { exact: 'yes' }, 'x-p': {} } }, {
      prefix: '/', case_sensitive: { value: true },
      headers: [
        { name: 'x-p', present_match: true, invert_match: true },
        { name: 'x-test', string_match: { exact: 'yes' }, invert_match: true, treat_missing_header_as_empty: true },
      ],
    }],
    ['method, authority, scheme → pseudo-headers after the others', { method: { exact: 'GET' }, authority: { prefix: 'rev' }, scheme: { exact: 'https' }, headers: { z: { exact: '1' } } }, {
      prefix: '/', case_sensitive: { value: true },
      headers: [
        { name: 'z', string_match: { exact: '1' } },
        { name: ':method', string_match: { exact: 'GET' } },
        { name: ':authority', string_match: { prefix: 'rev' } },
        { name: ':scheme', string_match: { exact: 'https' } },
      ],
    }],
    ['queryParams exact/regex/present, sorted', { queryParams: { v: { exact: '2' }, a: { regex: '\\d+' }, p: {} } }, {
      prefix: '/', case_sensitive: { value: true },
      query_parameters: [
        { name: 'a', string_match: { safe_regex: { regex: '\\d+' } } },
        { name: 'p', present_match: true },
        { name: 'v', string_match: { exact: '2' } },
      ],
    }],
  ];
  for (const [name, input, want] of cases) assert.deepEqual(translateRouteMatch(input), want, name);
});

test('JWT claim matches cannot be translated yet and say so', () => {
  assert.throws(() => translateRouteMatch({ headers: { '@request.auth.claims.group': { exact: 'a' } } }), UntranslatableMatch);
});

test('isCatchAllMatch: only "/" (or ".*") without conditions', () => {
  assert.equal(isCatchAllMatch({ prefix: '/' }), true);
  assert.equal(isCatchAllMatch({ prefix: '/', case_sensitive: { value: true } }), true);
  assert.equal(isCatchAllMatch({ safe_regex: { regex: '.*' } }), true);
  assert.equal(isCatchAllMatch({ prefix: '/a' }), false);
  assert.equal(isCatchAllMatch({ prefix: '/', headers: [{ name: 'x', present_match: true }] }), false);
  assert.equal(isCatchAllMatch({ prefix: '/', query_parameters: [{ name: 'x', present_match: true }] }), false);
});
