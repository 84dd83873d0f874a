// Interop: a real proxyless gRPC client (@grpc/grpc-js-xds) takes its whole
// config (LDS API listener → RDS → CDS → EDS) from weft's xDS server over ADS
// and reaches a grpc-js backend on loopback. Runs in its own process (node:test
// gives each file one), since grpc-js-xds caches its bootstrap per process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import * as grpc from '@grpc/grpc-js';
import { SnapshotCache } from '../../src/control/cache/snapshot-cache.js';
import { Snapshot } from '../../src/control/cache/snapshot.js';
import { XdsServer } from '../../src/control/server/xds-server.js';
import { edsCluster, HCM_TYPE_URL, ROUTER_TYPE_URL } from '../../src/control/server/xds-test-fixtures.js';
import {
  CLUSTER_LOAD_ASSIGNMENT_TYPE_URL, CLUSTER_TYPE_URL, LISTENER_TYPE_URL, ROUTE_CONFIGURATION_TYPE_URL,
} from '../../src/xds/type-urls.js';

const require = createRequire(import.meta.url);
const METHOD = '/weft.test.Echo/Say';
const identity = (b: Buffer) => b;

async function startBackend(): Promise<{ server: grpc.Server; port: number }> {
  const server = new grpc.Server();
  server.addService({
    Say: { path: METHOD, requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity },
  }, {
    Say: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, Buffer.concat([Buffer.from('echo:'), call.request])),
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return { server, port };
}

test('a @grpc/grpc-js-xds client resolves xds:///my-svc:50051 (a numeric port: grpc-js builds an http2 URL from the authority) through weft and reaches the backend', async (t) => {
  const backend = await startBackend();
  t.after(() => backend.server.forceShutdown());
  const cache = new SnapshotCache();
  const xds = new XdsServer({ cache });
  const port = await xds.listen();
  t.after(() => xds.close());

  cache.setSnapshot('weft-interop', Snapshot.create('1', {
    listeners: [{
      name: 'my-svc:50051',
      api_listener: {
        api_listener: {
          '@type': HCM_TYPE_URL,
          stat_prefix: 'my-svc',
          rds: { route_config_name: 'my-route', config_source: { ads: {}, resource_api_version: 'V3' } },
          http_filters: [{ name: 'router', typed_config: { '@type': ROUTER_TYPE_URL } }],
        },
      },
    }],
    routes: [{
      name: 'my-route',
      virtual_hosts: [{ name: 'my-svc', domains: ['*'], routes: [{ match: { prefix: '' }, route: { cluster: 'my-cluster' } }] }],
    }],
    clusters: [edsCluster('my-cluster')],
    endpoints: [{
      cluster_name: 'my-cluster',
      endpoints: [{
        locality: { region: 'r', zone: 'z' },
        load_balancing_weight: { value: 1 },
        lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: backend.port } } }, health_status: 'HEALTHY' }],
      }],
    }],
  }));

  process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify({
    xds_servers: [{ server_uri: `127.0.0.1:${port}`, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: { id: 'weft-interop', cluster: 'interop', locality: { zone: 'z' } },
  });
  (require('@grpc/grpc-js-xds') as { register(): void }).register();

  const client = new grpc.Client('xds:///my-svc:50051', grpc.credentials.createInsecure());
  t.after(() => client.close());
  const reply = await new Promise<Buffer>((resolve, reject) => {
    client.makeUnaryRequest(METHOD, identity, identity, Buffer.from('hi'), { deadline: Date.now() + 10_000 },
      (err: grpc.ServiceError | null, value?: Buffer) => (err ? reject(err) : resolve(value!)));
  });
  assert.equal(reply.toString(), 'echo:hi');

  // The client ACKed every type weft sent it.
  const [st] = xds.status();
  assert.equal(st.nodeId, 'weft-interop');
  const acked = Object.fromEntries(st.types.map((x) => [x.typeUrl, x.ackedVersion]));
  assert.deepEqual(acked, { [CLUSTER_TYPE_URL]: '1', [CLUSTER_LOAD_ASSIGNMENT_TYPE_URL]: '1', [LISTENER_TYPE_URL]: '1', [ROUTE_CONFIGURATION_TYPE_URL]: '1' });
  assert.ok(st.types.every((x) => !x.lastNack));
});
