// Simulation: VirtualService corsPolicy and DestinationRule loadBalancer.warmup
// translated, then decoded by weft's proxy with its real decoders (zero
// errors): the route's CORS policy as the cors filter reads it, the cors
// filter before the router in sidecar and gateway managers, and the cluster's
// slow start as the load balancer reads it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigErrors } from '../../src/common/errors.js';
import { translateProxy } from '../../src/control/translate/index.js';
import { bookinfoPush, destinationRule, gatewayProxy, sidecarProxy, virtualService } from '../../src/control/translate/test-bookinfo.js';
import { routeThrough, Simulation } from '../../src/control/translate/test-simulation.js';
import { decodeCorsPolicy } from '../../src/proxy/filters/cors/decode.js';
import { HeaderMap } from '../../src/proxy/http/headers.js';
import type { AnyMessage } from '../../src/xds/gen/types.js';

const REVIEWS = 'reviews.default.svc.cluster.local';
const CORS = {
  allowOrigins: [{ exact: 'https://a.example' }, { prefix: 'https://b.' }, { regex: 'https://[a-z]+\\.c\\.example' }],
  allowMethods: ['GET', 'POST'],
  allowHeaders: ['x-a'],
  exposeHeaders: ['x-b'],
  maxAge: '24h',
  allowCredentials: true,
  unmatchedPreflights: 'IGNORE' as const,
};

function filterNames(resources: { listeners: unknown[] }, listener: string): string[] {
  const l = (resources.listeners as { name?: string; filter_chains?: { filters?: { typed_config?: { http_filters?: { name: string }[] } }[] }[] }[]).find((x) => x.name === listener)!;
  return (l.filter_chains![0]!.filters![0]!.typed_config!.http_filters ?? []).map((f) => f.name);
}

function corsOf(s: Simulation, listener: string, authority: string) {
  const table = s.tableForListener(listener);
  const m = table.route({ method: 'GET', path: '/', authority, scheme: 'http', headers: new HeaderMap() }, 0)!;
  const any = m.route.perFilterConfig('envoy.filters.http.cors') as AnyMessage | undefined;
  assert.ok(any, 'the route carries a CORS policy');
  const errs = new ConfigErrors();
  const p = decodeCorsPolicy(any, 'cors', errs);
  assert.deepEqual(errs.errors, []);
  return p!;
}

test('sidecar: corsPolicy decodes as the cors filter reads it; metadata exchange, fault, cors, stats, router in that order', () => {
  const vs = virtualService('reviews', { hosts: ['reviews'], http: [{ corsPolicy: CORS, route: [{ destination: { host: 'reviews' } }] }] });
  const out = translateProxy(sidecarProxy(), bookinfoPush([vs]));
  assert.deepEqual(out.messages.filter((m) => m.key === 'VirtualService reviews.default'), []);
  const s = new Simulation(out.resources);
  assert.deepEqual(s.decoded.errors, [], 'weft\'s proxy accepts the translated config');
  assert.deepEqual(filterNames(out.resources, '0.0.0.0_9080'), ['istio.metadata_exchange', 'envoy.filters.http.fault', 'envoy.filters.http.cors', 'istio.stats', 'envoy.filters.http.router']);
  assert.equal(routeThrough(s.tableForListener('0.0.0.0_9080'), { authority: 'reviews:9080' })?.cluster, `outbound|9080||${REVIEWS}`);
  const p = corsOf(s, '0.0.0.0_9080', 'reviews');
  assert.deepEqual(['https://a.example', 'https://b.x', 'https://q.c.example', 'https://evil.example'].map((o) => p.allowOrigins.some((f) => f(o))), [true, true, true, false]);
  assert.deepEqual([p.allowMethods, p.allowHeaders, p.exposeHeaders, p.maxAge, p.allowCredentials, p.forwardNotMatchingPreflights, p.filterEnabled],
    ['GET,POST', 'x-a', 'x-b', '86400', true, false, 1]);
});

test('gateway: corsPolicy and the deprecated allowOrigin decode with zero errors; the cors filter runs before stats and the router', () => {
  const gw = { apiVersion: 'networking.istio.io/v1', kind: 'Gateway' as const, metadata: { name: 'gw', namespace: 'default' }, spec: {
    selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }],
  } };
  const vs = virtualService('edge', { hosts: ['*'], gateways: ['gw'], http: [{ corsPolicy: { allowOrigin: ['https://old.example'], unmatchedPreflights: 'FORWARD' }, route: [{ destination: { host: 'reviews' } }] }] });
  const out = translateProxy(gatewayProxy(), bookinfoPush([gw, vs]));
  const s = new Simulation(out.resources);
  assert.deepEqual(s.decoded.errors, []);
  assert.deepEqual(filterNames(out.resources, '0.0.0.0_80'), ['istio.metadata_exchange', 'envoy.filters.http.fault', 'envoy.filters.http.cors', 'istio.stats', 'envoy.filters.http.router']);
  const p = corsOf(s, '0.0.0.0_80', 'shop.example.com');
  assert.deepEqual([p.allowOrigins.map((f) => f('https://old.example')), p.forwardNotMatchingPreflights], [[true], true]);
});

test('loadBalancer.warmup: slow_start_config decodes with zero errors into the load balancer\'s slow start', () => {
  const dr = destinationRule('reviews', { host: 'reviews', trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN', warmup: { duration: '90s', minimumPercent: 20, aggression: 2 } } } });
  const lr = destinationRule('ratings', { host: 'ratings', trafficPolicy: { loadBalancer: { warmup: { duration: '30s' } } } });
  const s = new Simulation(translateProxy(sidecarProxy(), bookinfoPush([dr, lr])).resources);
  assert.deepEqual(s.decoded.errors, [], 'weft\'s proxy accepts the translated config');
  assert.deepEqual(s.decoded.clusters.get(`outbound|9080||${REVIEWS}`)!.lb.slowStart, { windowMs: 90_000, aggression: 2, minWeight: 0.2 });
  const ratings = s.decoded.clusters.get('outbound|9080||ratings.default.svc.cluster.local')!.lb;
  assert.deepEqual([ratings.policy, ratings.slowStart], ['LEAST_REQUEST', { windowMs: 30_000, aggression: 1, minWeight: 0.1 }]);
});
