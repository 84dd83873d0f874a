import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { envoy_config_route_v3_RedirectAction, envoy_config_route_v3_RouteMatch } from '../../xds/gen/types.js';
import { req, tableOf } from './route-test-support.js';

function location(redirect: envoy_config_route_v3_RedirectAction, path: string, opts: Parameters<typeof req>[1] = {}, match: envoy_config_route_v3_RouteMatch = { prefix: '/' }) {
  const t = tableOf([{ match, redirect }]);
  const m = t.route(req(path, opts), 0)!;
  assert.equal(m.route.action.kind, 'redirect');
  return { location: m.route.buildRedirectLocation(m.view), status: m.route.action.kind === 'redirect' ? m.route.action.redirect.status : 0 };
}

test('redirect fields, one at a time', () => {
  const cases: [envoy_config_route_v3_RedirectAction, string, Parameters<typeof req>[1], string][] = [
    [{ https_redirect: true }, '/a?b=1', { authority: 'ex.com' }, 'https://ex.com/a?b=1'],
    [{ https_redirect: true }, '/a', { authority: 'ex.com:80' }, 'https://ex.com/a'], // old scheme's default port dropped
    [{ https_redirect: true }, '/a', { authority: 'ex.com:8080' }, 'https://ex.com:8080/a'],
    [{ https_redirect: true }, '/a', { authority: 'ex.com:80', scheme: 'https' }, 'https://ex.com:80/a'],
    [{ scheme_redirect: 'HTTP' }, '/a', { authority: 'ex.com:443', scheme: 'https' }, 'http://ex.com/a'],
    [{ host_redirect: 'new.com' }, '/a?q', { authority: 'ex.com:8080' }, 'http://new.com/a?q'],
    [{ port_redirect: 8443 }, '/a', { authority: 'ex.com:80' }, 'http://ex.com:8443/a'],
    [{ port_redirect: 8443 }, '/a', { authority: '[::1]:80' }, 'http://[::1]:8443/a'],
    [{ host_redirect: 'new.com', port_redirect: 8443 }, '/a', {}, 'http://new.com:8443/a'],
    [{ path_redirect: '/new' }, '/old?x=1', {}, 'http://example.com/new?x=1'],
    [{ path_redirect: '/new?y=2' }, '/old?x=1', {}, 'http://example.com/new?y=2'],
    [{ path_redirect: '/new?y=2', strip_query: true }, '/old?x=1', {}, 'http://example.com/new?y=2'],
    [{ path_redirect: '/new', strip_query: true }, '/old?x=1', {}, 'http://example.com/new'],
    [{ strip_query: true }, '/old?x=1', {}, 'http://example.com/old'],
    [{ path_redirect: 'rel' }, '/old', {}, 'http://example.com/rel'],
    [{ regex_rewrite: { pattern: { regex: '^/(\\w+)/(\\w+)$' }, substitution: '/\\2/\\1' } }, '/a/b?k', {}, 'http://example.com/b/a?k'],
  ];
  for (const [r, path, opts, want] of cases) assert.equal(location(r, path, opts).location, want, JSON.stringify(r));
});

test('redirect prefix_rewrite swaps the matched prefix and keeps the query', () => {
  assert.equal(location({ prefix_rewrite: '/v2/' }, '/v1/items?x=1', {}, { prefix: '/v1/' }).location, 'http://example.com/v2/items?x=1');
  assert.equal(location({ prefix_rewrite: '/v2/', strip_query: true }, '/v1/items?x=1', {}, { prefix: '/v1/' }).location, 'http://example.com/v2/items');
});

test('redirect response codes', () => {
  const codes = [[undefined, 301], ['MOVED_PERMANENTLY', 301], ['FOUND', 302], ['SEE_OTHER', 303], ['TEMPORARY_REDIRECT', 307], ['PERMANENT_REDIRECT', 308]] as const;
  for (const [code, status] of codes) {
    assert.equal(location({ host_redirect: 'x', ...(code ? { response_code: code } : {}) }, '/').status, status, String(code));
  }
});

test('require_tls: ALL redirects plain requests with 301; EXTERNAL_ONLY spares internal ones', () => {
  const routes = [{ match: { prefix: '/' }, route: { cluster: 'c' } }];
  const all = tableOf(routes, { require_tls: 'ALL' });
  const plain = all.route(req('/p?q=1', { authority: 'ex.com:80' }), 0)!;
  assert.equal(plain.route.action.kind, 'redirect');
  assert.equal(plain.route.action.kind === 'redirect' && plain.route.action.redirect.status, 301);
  assert.equal(plain.route.buildRedirectLocation(plain.view), 'https://ex.com:80/p?q=1');
  assert.equal(all.route(req('/p', { headers: [['x-forwarded-proto', 'https']] }), 0)!.route.action.kind, 'forward');
  assert.equal(all.route(req('/p', { scheme: 'https' }), 0)!.route.action.kind, 'forward');
  const ext = tableOf(routes, { require_tls: 'EXTERNAL_ONLY' });
  assert.equal(ext.route(req('/p'), 0)!.route.action.kind, 'redirect');
  assert.equal(ext.route(req('/p', { headers: [['x-envoy-internal', 'true']] }), 0)!.route.action.kind, 'forward');
  assert.equal(tableOf(routes, { require_tls: 'NONE' }).route(req('/p'), 0)!.route.action.kind, 'forward');
});
