// SDS to real TLS on a listener, as an Istio sidecar's inbound mTLS chain is
// written: the certificate `default` and the trust bundle `ROOTCA` come from
// an SDS server on a Unix socket (the `sds-grpc` pipe cluster, references
// with initial_fetch_timeout 0s), clients are node:tls with a client
// certificate. Before the secrets arrive a handshake is refused (counted as
// ssl.connection_error, never plaintext); a rotation pushed by the SDS server
// is what the next connection sees, while the open one keeps its certificate;
// a NACKed update leaves the served certificate unchanged.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import path from 'node:path';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { LogRegistry } from '../../src/common/log.js';
import { tempDir } from '../../src/control/ca/ca-test-kit.js';
import { CertificateAuthority } from '../../src/control/ca/index.js';
import { waitUntil } from '../helpers/net-harness.js';
import { startProxy, type RunningProxy } from '../helpers/proxy-harness.js';
import { grpcClusterYaml, startSdsServer, type SdsTestServer } from '../helpers/sds-server.js';

const SERVER_ID = 'spiffe://cluster.local/ns/default/sa/reviews';
const CLIENT_ID = 'spiffe://cluster.local/ns/default/sa/productpage';

interface Leaf { certChainPem: string; keyPem: string }

/** Connects with a client certificate; the serial the server presented and what it sent, or the failure. */
function connect(port: number, ca: string, client: Leaf): Promise<{ serial?: string; body?: string; error?: string; socket?: tls.TLSSocket }> {
  return new Promise((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port, ca, cert: client.certChainPem, key: client.keyPem, checkServerIdentity: () => undefined });
    let body = '';
    s.on('data', (d: Buffer) => (body += d.toString()));
    s.once('secureConnect', () => {
      const serial = s.getPeerX509Certificate()!.serialNumber.toLowerCase();
      s.once('end', () => resolve({ serial, body }));
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    s.once('close', () => resolve({ error: 'closed before the handshake' }));
  });
}

describe('SDS secrets on a TLS listener (an Istio sidecar inbound chain)', { timeout: 30_000 }, () => {
  let tmp: { dir: string; cleanup: () => void };
  let ca: CertificateAuthority;
  let uds: SdsTestServer;
  let px: RunningProxy;
  let client: Leaf;
  const serial = (pem: string) => new X509Certificate(pem).serialNumber.toLowerCase();
  const defaultSecret = (leaf: Leaf) => ({ name: 'default', tls_certificate: { certificate_chain: { inline_string: leaf.certChainPem }, private_key: { inline_string: leaf.keyPem } } });

  before(async () => {
    tmp = tempDir('weft-sds-listener-');
    ca = CertificateAuthority.open({ kind: 'self-signed', dir: path.join(tmp.dir, 'ca') });
    client = ca.issueServingCertificate({ uris: [CLIENT_ID] });
    const sock = path.join(tmp.dir, 'sds.sock');
    uds = await startSdsServer(`unix:${sock}`);
    const sds = `sds_config:
                  api_config_source:
                    api_type: GRPC
                    transport_api_version: V3
                    grpc_services: [{ envoy_grpc: { cluster_name: sds-grpc } }]
                  initial_fetch_timeout: 0s
                  resource_api_version: V3`;
    px = await startProxy(`admin: { address: { socket_address: { address: 127.0.0.1, port_value: 0 } } }
static_resources:
  listeners:
  - name: inbound
    stat_prefix: inbound
    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
    filter_chains:
    - transport_socket:
        name: envoy.transport_sockets.tls
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
          require_client_certificate: true
          common_tls_context:
            tls_certificate_sds_secret_configs:
            - name: default
              ${sds}
            combined_validation_context:
              default_validation_context:
                match_typed_subject_alt_names:
                - san_type: URI
                  matcher: { prefix: "spiffe://cluster.local/" }
              validation_context_sds_secret_config:
                name: ROOTCA
                ${sds}
      filters:
      - name: envoy.filters.network.direct_response
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.direct_response.v3.Config
          response: { inline_string: "hello over mTLS" }
  clusters:
${grpcClusterYaml('sds-grpc', `{ pipe: { path: ${sock} } }`)}`, { logs: new LogRegistry('error') });
  });
  after(async () => {
    await px?.close();
    await uds?.close();
    tmp?.cleanup();
  });

  const connectionErrors = () => px.proxy.ctx.stats.counter('listener.inbound.ssl.connection_error').value;

  it('refuses connections while the secrets have not arrived, and serves once they have', async () => {
    await waitUntil(() => uds.streams() === 2, 'the listener asked for default and ROOTCA');
    const before = connectionErrors();
    const r = await connect(px.port('inbound'), ca.signingRootPem, client);
    assert.ok(r.error, 'no handshake without a certificate');
    assert.equal(r.body, undefined, 'nothing is served in plaintext');
    assert.equal(connectionErrors(), before + 1);

    const leaf = ca.issueServingCertificate({ uris: [SERVER_ID] });
    uds.push('ROOTCA', '1', [{ name: 'ROOTCA', validation_context: { trusted_ca: { inline_string: ca.signingRootPem } } }]);
    uds.push('default', '1', [defaultSecret(leaf)]);
    const ok = await waitUntil(async () => {
      const x = await connect(px.port('inbound'), ca.signingRootPem, client);
      return x.serial ? x : undefined;
    }, 'an mTLS handshake with the SDS certificate');
    assert.equal(ok.serial, serial(leaf.certChainPem));
    assert.equal(ok.body, 'hello over mTLS');
  });

  it('serves a rotated certificate to the next connection, and keeps it when an update is NACKed', async () => {
    const next = ca.issueServingCertificate({ uris: [SERVER_ID] });
    uds.push('default', '2', [defaultSecret(next)]);
    await waitUntil(async () => (await connect(px.port('inbound'), ca.signingRootPem, client)).serial === serial(next.certChainPem), 'rotated certificate served');
    const other = ca.issueServingCertificate({ uris: [SERVER_ID] });
    uds.push('default', '3', [{ name: 'default', tls_certificate: { certificate_chain: { inline_string: next.certChainPem }, private_key: { inline_string: other.keyPem } } }]);
    await waitUntil(() => px.proxy.ctx.stats.counter('sds.default.update_rejected').value === 1, 'NACK');
    assert.equal((await connect(px.port('inbound'), ca.signingRootPem, client)).serial, serial(next.certChainPem));
  });

  it('refuses a client certificate from another CA (the SDS trust bundle is in force)', async () => {
    const otherCa = CertificateAuthority.open({ kind: 'self-signed', dir: path.join(tmp.dir, 'other-ca') });
    const intruder = otherCa.issueServingCertificate({ uris: [CLIENT_ID] });
    const failed = px.proxy.ctx.stats.counter('listener.inbound.ssl.fail_verify_error').value;
    const r = await connect(px.port('inbound'), ca.signingRootPem, intruder);
    // With TLS 1.3 the client may finish its side before the server checks it: what matters is that nothing is served.
    assert.ok(!r.body, 'nothing served to a peer the trust bundle does not anchor');
    await waitUntil(() => px.proxy.ctx.stats.counter('listener.inbound.ssl.fail_verify_error').value === failed + 1, 'fail_verify_error');
  });
});
