import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HTTPRoute, VirtualService } from '../../api/networking.js';
import type { envoy_config_route_v3_Route } from '../../xds/gen/types.js';
import { newTranslateContext } from './translate-context.js';
import { translateVirtualServiceRoutes } from './translate-virtual-service-routes.js';
import { bookinfoPush, destinationRule, REVIEWS_SUBSETS, sidecarProxy, virtualService } from './test-bookinfo.js';
import type { ProxyInfo } from '../model/types.js';

const R = 'reviews.default.svc.cluster.local';

function routes(http: HTTPRoute[], opts: { port?: number; proxy?: ProxyInfo; extra?: VirtualService['spec'] } = {}) {
  const vs = virtualService('reviews', { hosts: ['reviews'], http, ...(opts.extra ?? {}) });
  const push = bookinfoPush([vs, REVIEWS_SUBSETS, destinationRule('ratings', { host: 'ratings', subsets: [{ name: 'v1', labels: { version: 'v1' } }] })]);
  const ctx = newTranslateContext(opts.proxy ?? sidecarProxy(), push);
  const out = translateVirtualServiceRoutes(ctx, { obj: vs, key: 'VirtualService reviews.default' }, { listenPort: opts.port ?? 9080, gatewayNames: new Set(['mesh']), flavor: 'sidecar' });
  return { out, messages: ctx.messages.list() };
}
const only = (http: HTTPRoute[]): envoy_config_route_v3_Route => {
  const { out } = routes(http);
  assert.equal(out.length, 1);
  return out[0]!;
};

test('a route per match, in order; nothing after a catch-all', () => {
  const { out } = routes([
    { match: [{ headers: { 'end-user': { exact: 'jason' } } }, { uri: { prefix: '/v2' } }], route: [{ destination: { host: 'reviews', subset: 'v2' } }] },
    { route: [{ destination: { host: 'reviews', subset: 'v3' } }] },
    { route: [{ destination: { host: 'reviews', subset: 'v1' } }] },
  ]);
  assert.deepEqual(out.map((r) => r.route?.cluster), [`outbound|9080|v2|${R}`, `outbound|9080|v2|${R}`, `outbound|9080|v3|${R}`]);
});

test('weights → weighted_clusters (zero weights dropped); subsets name their clusters', () => {
  const r = only([{ route: [
    { destination: { host: 'reviews', subset: 'v1' }, weight: 90 },
    { destination: { host: 'reviews', subset: 'v2' }, weight: 10 },
    { destination: { host: 'reviews', subset: 'v3' }, weight: 0 },
  ] }]);
  assert.deepEqual(r.route?.weighted_clusters, { clusters: [
    { name: `outbound|9080|v1|${R}`, weight: { value: 90 } },
    { name: `outbound|9080|v2|${R}`, weight: { value: 10 } },
  ] });
});

test('destination port: explicit, else the service\'s only port', () => {
  assert.equal(only([{ route: [{ destination: { host: 'ratings', port: { number: 8080 } } }] }]).route?.cluster, 'outbound|8080||ratings.default.svc.cluster.local');
  assert.equal(only([{ route: [{ destination: { host: 'ratings' } }] }]).route?.cluster, 'outbound|9080||ratings.default.svc.cluster.local');
});

test('timeout: disabled (0s) by default, the VirtualService\'s otherwise; max_grpc_timeout follows', () => {
  const d = only([{ route: [{ destination: { host: 'reviews' } }] }]).route!;
  assert.deepEqual(d.timeout, { seconds: 0, nanos: 0 });
  assert.deepEqual(d.max_grpc_timeout, { seconds: 0, nanos: 0 });
  const t = only([{ route: [{ destination: { host: 'reviews' } }], timeout: '120s' }]).route!;
  assert.deepEqual(t.timeout, { seconds: 120, nanos: 0 });
  assert.deepEqual(t.max_grpc_timeout, { seconds: 120, nanos: 0 });
});

test('the seed\'s retries: attempts 5, perTryTimeout 2s, retryOn 5xx', () => {
  const rp = only([{ route: [{ destination: { host: 'reviews' } }], retries: { attempts: 5, perTryTimeout: '2s', retryOn: '5xx' }, timeout: '120s' }]).route!.retry_policy!;
  assert.deepEqual([rp.num_retries, rp.per_try_timeout, rp.retry_on], [{ value: 5 }, { seconds: 2, nanos: 0 }, '5xx']);
});

