import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigErrors } from '../../common/errors.js';
import type { envoy_config_route_v3_HeaderMatcher, envoy_config_route_v3_RouteMatch } from '../../xds/gen/types.js';
import { decodeRouteMatch, isGrpcContentType } from './route-match.js';
import { view } from './route-test-support.js';

function matcher(m: envoy_config_route_v3_RouteMatch) {
  const errs = new ConfigErrors();
  const c = decodeRouteMatch(m, 'match', errs);
  assert.equal(errs.hasErrors, false, errs.format());
  return c!;
}

function matches(m: envoy_config_route_v3_RouteMatch, path: string, headers: [string, string][] = [], rand = 0, method = 'GET'): boolean {
  return matcher(m).matches(view(path, { headers, method }), rand);
}

test('path specifiers compare the path without query string', () => {
  const cases: [envoy_config_route_v3_RouteMatch, string, boolean][] = [
    [{ prefix: '/api' }, '/api/x?y=1', true],
    [{ prefix: '/api' }, '/apix', true],
    [{ prefix: '/api' }, '/ap', false],
    [{ prefix: '' }, '/anything', true],
    [{ path: '/a' }, '/a?q', true],
    [{ path: '/a' }, '/a/', false],
    [{ path: '/a' }, '/a#frag', true],
    [{ safe_regex: { regex: '/v[0-9]+/.*' } }, '/v1/x?z', true],
    [{ safe_regex: { regex: '/v[0-9]+' } }, '/v1/x', false],
    [{ path_separated_prefix: '/api' }, '/api', true],
    [{ path_separated_prefix: '/api' }, '/api/x', true],
    [{ path_separated_prefix: '/api' }, '/api?x', true],
    [{ path_separated_prefix: '/api' }, '/apix', false],
  ];
  for (const [m, path, want] of cases) assert.equal(matches(m, path), want, `${JSON.stringify(m)} ${path}`);
});

test('case_sensitive: false makes prefix, path and path_separated_prefix case-insensitive, not safe_regex', () => {
  const ci = { case_sensitive: { value: false } };
  assert.equal(matches({ prefix: '/API' }, '/api/x'), false);
  assert.equal(matches({ prefix: '/API', ...ci }, '/api/x'), true);
  assert.equal(matches({ path: '/Foo', ...ci }, '/fOO'), true);
  assert.equal(matches({ path: '/Foo', case_sensitive: { value: true } }, '/fOO'), false);
  assert.equal(matches({ path_separated_prefix: '/Foo', ...ci }, '/FOO/bar'), true);
  assert.equal(matches({ safe_regex: { regex: '/Foo' }, ...ci }, '/foo'), false);
});

test('header matchers: every specifier', () => {
  const h = (m: envoy_config_route_v3_HeaderMatcher, headers: [string, string][]) => matches({ prefix: '/', headers: [m] }, '/', headers);
  const cases: [envoy_config_route_v3_HeaderMatcher, [string, string][], boolean][] = [
    [{ name: 'x', exact_match: 'a' }, [['x', 'a']], true],
    [{ name: 'x', exact_match: 'a' }, [['x', 'b']], false],
    [{ name: 'X-Upper', exact_match: 'a' }, [['x-upper', 'a']], true], // names are case-insensitive
    [{ name: 'x', prefix_match: 'ab' }, [['x', 'abc']], true],
    [{ name: 'x', suffix_match: 'bc' }, [['x', 'abc']], true],
    [{ name: 'x', contains_match: 'b' }, [['x', 'abc']], true],
    [{ name: 'x', contains_match: 'z' }, [['x', 'abc']], false],
    [{ name: 'x', safe_regex_match: { regex: 'a.c' } }, [['x', 'abc']], true],
    [{ name: 'x', safe_regex_match: { regex: 'a' } }, [['x', 'abc']], false], // full match
    [{ name: 'x', string_match: { exact: 'ABC', ignore_case: true } }, [['x', 'abc']], true],
    [{ name: 'x', string_match: { prefix: 'A', ignore_case: true } }, [['x', 'abc']], true],
    [{ name: 'x', string_match: { suffix: 'C' } }, [['x', 'abc']], false],
    [{ name: 'x', string_match: { contains: 'B', ignore_case: true } }, [['x', 'abc']], true],
    [{ name: 'x', string_match: { safe_regex: { regex: '[a-c]+' } } }, [['x', 'abc']], true],
    [{ name: 'x' }, [['x', '']], true], // no specifier: presence
    [{ name: 'x' }, [], false],
    [{ name: 'x', exact_match: '' }, [['x', 'anything']], true], // empty exact_match: any value
  ];
  for (const [m, headers, want] of cases) assert.equal(h(m, headers), want, `${JSON.stringify(m)} ${JSON.stringify(headers)}`);
});

