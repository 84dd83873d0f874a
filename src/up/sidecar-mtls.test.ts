// weft up's mesh mTLS pieces: the sidecar bootstrap's `sds-grpc` cluster (Istio's
// shape: a pipe, HTTP/2) and the registry's `security.istio.io/tlsMode: istio`
// endpoint label that auto mTLS keys on; both absent with mTLS off.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigErrors } from '../common/errors.js';
import { sidecarBootstrap } from './sidecar-bootstrap.js';
import { TLS_MODE_LABEL } from '../api/networking.js';
import { serviceHost, workloadRegistry } from './workload-registry.js';
import { parseWorkloads } from './workloads.js';

const errs = new ConfigErrors();
const [web] = parseWorkloads({ workloads: [{ name: 'web', serviceAccount: 'web-sa', labels: { app: 'web', version: 'v1' }, ports: [{ name: 'http', port: 8080, protocol: 'HTTP' }], command: ['node', 'x.js'] }] }, errs);
const PORTS = { admin: 1, outbound: 2, inbound: { 8080: 3 }, app: { 8080: 4 } };
type Cluster = { name: string; load_assignment: { endpoints: { lb_endpoints: { endpoint: { address: { pipe?: { path: string } } } }[] }[] }; typed_extension_protocol_options?: Record<string, { explicit_http_config?: { http2_protocol_options?: object } }> };

describe('weft up mTLS wiring', () => {
  it('the sidecar bootstrap has Istio\'s sds-grpc cluster at the given socket, over HTTP/2', () => {
    assert.deepEqual(errs.errors, []);
    const b = sidecarBootstrap(web!, PORTS, 15010, { bind: '127.0.0.1', dialAddress: '127.0.0.1', accessLog: false, sdsSocket: '/run/web.sds.sock' }) as { static_resources: { clusters: Cluster[] }; node: { metadata: Record<string, unknown> } };
    const sds = b.static_resources.clusters.find((c) => c.name === 'sds-grpc');
    assert.ok(sds);
    assert.deepEqual(sds.load_assignment.endpoints[0]!.lb_endpoints[0]!.endpoint.address, { pipe: { path: '/run/web.sds.sock' } });
    assert.ok(sds.typed_extension_protocol_options?.['envoy.extensions.upstreams.http.v3.HttpProtocolOptions']?.explicit_http_config?.http2_protocol_options);
    // the agent's identity comes from here
    assert.equal(b.node.metadata.NAMESPACE, 'default');
    assert.equal(b.node.metadata.SERVICE_ACCOUNT, 'web-sa');
    const plain = sidecarBootstrap(web!, PORTS, 15010) as { static_resources: { clusters: Cluster[] } };
    assert.deepEqual(plain.static_resources.clusters.map((c) => c.name), ['xds-grpc']);
  });

  it('endpoints of sidecar workloads carry security.istio.io/tlsMode: istio only with mTLS on', () => {
    const on = workloadRegistry([web!], '127.0.0.1', undefined, { sidecarMtls: true }).endpoints(serviceHost(web!), 8080);
    assert.equal(on[0]?.labels[TLS_MODE_LABEL], 'istio');
    assert.equal(on[0]?.labels.version, 'v1');
    const off = workloadRegistry([web!], '127.0.0.1').endpoints(serviceHost(web!), 8080);
    assert.equal(off[0]?.labels[TLS_MODE_LABEL], undefined);
  });
});