test('rewrite: uri → prefix_rewrite, uriRegexRewrite → regex_rewrite, authority → host_rewrite_literal', () => {
  const a = only([{ match: [{ uri: { prefix: '/old' } }], rewrite: { uri: '/new', authority: 'reviews.internal' }, route: [{ destination: { host: 'reviews' } }] }]).route!;
  assert.equal(a.prefix_rewrite, '/new');
  assert.equal(a.host_rewrite_literal, 'reviews.internal');
  const b = only([{ rewrite: { uriRegexRewrite: { match: '^/v1/(.*)', rewrite: '/\\1' } }, route: [{ destination: { host: 'reviews' } }] }]).route!;
  assert.deepEqual(b.regex_rewrite, { pattern: { regex: '^/v1/(.*)' }, substitution: '/\\1' });
});

test('redirect and directResponse', () => {
  const r = only([{ redirect: { uri: '/v2', authority: 'new.example', redirectCode: 302, port: 8080 } }]);
  assert.deepEqual(r.redirect, { host_redirect: 'new.example', path_redirect: '/v2', port_redirect: 8080, response_code: 'FOUND' });
  assert.deepEqual(only([{ redirect: { scheme: 'https', port: 443 } }]).redirect, { scheme_redirect: 'https' }, 'no explicit :443 for https; 301 is the default');
  assert.deepEqual(only([{ redirect: { derivePort: 'FROM_REQUEST_PORT' } }]).redirect, { port_redirect: 9080 });
  assert.deepEqual(only([{ directResponse: { status: 418, body: { string: 'teapot' } } }]).direct_response, { status: 418, body: { inline_string: 'teapot' } });
  const { out, messages } = routes([{ redirect: { uri: '/x', redirectCode: 399 } }]);
  assert.equal(out.length, 0);
  assert.equal(messages[0]?.code, 'WEFT_TR_FIELD_IGNORED');
});

test('mirror / mirrors with percentages → request_mirror_policies', () => {
  const a = only([{ route: [{ destination: { host: 'reviews', subset: 'v1' } }], mirror: { host: 'reviews', subset: 'v2' }, mirrorPercentage: { value: 50 } }]).route!;
  assert.deepEqual(a.request_mirror_policies, [{ cluster: `outbound|9080|v2|${R}`, runtime_fraction: { default_value: { numerator: 500_000, denominator: 'MILLION' } }, trace_sampled: { value: false } }]);
  const b = only([{ route: [{ destination: { host: 'reviews' } }], mirror: { host: 'reviews', subset: 'v3' } }]).route!;
  assert.deepEqual(b.request_mirror_policies?.[0]?.runtime_fraction, { default_value: { numerator: 100 } }, 'unset percentage mirrors everything');
  const c = only([{ route: [{ destination: { host: 'reviews' } }], mirrors: [{ destination: { host: 'reviews', subset: 'v2' }, percentage: { value: 10 } }, { destination: { host: 'ratings' }, percentage: { value: 0 } }] }]).route!;
  assert.equal(c.request_mirror_policies?.length, 1, 'a 0% mirror is no mirror');
});