test('header matchers: range [start,end), presence, invert and treat_missing_header_as_empty', () => {
  const h = (m: envoy_config_route_v3_HeaderMatcher, headers: [string, string][]) => matches({ prefix: '/', headers: [m] }, '/', headers);
  const range = { name: 'n', range_match: { start: -10, end: 10 } };
  const cases: [envoy_config_route_v3_HeaderMatcher, [string, string][], boolean][] = [
    [range, [['n', '-10']], true],
    [range, [['n', '9']], true],
    [range, [['n', '10']], false],
    [range, [['n', ' 5 ']], true], // SimpleAtoi tolerates surrounding spaces
    [range, [['n', '+5']], true],
    [range, [['n', '5.0']], false],
    [range, [['n', 'abc']], false],
    [{ name: 'n', range_match: { start: 9007199254740990, end: 9007199254740995 } }, [['n', '9007199254740993']], true],
    [{ name: 'p', present_match: true }, [['p', 'x']], true],
    [{ name: 'p', present_match: true }, [], false],
    [{ name: 'p', present_match: false }, [], true],
    [{ name: 'p', present_match: false }, [['p', 'x']], false],
    [{ name: 'p', present_match: true, invert_match: true }, [], true],
    [{ name: 'x', exact_match: 'a', invert_match: true }, [['x', 'b']], true],
    [{ name: 'x', exact_match: 'a', invert_match: true }, [['x', 'a']], false],
    // A missing header never matches, inverted or not...
    [{ name: 'x', exact_match: 'a', invert_match: true }, [], false],
    // ...unless it is treated as "".
    [{ name: 'x', exact_match: 'a', invert_match: true, treat_missing_header_as_empty: true }, [], true],
    [{ name: 'n', range_match: { start: 0, end: 10 }, invert_match: true, treat_missing_header_as_empty: true }, [], true],
    [{ name: 'x', string_match: { exact: '' }, treat_missing_header_as_empty: true }, [], true],
  ];
  for (const [m, headers, want] of cases) assert.equal(h(m, headers), want, `${JSON.stringify(m)} ${JSON.stringify(headers)}`);
});

test('repeated headers are matched joined with ","; pseudo-headers come from request fields', () => {
  assert.equal(matches({ prefix: '/', headers: [{ name: 'x', exact_match: 'a,b' }] }, '/', [['x', 'a'], ['x', 'b']]), true);
  assert.equal(matches({ prefix: '/', headers: [{ name: ':method', exact_match: 'POST' }] }, '/', [], 0, 'POST'), true);
  assert.equal(matches({ prefix: '/', headers: [{ name: ':method', exact_match: 'POST' }] }, '/', [], 0, 'GET'), false);
  assert.equal(matches({ prefix: '/', headers: [{ name: ':path', exact_match: '/?a=1' }] }, '/?a=1'), true);
  assert.equal(matches({ prefix: '/', headers: [{ name: ':authority', exact_match: 'example.com' }] }, '/'), true);
  assert.equal(matches({ prefix: '/', headers: [{ name: ':scheme', exact_match: 'http' }] }, '/'), true);
});

test('all header and query conditions must hold', () => {
  const m = { prefix: '/', headers: [{ name: 'a', exact_match: '1' }, { name: 'b', exact_match: '2' }] };
  assert.equal(matches(m, '/', [['a', '1'], ['b', '2']]), true);
  assert.equal(matches(m, '/', [['a', '1']]), false);
});

