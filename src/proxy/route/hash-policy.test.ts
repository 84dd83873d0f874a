import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { envoy_config_route_v3_RouteAction_HashPolicy } from '../../xds/gen/types.js';
import { xxHash64 } from '../lb/xxhash64.js';
import { combineHashes } from './hash-policy.js';
import { req, tableOf } from './route-test-support.js';

function hash(policies: envoy_config_route_v3_RouteAction_HashPolicy[], path: string, headers: [string, string][] = [], ip?: string): bigint | undefined {
  const m = tableOf([{ match: { prefix: '/' }, route: { cluster: 'c', hash_policy: policies } }]).route(req(path, { headers }), 0)!;
  return m.route.computeHash(m.view, ip);
}

test('each policy hashes its attribute with xxHash64', () => {
  assert.equal(hash([{ header: { header_name: 'X-User' } }], '/', [['x-user', 'alice']]), xxHash64('alice'));
  assert.equal(hash([{ header: { header_name: ':authority' } }], '/'), xxHash64('example.com'));
  assert.equal(hash([{ cookie: { name: 'sid' } }], '/', [['cookie', 'a=1; sid="s123"; b=2']]), xxHash64('s123'));
  assert.equal(hash([{ cookie: { name: 'sid' } }], '/', [['cookie', 'a=1'], ['cookie', 'sid=zz']]), xxHash64('zz'));
  assert.equal(hash([{ connection_properties: { source_ip: true } }], '/', [], '10.1.2.3'), xxHash64('10.1.2.3'));
  assert.equal(hash([{ query_parameter: { name: 'u' } }], '/p?u=a%20b&u=2'), xxHash64('a%20b')); // first value, not decoded
});

test('repeated header values are sorted, so their order does not change the hash', () => {
  const a = hash([{ header: { header_name: 'x' } }], '/', [['x', 'b'], ['x', 'a']]);
  const b = hash([{ header: { header_name: 'x' } }], '/', [['x', 'a'], ['x', 'b']]);
  assert.equal(a, b);
  assert.equal(a, xxHash64('ab'));
});

test('header regex_rewrite applies before hashing', () => {
  assert.equal(hash([{ header: { header_name: ':path', regex_rewrite: { pattern: { regex: '\\?.*' }, substitution: '' } } }], '/a?x=1'), xxHash64('/a'));
});

test('missing attributes yield no hash; policies combine by rotate-left-1 XOR', () => {
  assert.equal(hash([{ header: { header_name: 'x' } }], '/'), undefined);
  assert.equal(hash([{ connection_properties: { source_ip: true } }], '/'), undefined);
  const two = hash([{ header: { header_name: 'a' } }, { header: { header_name: 'b' } }], '/', [['a', '1'], ['b', '2']]);
  const h1 = xxHash64('1');
  const rotated = ((h1 << 1n) | (h1 >> 63n)) & 0xffffffffffffffffn;
  assert.equal(two, rotated ^ xxHash64('2'));
  assert.equal(two, combineHashes(combineHashes(undefined, h1), xxHash64('2')));
  // Identical policies do not cancel out.
  const same = hash([{ header: { header_name: 'a' } }, { header: { header_name: 'a' } }], '/', [['a', '1']]);
  assert.notEqual(same, 0n);
  // A missing attribute in the middle is skipped.
  assert.equal(hash([{ header: { header_name: 'a' } }, { header: { header_name: 'none' } }], '/', [['a', '1']]), h1);
});

test('terminal stops once a hash exists', () => {
  const withTerminal = hash([{ header: { header_name: 'a' }, terminal: true }, { header: { header_name: 'b' } }], '/', [['a', '1'], ['b', '2']]);
  assert.equal(withTerminal, xxHash64('1'));
  // A terminal policy that produced nothing does not stop the walk.
  const skipped = hash([{ header: { header_name: 'none' }, terminal: true }, { header: { header_name: 'b' } }], '/', [['b', '2']]);
  assert.equal(skipped, xxHash64('2'));
});

test('routes without hash_policy hash nothing', () => {
  const m = tableOf([{ match: { prefix: '/' }, route: { cluster: 'c' } }]).route(req('/'), 0)!;
  assert.equal(m.route.computeHash(m.view, '1.2.3.4'), undefined);
});
