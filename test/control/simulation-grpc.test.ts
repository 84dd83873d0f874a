// Proxyless gRPC: the translated resources are encoded to wire bytes and
// decoded and validated by @grpc/grpc-js-xds's own resource types (what a
// grpc-js client does with an xDS response), and routed by weft's route table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as xds from '@grpc/grpc-js-xds';
import * as lt from '@grpc/grpc-js-xds/build/src/xds-resource-type/listener-resource-type.js';
import * as rt from '@grpc/grpc-js-xds/build/src/xds-resource-type/route-config-resource-type.js';
import * as ct from '@grpc/grpc-js-xds/build/src/xds-resource-type/cluster-resource-type.js';
import * as et from '@grpc/grpc-js-xds/build/src/xds-resource-type/endpoint-resource-type.js';
import { translateProxy } from '../../src/control/translate/index.js';
import { bookinfoPush, destinationRule, exampleScenario, grpcProxy } from '../../src/control/translate/test-bookinfo.js';
import { routeThrough } from '../../src/control/translate/test-simulation.js';
import { decodeRouteConfiguration } from '../../src/proxy/route/decode-route-config.js';
import { ConfigErrors } from '../../src/common/errors.js';
import { encodeBinary } from '../../src/xds/codec.js';

xds.register();

type ResourceType = { get(): { decode(ctx: unknown, r: { type_url: string; value: Buffer }): { name: string; error?: string } } };
const TYPES: Record<string, [string, ResourceType]> = {
  listeners: ['envoy.config.listener.v3.Listener', lt.ListenerResourceType as unknown as ResourceType],
  routes: ['envoy.config.route.v3.RouteConfiguration', rt.RouteConfigurationResourceType as unknown as ResourceType],
  clusters: ['envoy.config.cluster.v3.Cluster', ct.ClusterResourceType as unknown as ResourceType],
  endpoints: ['envoy.config.endpoint.v3.ClusterLoadAssignment', et.EndpointResourceType as unknown as ResourceType],
};
const CTX = { server: { serverUri: 'weft', channelCredentials: undefined, serverFeatures: [] }, bootstrap: { certificateProviders: {} } };

function grpcDecode(kind: string, resource: object): { name: string; error?: string } {
  const [typeName, T] = TYPES[kind]!;
  return T.get().decode(CTX, { type_url: `type.googleapis.com/${typeName}`, value: Buffer.from(encodeBinary(typeName, resource)) });
}

test('grpc-js-xds accepts every listener, route configuration, cluster and assignment', () => {
  const objs = [...exampleScenario('04-fault-delay-jason.yaml'),
    destinationRule('details', { host: 'details', trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: 'x-user' } }, outlierDetection: { consecutive5xxErrors: 3, interval: '10s' } } })];
  const out = translateProxy(grpcProxy(), bookinfoPush(objs));
  let n = 0;
  for (const kind of Object.keys(TYPES)) {
    for (const r of out.resources[kind as keyof typeof out.resources] as object[]) {
      const d = grpcDecode(kind, r);
      assert.equal(d.error, undefined, `${kind} ${d.name}: ${d.error}`);
      n++;
    }
  }
  assert.ok(n > 20);
});

test('the check can fail: grpc-js-xds refuses what it cannot use (a LEAST_REQUEST cluster)', () => {
  const d = grpcDecode('clusters', { name: 'x', type: 'EDS', eds_cluster_config: { eds_config: { ads: {} } }, lb_policy: 'LEAST_REQUEST' });
  assert.match(d.error ?? '', /lb_policy/);
});

test('gRPC routes (the demo\'s scenario 04): jason → v2, else v1; the delay fault rides on the route', () => {
  const objs = exampleScenario('04-fault-delay-jason.yaml');
  const out = translateProxy(grpcProxy(), bookinfoPush(objs));
  const table = (name: string) => {
    const errs = new ConfigErrors();
    const rc = (out.resources.routes as { name: string }[]).find((r) => r.name === name)!;
    const t = decodeRouteConfiguration(rc, name, errs);
    assert.deepEqual(errs.errors, []);
    return t;
  };
  const reviews = table('reviews.default.svc.cluster.local:9080');
  const authority = 'reviews.default.svc.cluster.local:9080';
  assert.equal(routeThrough(reviews, { authority, path: '/reviews.Reviews/Get', headers: { 'end-user': 'jason' } })?.cluster, 'outbound|9080|v2|reviews.default.svc.cluster.local');
  assert.equal(routeThrough(reviews, { authority, path: '/reviews.Reviews/Get' })?.cluster, 'outbound|9080|v1|reviews.default.svc.cluster.local');
  const ratings = table('ratings.default.svc.cluster.local:9080');
  assert.equal(routeThrough(ratings, { authority: 'ratings.default.svc.cluster.local:9080', headers: { 'end-user': 'jason' } })?.fault?.delay?.kind, 'fixed');
});