test('query parameters: string_match on the first, decoded value; presence', () => {
  const q = (m: envoy_config_route_v3_RouteMatch['query_parameters'], path: string) => matches({ prefix: '/', query_parameters: m }, path);
  assert.equal(q([{ name: 'debug', string_match: { exact: 'true' } }], '/x?debug=true'), true);
  assert.equal(q([{ name: 'debug', string_match: { exact: 'true' } }], '/x?debug=false'), false);
  assert.equal(q([{ name: 'debug', string_match: { exact: 'true' } }], '/x'), false);
  assert.equal(q([{ name: 'v', string_match: { exact: 'a b' } }], '/x?v=a%20b'), true);
  assert.equal(q([{ name: 'v', string_match: { exact: '1' } }], '/x?v=1&v=2'), true);
  assert.equal(q([{ name: 'v', string_match: { exact: '2' } }], '/x?v=1&v=2'), false);
  assert.equal(q([{ name: 'v', string_match: { prefix: 'A', ignore_case: true } }], '/x?v=abc'), true);
  assert.equal(q([{ name: 'flag', present_match: true }], '/x?flag'), true);
  assert.equal(q([{ name: 'flag', present_match: true }], '/x?other=1'), false);
  assert.equal(q([{ name: 'flag', present_match: false }], '/x?other=1'), false);
  assert.equal(q([{ name: 'flag' }], '/x?flag='), true);
  assert.equal(q([{ name: 'a' }, { name: 'b' }], '/x?a=1'), false);
});

test('grpc matches only gRPC content types', () => {
  assert.equal(matches({ prefix: '/', grpc: {} }, '/svc/M', [['content-type', 'application/grpc']]), true);
  assert.equal(matches({ prefix: '/', grpc: {} }, '/svc/M', [['content-type', 'application/grpc+proto']]), true);
  assert.equal(matches({ prefix: '/', grpc: {} }, '/svc/M', [['content-type', 'application/grpc-web']]), false);
  assert.equal(matches({ prefix: '/', grpc: {} }, '/svc/M', [['content-type', 'application/json']]), false);
  assert.equal(matches({ prefix: '/', grpc: {} }, '/svc/M'), false);
  assert.equal(isGrpcContentType('application/grpc'), true);
});

test('runtime_fraction: random value modulo denominator below numerator', () => {
  const m = { prefix: '/', runtime_fraction: { default_value: { numerator: 25, denominator: 'HUNDRED' as const }, runtime_key: 'k' } };
  assert.equal(matches(m, '/', [], 24), true);
  assert.equal(matches(m, '/', [], 25), false);
  assert.equal(matches(m, '/', [], 124), true);
  let hits = 0;
  for (let r = 0; r < 10_000; r++) if (matches(m, '/', [], r)) hits++;
  assert.equal(hits, 2500);
  const million = { prefix: '/', runtime_fraction: { default_value: { numerator: 1, denominator: 'MILLION' as const } } };
  assert.equal(matches(million, '/', [], 0), true);
  assert.equal(matches(million, '/', [], 1), false);
});

test('RouteMatch errors carry their field paths, all at once', () => {
  const errs = new ConfigErrors();
  const m = decodeRouteMatch({
    path_separated_prefix: '/a/',
    headers: [{ name: 'x', safe_regex_match: { regex: '(?=x)' } }, { name: 'bad name', exact_match: 'a' }, { name: 'y', prefix_match: '' }],
    query_parameters: [{ name: '' }, { name: 'q', string_match: { safe_regex: { regex: 'a' }, ignore_case: true } }],
    tls_context: {},
    runtime_fraction: {},
  }, 'm', errs);
  assert.equal(m, undefined);
  assert.deepEqual(errs.errors.map((e) => e.path), [
    'm.tls_context',
    'm.path_separated_prefix',
    'm.headers[0].safe_regex_match.regex',
    'm.headers[1].name',
    'm.headers[2].prefix_match',
    'm.query_parameters[0].name',
    'm.query_parameters[1].string_match.ignore_case',
    'm.runtime_fraction.default_value',
  ]);
});

test('a match needs exactly one path specifier', () => {
  const errs = new ConfigErrors();
  decodeRouteMatch({ headers: [] }, 'a', errs);
  decodeRouteMatch({ prefix: '/', path: '/x' }, 'b', errs);
  decodeRouteMatch(undefined, 'c', errs);
  assert.deepEqual(errs.errors.map((e) => e.path), ['a', 'b', 'c']);
});
