// Envoy's warming on secrets: a listener from LDS whose TLS context names an
// SDS secret is not bound (and the proxy is not LIVE) until the secret
// arrives, or until initial_fetch_timeout passes (counted as
// sds.<name>.init_fetch_timeout); time is a manual clock here. (Clusters warm
// the same way; upstream TLS is not decoded on clusters yet, so they are not
// tested here.)
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/common/clock.js';
import { tempDir } from '../../src/control/ca/ca-test-kit.js';
import { CertificateAuthority } from '../../src/control/ca/index.js';
import { Snapshot, SnapshotCache } from '../../src/control/cache/index.js';
import { XdsServer } from '../../src/control/server/index.js';
import { waitUntil } from '../helpers/net-harness.js';
import { startProxy, type RunningProxy } from '../helpers/proxy-harness.js';
import { grpcClusterYaml } from '../helpers/sds-server.js';

const tlsListener = (name: string, secret: string, initialFetchTimeout?: { seconds: number; nanos: number }) => ({
  name,
  address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
  filter_chains: [{
    transport_socket: {
      name: 'envoy.transport_sockets.tls',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
        common_tls_context: { tls_certificate_sds_secret_configs: [{ name: secret, sds_config: { ads: {}, resource_api_version: 'V3', ...(initialFetchTimeout ? { initial_fetch_timeout: initialFetchTimeout } : {}) } }] },
      },
    },
    filters: [{ name: 'envoy.filters.network.direct_response', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.direct_response.v3.Config', response: { inline_string: 'hi' } } }],
  }],
});

async function proxyOverAds(xdsPort: number, nodeId: string, clock: ManualClock): Promise<RunningProxy> {
  return startProxy(`node: { id: ${nodeId}, cluster: c }
admin: { address: { socket_address: { address: 127.0.0.1, port_value: 0 } } }
dynamic_resources:
  lds_config: { ads: {}, resource_api_version: V3, initial_fetch_timeout: 0s }
  ads_config:
    api_type: GRPC
    transport_api_version: V3
    grpc_services: [{ envoy_grpc: { cluster_name: xds_cluster } }]
static_resources:
  clusters:
${grpcClusterYaml('xds_cluster', `{ socket_address: { address: 127.0.0.1, port_value: ${xdsPort} } }`)}`, { clock });
}

describe('listeners warm on their SDS secrets', { timeout: 20_000 }, () => {
  let tmp: { dir: string; cleanup: () => void };
  let leaf: { certChainPem: string; keyPem: string };
  let server: XdsServer;
  let cache: SnapshotCache;
  let xdsPort: number;
  const proxies: RunningProxy[] = [];

  before(async () => {
    tmp = tempDir('weft-sds-warm-');
    leaf = CertificateAuthority.open({ kind: 'self-signed', dir: path.join(tmp.dir, 'ca') }).issueServingCertificate({ dnsNames: ['client'] });
    cache = new SnapshotCache({ nodeHash: (n) => n.id ?? '' });
    server = new XdsServer({ cache });
    xdsPort = await server.listen('127.0.0.1:0');
  });
  after(async () => {
    for (const p of proxies) await p.close();
    await server?.close();
    tmp?.cleanup();
  });

  it('keeps an LDS listener unbound until its secret arrives, then goes LIVE', async () => {
    cache.setSnapshot('a', Snapshot.create('1', { listeners: [tlsListener('inbound', 'server_cert')] }));
    const px = await proxyOverAds(xdsPort, 'a', new ManualClock());
    proxies.push(px);
    // The cluster's secret is asked for over ADS even though nothing uses the cluster yet.
    await waitUntil(() => server.status().find((s) => s.nodeId === 'a')?.types.some((t) => t.typeUrl.endsWith('.Secret') && Array.isArray(t.subscribed) && t.subscribed.includes('server_cert')), 'Secret subscription');
    await waitUntil(() => server.status().find((s) => s.nodeId === 'a')?.types.find((t) => t.typeUrl.endsWith('.Listener'))?.ackedVersion === '1', 'LDS ACK');
    assert.equal(px.proxy.listenerPort('inbound'), undefined, 'warming: not in service');
    assert.notEqual(px.proxy.state, 'LIVE');

    cache.setSnapshot('a', Snapshot.create('2', {
      listeners: [tlsListener('inbound', 'server_cert')],
      secrets: [{ name: 'server_cert', tls_certificate: { certificate_chain: { inline_string: leaf.certChainPem }, private_key: { inline_string: leaf.keyPem } } }],
    }));
    await waitUntil(() => px.proxy.listenerPort('inbound'), 'listener bound once its secret arrived');
    await waitUntil(() => px.proxy.state === 'LIVE', 'LIVE');
  });

  it('binds the listener without the secret once initial_fetch_timeout passes, and counts it', async () => {
    const clock = new ManualClock();
    cache.setSnapshot('b', Snapshot.create('1', { listeners: [tlsListener('inbound', 'never_sent')] }));
    const px = await proxyOverAds(xdsPort, 'b', clock);
    proxies.push(px);
    await waitUntil(() => server.status().find((s) => s.nodeId === 'b')?.types.find((t) => t.typeUrl.endsWith('.Listener'))?.ackedVersion === '1', 'LDS ACK');
    assert.equal(px.proxy.listenerPort('inbound'), undefined);
    clock.advance(15_000);
    await waitUntil(() => px.proxy.listenerPort('inbound'), 'listener bound after the timeout');
    assert.equal(px.proxy.ctx.stats.counter('sds.never_sent.init_fetch_timeout').value, 1);
    await waitUntil(() => px.proxy.state === 'LIVE', 'LIVE');
  });

  it('waits without a limit when the reference says initial_fetch_timeout: 0s (as Istio\'s sds-grpc secrets do)', async () => {
    const clock = new ManualClock();
    cache.setSnapshot('c', Snapshot.create('1', { listeners: [tlsListener('inbound', 'patient', { seconds: 0, nanos: 0 })] }));
    const px = await proxyOverAds(xdsPort, 'c', clock);
    proxies.push(px);
    // The fetch (and its timer, if any) has started once the server sees the name.
    await waitUntil(() => server.status().find((s) => s.nodeId === 'c')?.types.some((t) => t.typeUrl.endsWith('.Secret') && Array.isArray(t.subscribed) && t.subscribed.includes('patient')), 'Secret subscription');
    clock.advance(3_600_000);
    // Let the apply chain run after the clock moved: nothing may have changed.
    await new Promise((r) => setImmediate(r));
    assert.equal(px.proxy.listenerPort('inbound'), undefined);
    assert.equal(px.proxy.ctx.stats.counter('sds.patient.init_fetch_timeout').value, 0);
    assert.notEqual(px.proxy.state, 'LIVE');
  });
});