test('headers: route-level and destination-level operations', () => {
  const r = only([{
    headers: { request: { set: { 'x-route': '1' } }, response: { remove: ['x-internal'] } },
    route: [{ destination: { host: 'reviews' }, headers: { request: { add: { 'x-dest': '2' } } } }],
  }]);
  assert.deepEqual(r.request_headers_to_add, [{ header: { key: 'x-route', value: '1' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }, { header: { key: 'x-dest', value: '2' } }]);
  assert.deepEqual(r.response_headers_to_remove, ['x-internal']);
  const w = only([{ route: [
    { destination: { host: 'reviews', subset: 'v1' }, weight: 50, headers: { response: { set: { 'x-version': 'v1' } } } },
    { destination: { host: 'reviews', subset: 'v2' }, weight: 50 },
  ] }]);
  assert.deepEqual(w.route?.weighted_clusters?.clusters?.[0]?.response_headers_to_add, [{ header: { key: 'x-version', value: 'v1' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }]);
});

test('fault and corsPolicy → typed_per_filter_config for envoy.filters.http.fault and envoy.filters.http.cors', () => {
  const { out, messages } = routes([{
    route: [{ destination: { host: 'reviews' } }],
    fault: { abort: { httpStatus: 500, percentage: { value: 100 } } },
    corsPolicy: { allowOrigins: [{ exact: 'https://a.example' }] },
  }]);
  assert.deepEqual(out[0]!.typed_per_filter_config, { 'envoy.filters.http.fault': {
    '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
    abort: { http_status: 500, percentage: { numerator: 1_000_000, denominator: 'MILLION' } },
  }, 'envoy.filters.http.cors': {
    '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy',
    allow_origin_string_match: [{ exact: 'https://a.example' }],
    filter_enabled: { default_value: { numerator: 100, denominator: 'HUNDRED' } },
  } });
  assert.deepEqual(messages, []);
});

test('match.port: a match for another port is left out of this port\'s routes', () => {
  const http: HTTPRoute[] = [{ match: [{ port: 9443 }], route: [{ destination: { host: 'reviews', subset: 'v2' } }] }, { route: [{ destination: { host: 'reviews', subset: 'v1' } }] }];
  assert.deepEqual(routes(http, { port: 9080 }).out.map((r) => r.route?.cluster), [`outbound|9080|v1|${R}`]);
});

test('sourceLabels / sourceNamespace / gateways are decided at translation time for this proxy', () => {
  const http: HTTPRoute[] = [
    { match: [{ sourceLabels: { app: 'productpage' } }], route: [{ destination: { host: 'reviews', subset: 'v2' } }] },
    { match: [{ sourceNamespace: 'other' }], route: [{ destination: { host: 'reviews', subset: 'v3' } }] },
    { match: [{ gateways: ['bookinfo-gateway'] }], route: [{ destination: { host: 'reviews', subset: 'v3' } }] },
    { route: [{ destination: { host: 'reviews', subset: 'v1' } }] },
  ];
  // A match that only selects the source becomes a catch-all for proxies it selects, so later routes are cut (as Istio).
  assert.deepEqual(routes(http).out.map((r) => r.route?.cluster), [`outbound|9080|v2|${R}`]);
  const other = sidecarProxy({ labels: { app: 'ratings' }, namespace: 'other' });
  assert.deepEqual(routes(http, { proxy: other }).out.map((r) => r.route?.cluster), [`outbound|9080|v3|${R}`]);
  const neither = sidecarProxy({ labels: { app: 'details' } });
  assert.deepEqual(routes(http, { proxy: neither }).out.map((r) => r.route?.cluster), [`outbound|9080|v1|${R}`]);
});

test('consistentHash of the destination\'s DestinationRule → hash_policy, and retries stay on the host', () => {
  const vs = virtualService('reviews', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v1' } }] }] });
  const dr = destinationRule('reviews', { host: 'reviews', trafficPolicy: { loadBalancer: { consistentHash: { httpCookie: { name: 'user' } } } }, subsets: [{ name: 'v1', labels: { version: 'v1' }, trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: 'X-User' } } } }] });
  const ctx = newTranslateContext(sidecarProxy(), bookinfoPush([vs, dr]));
  const [r] = translateVirtualServiceRoutes(ctx, { obj: vs, key: 'k' }, { listenPort: 9080, gatewayNames: new Set(['mesh']), flavor: 'sidecar' });
  assert.deepEqual(r!.route?.hash_policy, [{ header: { header_name: 'x-user' } }], 'the subset\'s consistentHash wins');
  assert.equal(r!.route?.retry_policy?.retry_host_predicate, undefined);
});

test('unknown destinations and subsets still name a cluster (503 at run time) and are reported', () => {
  const { out, messages } = routes([{ route: [{ destination: { host: 'nope' } }] }, { route: [{ destination: { host: 'reviews', subset: 'v9' } }] }]);
  assert.equal(out[0]!.route?.cluster, 'outbound|9080||nope.default.svc.cluster.local');
  assert.deepEqual(messages.map((m) => m.code), ['WEFT_TR_UNKNOWN_DESTINATION']);
  const b = routes([{ route: [{ destination: { host: 'reviews', subset: 'v9' } }] }]);
  assert.deepEqual(b.messages.map((m) => m.code), ['WEFT_TR_UNKNOWN_SUBSET']);
});
