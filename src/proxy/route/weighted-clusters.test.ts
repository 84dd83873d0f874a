import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { envoy_config_route_v3_RouteAction } from '../../xds/gen/types.js';
import { req, tableOf } from './route-test-support.js';

function route(action: envoy_config_route_v3_RouteAction) {
  return tableOf([{ match: { prefix: '/' }, route: action }]).route(req('/', { headers: [['x-cluster', 'from-header'], ['x-rand', '7']] }), 0)!;
}

test('weighted clusters: the random value modulo the total walks cumulative weights in order', () => {
  const m = route({ weighted_clusters: { clusters: [{ name: 'a', weight: { value: 10 } }, { name: 'zero', weight: { value: 0 } }, { name: 'b', weight: { value: 30 } }, { name: 'c', weight: { value: 60 } }] } });
  const pick = (r: number) => m.route.pickCluster(m.view, r)!.name;
  assert.equal(pick(0), 'a');
  assert.equal(pick(9), 'a');
  assert.equal(pick(10), 'b');
  assert.equal(pick(39), 'b');
  assert.equal(pick(40), 'c');
  assert.equal(pick(99), 'c');
  assert.equal(pick(100), 'a'); // modulo total
  const counts = new Map<string, number>();
  for (let r = 0; r < 1000; r++) counts.set(pick(r), (counts.get(pick(r)) ?? 0) + 1);
  assert.deepEqual(Object.fromEntries(counts), { a: 100, b: 300, c: 600 });
});

test('a float in [0,1) is accepted as the random value', () => {
  const m = route({ weighted_clusters: { clusters: [{ name: 'a', weight: { value: 50 } }, { name: 'b', weight: { value: 50 } }] } });
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) seen.add(m.route.pickCluster(m.view, i / 200)!.name);
  assert.deepEqual([...seen].sort(), ['a', 'b']);
});

test('weighted_clusters.header_name supplies the random value; total_weight is accepted when it matches', () => {
  const m = route({ weighted_clusters: { header_name: 'X-Rand', total_weight: { value: 10 }, clusters: [{ name: 'a', weight: { value: 5 } }, { name: 'b', weight: { value: 5 } }] } });
  assert.equal(m.route.pickCluster(m.view, 0)!.name, 'b'); // 7 from the header
});

test('cluster and cluster_header', () => {
  assert.equal(route({ cluster: 'fixed' }).route.pickCluster(req('/'), 0)!.name, 'fixed');
  const h = route({ cluster_header: 'X-Cluster' });
  assert.equal(h.route.pickCluster(h.view, 0)!.name, 'from-header');
  assert.equal(h.route.pickCluster(req('/'), 0), undefined);
  const e = route({ weighted_clusters: { clusters: [{ cluster_header: 'x-cluster', weight: { value: 1 } }] } });
  assert.equal(e.route.pickCluster(e.view, 0)!.name, 'from-header');
});

test('cluster_not_found_response_code', () => {
  const status = (code?: envoy_config_route_v3_RouteAction['cluster_not_found_response_code']) => {
    const a = route({ cluster: 'c', ...(code ? { cluster_not_found_response_code: code } : {}) }).route.action;
    return a.kind === 'forward' ? a.clusterNotFoundStatus : 0;
  };
  assert.equal(status(), 503);
  assert.equal(status('SERVICE_UNAVAILABLE'), 503);
  assert.equal(status('NOT_FOUND'), 404);
  assert.equal(status('INTERNAL_SERVER_ERROR'), 500);
});
