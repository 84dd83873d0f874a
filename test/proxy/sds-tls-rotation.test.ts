// SDS to real TLS: a TLS server context built from a CommonTlsContext whose
// certificate and trust bundle come from an SDS server on a Unix socket
// (Istio's default and ROOTCA over sds-grpc), through the proxy's secret
// store and the TLS core's SecureContextSource, with node:tls clients. Before
// the secret arrives a handshake fails (never plaintext); a rotation pushed by
// the SDS server is what the next connection sees; a NACKed update leaves the
// served certificate unchanged.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import type net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { ConfigErrors } from '../../src/common/errors.js';
import { LogRegistry } from '../../src/common/log.js';
import { tempDir } from '../../src/control/ca/ca-test-kit.js';
import { CertificateAuthority } from '../../src/control/ca/index.js';
import { loadBootstrapText } from '../../src/proxy/config/bootstrap.js';
import { ProxyServer } from '../../src/proxy/server.js';
import { decodeCommonTlsContext } from '../../src/proxy/tls/decode-tls-context.js';
import { SecureContextSource } from '../../src/proxy/tls/secure-context.js';
import { waitUntil } from '../helpers/net-harness.js';
import { grpcClusterYaml, startSdsServer, type SdsTestServer } from '../helpers/sds-server.js';

const ID = 'spiffe://cluster.local/ns/default/sa/reviews';

/** The serial of the certificate a server presents, or the handshake's error code. */
function handshake(port: number, ca: string): Promise<string> {
  return new Promise((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port, ca, checkServerIdentity: () => undefined, servername: 'reviews' });
    s.once('secureConnect', () => {
      resolve(s.getPeerX509Certificate()!.serialNumber.toLowerCase());
      s.end();
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(`error:${e.code ?? e.message}`));
  });
}

describe('SDS secrets in real TLS handshakes', { timeout: 20_000 }, () => {
  let tmp: { dir: string; cleanup: () => void };
  let ca: CertificateAuthority;
  let uds: SdsTestServer;
  let proxy: ProxyServer;
  let server: tls.Server;
  let port: number;
  let source: SecureContextSource;
  const serial = (pem: string) => new X509Certificate(pem).serialNumber.toLowerCase();
  const secret = (leaf: { certChainPem: string; keyPem: string }) => ({ name: 'default', tls_certificate: { certificate_chain: { inline_string: leaf.certChainPem }, private_key: { inline_string: leaf.keyPem } } });

  before(async () => {
    tmp = tempDir('weft-sds-tls-');
    ca = CertificateAuthority.open({ kind: 'self-signed', dir: path.join(tmp.dir, 'ca') });
    const sock = path.join(tmp.dir, 'sds.sock');
    uds = await startSdsServer(`unix:${sock}`);
    const errs = new ConfigErrors();
    const cfg = loadBootstrapText(`static_resources:
  clusters:
${grpcClusterYaml('sds-grpc', `{ pipe: { path: ${sock} } }`)}`, errs);
    assert.ok(cfg, errs.format());
    proxy = new ProxyServer(cfg, { logs: new LogRegistry('error') });
    await proxy.start();
    const sds = { api_config_source: { api_type: 'GRPC' as const, transport_api_version: 'V3' as const, grpc_services: [{ envoy_grpc: { cluster_name: 'sds-grpc' } }] }, resource_api_version: 'V3' as const };
    const common = decodeCommonTlsContext({
      tls_certificate_sds_secret_configs: [{ name: 'default', sds_config: sds }],
      validation_context_sds_secret_config: { name: 'ROOTCA', sds_config: sds },
    }, 'common_tls_context', errs, 'server');
    assert.ok(common, errs.format());
    source = new SecureContextSource(common, proxy.secrets, 'server');
    server = tls.createServer({
      SNICallback: (_name, cb) => {
        const r = source.current();
        if (r.ok) cb(null, r.context);
        else cb(new Error(r.reason));
      },
    }, (s: net.Socket) => s.end());
    port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
  });
  after(async () => {
    source?.close();
    server?.close();
    await proxy?.shutdown();
    await uds?.close();
    tmp?.cleanup();
  });

  it('fails the handshake while the secret has not arrived, then serves it', async () => {
    assert.match(await handshake(port, ca.signingRootPem), /^error:/);
    const leaf = ca.issueServingCertificate({ uris: [ID] });
    uds.push('ROOTCA', '1', [{ name: 'ROOTCA', validation_context: { trusted_ca: { inline_string: ca.signingRootPem } } }]);
    uds.push('default', '1', [secret(leaf)]);
    await waitUntil(() => source.current().ok, 'context built from SDS');
    assert.equal(await handshake(port, ca.signingRootPem), serial(leaf.certChainPem));
  });

  it('serves a rotated certificate on the next connection, and keeps it when an update is NACKed', async () => {
    const next = ca.issueServingCertificate({ uris: [ID] });
    uds.push('default', '2', [secret(next)]);
    await waitUntil(async () => (await handshake(port, ca.signingRootPem)) === serial(next.certChainPem), 'rotated certificate served');
    const other = ca.issueServingCertificate({ uris: [ID] });
    uds.push('default', '3', [{ ...secret(next), tls_certificate: { certificate_chain: { inline_string: next.certChainPem }, private_key: { inline_string: other.keyPem } } }]);
    await waitUntil(() => proxy.ctx.stats.counter('sds.default.update_rejected').value === 1, 'NACK');
    assert.equal(await handshake(port, ca.signingRootPem), serial(next.certChainPem));
  });
});
