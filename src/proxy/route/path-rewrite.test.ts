import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { envoy_config_route_v3_RouteAction, envoy_config_route_v3_RouteMatch } from '../../xds/gen/types.js';
import { req, tableOf } from './route-test-support.js';

function rewrite(match: envoy_config_route_v3_RouteMatch, action: Partial<envoy_config_route_v3_RouteAction>, path: string): string | undefined {
  const t = tableOf([{ match, route: { cluster: 'c', ...action } }]);
  const m = t.route(req(path), 0);
  assert.ok(m, `no route for ${path}`);
  return m.route.rewritePath(m.view);
}

test('prefix_rewrite replaces the matched prefix and keeps the query', () => {
  const cases: [envoy_config_route_v3_RouteMatch, string, string, string][] = [
    [{ prefix: '/prefix/' }, '/', '/prefix/foo?x=1', '/foo?x=1'], // the /prefix/ → / edge
    [{ prefix: '/prefix' }, '/', '/prefix/foo', '//foo'], // Envoy's well-known double slash
    [{ prefix: '/prefix' }, '', '/prefix/foo', '/foo'],
    [{ prefix: '/api' }, '/v2', '/api', '/v2'],
    [{ prefix: '/API', case_sensitive: { value: false } }, '/x', '/api/y', '/x/y'],
    [{ path: '/exact' }, '/other', '/exact?q', '/other?q'], // path match: the whole path is swapped
    [{ path_separated_prefix: '/svc' }, '/backend', '/svc/a', '/backend/a'],
    [{ path_separated_prefix: '/svc' }, '/backend', '/svc', '/backend'],
    [{ safe_regex: { regex: '/r/.*' } }, '/x', '/r/a?b', '/x?b'], // regex match: whole path
  ];
  for (const [match, prefix, path, want] of cases) assert.equal(rewrite(match, { prefix_rewrite: prefix }, path), want, `${JSON.stringify(match)} ${path}`);
});

test('regex_rewrite replaces every match in the path with group references', () => {
  const rr = (regex: string, substitution: string, path: string) => rewrite({ prefix: '/' }, { regex_rewrite: { pattern: { regex }, substitution } }, path);
  assert.equal(rr('^/service/([^/]+)(/.*)$', '\\2/instance/\\1', '/service/foo/v1/api?x=1'), '/v1/api/instance/foo?x=1');
  assert.equal(rr('one', 'two', '/xxx/one/yyy/one/zzz'), '/xxx/two/yyy/two/zzz');
  assert.equal(rr('^/aaa/?', '/', '/aaa/bbb'), '/bbb');
  assert.equal(rr('(?i)/ABC', '/x', '/abc/def'), '/x/def');
  assert.equal(rr('nomatch', '/x', '/abc'), '/abc');
});

test('no rewrite configured: rewritePath is undefined', () => {
  assert.equal(rewrite({ prefix: '/' }, {}, '/a'), undefined);
});

test('host rewrites', () => {
  const host = (action: Partial<envoy_config_route_v3_RouteAction>, path = '/', headers: [string, string][] = []) => {
    const t = tableOf([{ match: { prefix: '/' }, route: { cluster: 'c', ...action } }]);
    const m = t.route(req(path, { headers }), 0)!;
    return m.route.rewriteHost(m.view);
  };
  assert.equal(host({ host_rewrite_literal: 'up.internal' }), 'up.internal');
  assert.equal(host({ host_rewrite_header: 'X-Host' }, '/', [['x-host', 'from.header']]), 'from.header');
  assert.equal(host({ host_rewrite_header: 'X-Host' }), undefined);
  assert.equal(host({ host_rewrite_path_regex: { pattern: { regex: '^/(.+)/.+$' }, substitution: '\\1' } }, '/svc.local/x?y'), 'svc.local');
  assert.equal(host({ auto_host_rewrite: { value: true } }), undefined);
  const t = tableOf([{ match: { prefix: '/' }, route: { cluster: 'c', auto_host_rewrite: { value: true } } }]);
  const a = t.route(req('/'), 0)!.route.action;
  assert.equal(a.kind === 'forward' && a.hostRewrite?.kind, 'auto');
});
