// The seed's EDS form: a static bootstrap whose EDS cluster names an
// api_config_source (gRPC to xds_cluster); endpoints come over the per-type
// EndpointDiscoveryService from weft's xDS server and change live.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Snapshot, SnapshotCache } from '../../src/control/cache/index.js';
import { XdsServer } from '../../src/control/server/index.js';
import type { envoy_config_core_v3_Node } from '../../src/xds/gen/types.js';
import { bootstrap, request, startProxy, startUpstream, type RunningProxy, type Upstream } from '../helpers/proxy-harness.js';

const cla = (ports: number[]) => ({
  cluster_name: 'service1',
  endpoints: [{ lb_endpoints: ports.map((p) => ({ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: p } } } })) }],
});

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('EDS over api_config_source (the seed\'s xds_cluster example)', { timeout: 15_000 }, () => {
  let a: Upstream;
  let b: Upstream;
  let server: XdsServer;
  let cache: SnapshotCache;
  let px: RunningProxy;
  /** Each node the proxy sent, as the server saw it. */
  const nodes: envoy_config_core_v3_Node[] = [];

  before(async () => {
    a = await startUpstream('A');
    b = await startUpstream('B');
    cache = new SnapshotCache({ nodeHash: (n) => (nodes.push(n), n.id ?? '') });
    server = new XdsServer({ cache });
    const xdsPort = await server.listen('127.0.0.1:0');
    cache.setSnapshot('front-proxy', Snapshot.create('v1', { endpoints: [cla([a.port])] }));
    px = await startProxy(`node: { id: front-proxy, cluster: front, locality: { region: eu, zone: eu-1 } }
` + bootstrap({
      clusters: `  - name: service1
    type: EDS
    connect_timeout: 0.25s
    eds_cluster_config:
      eds_config:
        resource_api_version: V3
        api_config_source:
          api_type: GRPC
          transport_api_version: V3
          grpc_services:
          - envoy_grpc: { cluster_name: xds_cluster }
  - name: xds_cluster
    type: STATIC
    connect_timeout: 0.25s
    typed_extension_protocol_options:
      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
        explicit_http_config: { http2_protocol_options: {} }
    load_assignment:
      cluster_name: xds_cluster
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: ${xdsPort} } } }
`,
    }));
    await until('LIVE', () => px.proxy.state === 'LIVE');
  });
  after(async () => {
    await px.close();
    await server.close();
    await a.close();
    await b.close();
  });

  it('serves the endpoints the EndpointDiscoveryService sends, and follows a change', async () => {
    await until('endpoints from EDS', async () => (await request({ port: px.port(), path: '/' })).body.toString() === 'A GET /');
    cache.setSnapshot('front-proxy', Snapshot.create('v2', { endpoints: [cla([b.port])] }));
    await until('moved to B', async () => (await request({ port: px.port(), path: '/' })).body.toString() === 'B GET /');
    const st = server.status();
    assert.equal(st[0]!.service, 'eds');
    assert.equal(st[0]!.types[0]!.ackedVersion, 'v2');
  });

  it('sends the bootstrap node\'s locality to the xDS server', () => {
    assert.ok(nodes.length > 0);
    assert.deepEqual(nodes[0]!.locality, { region: 'eu', zone: 'eu-1' });
  });
});
