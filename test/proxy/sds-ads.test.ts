// SDS over ADS (sds_config: { ads: {} }): the Secret type on the proxy's ADS
// stream to weft's own control plane (XdsServer + SnapshotCache), state of
// the world and delta; subscribed by name when a TLS context first asks;
// rotation arrives as a new snapshot; a bad secret is NACKed and the last
// good one stays.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../../src/control/ca/ca-test-kit.js';
import { CertificateAuthority } from '../../src/control/ca/index.js';
import { Snapshot, SnapshotCache } from '../../src/control/cache/index.js';
import { XdsServer } from '../../src/control/server/index.js';
import type { SecretValue } from '../../src/proxy/tls/secret-store.js';
import type { SdsRef } from '../../src/proxy/tls/tls-config.js';
import { SECRET_TYPE_URL } from '../../src/xds/type-urls.js';
import { waitUntil } from '../helpers/net-harness.js';
import { startProxy, type RunningProxy } from '../helpers/proxy-harness.js';
import { grpcClusterYaml } from '../helpers/sds-server.js';

const ID = 'spiffe://cluster.local/ns/default/sa/productpage';
const serialOf = (v: SecretValue | undefined) => (v?.kind === 'tls_certificate' ? new X509Certificate(v.certificate.certChainPem).serialNumber.toLowerCase() : undefined);
const serial = (pem: string) => new X509Certificate(pem).serialNumber.toLowerCase();

/** Snapshot resources are the messages themselves (the cache wraps them in Any). */
function secret(name: string, chain: string, key: string) {
  return { name, tls_certificate: { certificate_chain: { inline_string: chain }, private_key: { inline_string: key } } };
}

for (const apiType of ['GRPC', 'DELTA_GRPC'] as const) {
  describe(`SDS over ADS (${apiType}) from weft's control plane`, { timeout: 20_000 }, () => {
    let tmp: { dir: string; cleanup: () => void };
    let ca: CertificateAuthority;
    let server: XdsServer;
    let cache: SnapshotCache;
    let px: RunningProxy;
    let leaf1: { certChainPem: string; keyPem: string };
    let leaf2: { certChainPem: string; keyPem: string };
    const ref: SdsRef = { name: 'kubernetes://gw-cert', source: { kind: 'ads' } };
    const root: SdsRef = { name: 'kubernetes://gw-cert-cacert', source: { kind: 'ads' } };

    before(async () => {
      tmp = tempDir('weft-sds-ads-');
      ca = CertificateAuthority.open({ kind: 'self-signed', dir: path.join(tmp.dir, 'ca') });
      leaf1 = ca.issueServingCertificate({ uris: [ID] });
      leaf2 = ca.issueServingCertificate({ uris: [ID] });
      cache = new SnapshotCache({ nodeHash: (n) => n.id ?? '' });
      server = new XdsServer({ cache });
      const xdsPort = await server.listen('127.0.0.1:0');
      cache.setSnapshot('gw', Snapshot.create('1', {
        secrets: [secret(ref.name, leaf1.certChainPem, leaf1.keyPem), { name: root.name, validation_context: { trusted_ca: { inline_string: ca.signingRootPem } } }],
      }));
      px = await startProxy(`node: { id: gw, cluster: gw }
admin: { address: { socket_address: { address: 127.0.0.1, port_value: 0 } } }
dynamic_resources:
  ads_config:
    api_type: ${apiType}
    transport_api_version: V3
    grpc_services: [{ envoy_grpc: { cluster_name: xds_cluster } }]
static_resources:
  clusters:
${grpcClusterYaml('xds_cluster', `{ socket_address: { address: 127.0.0.1, port_value: ${xdsPort} } }`)}`);
    });

    after(async () => {
      await px?.close();
      await server?.close();
      tmp?.cleanup();
    });

    it('subscribes the Secret type by name when asked, and serves what the control plane sends', async () => {
      const seen: (string | undefined)[] = [];
      px.proxy.secrets.subscribe(ref, (v) => seen.push(serialOf(v)));
      px.proxy.secrets.subscribe(root, () => undefined);
      await waitUntil(() => px.proxy.secrets.current(ref) && px.proxy.secrets.current(root), 'secrets over ADS');
      assert.equal(serialOf(px.proxy.secrets.current(ref)), serial(leaf1.certChainPem));
      assert.equal(px.proxy.secrets.current(root)!.kind, 'validation_context');
      await waitUntil(() => server.status()[0]?.types.find((t) => t.typeUrl === SECRET_TYPE_URL)?.ackedVersion === '1', 'ACK of the Secret type');
    });

    it('follows a rotation pushed by a new snapshot', async () => {
      cache.setSnapshot('gw', Snapshot.create('2', {
        secrets: [secret(ref.name, leaf2.certChainPem, leaf2.keyPem), { name: root.name, validation_context: { trusted_ca: { inline_string: ca.signingRootPem } } }],
      }));
      await waitUntil(() => serialOf(px.proxy.secrets.current(ref)) === serial(leaf2.certChainPem), 'rotated secret');
    });

    it('NACKs a bad secret and keeps the last good one, with update_rejected', async () => {
      cache.setSnapshot('gw', Snapshot.create('3', {
        secrets: [secret(ref.name, leaf1.certChainPem, leaf2.keyPem), { name: root.name, validation_context: { trusted_ca: { inline_string: ca.signingRootPem } } }],
      }));
      await waitUntil(() => px.proxy.ctx.stats.counter(`sds.${ref.name}.update_rejected`).value === 1, 'rejection counted');
      const st = await waitUntil(() => {
        const t = server.status()[0]?.types.find((x) => x.typeUrl === SECRET_TYPE_URL);
        return t?.lastNack ? t : undefined;
      }, 'NACK seen by the server');
      assert.equal(st.ackedVersion, '2');
      assert.equal(serialOf(px.proxy.secrets.current(ref)), serial(leaf2.certChainPem));
    });
  });
}
