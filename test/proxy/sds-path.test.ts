// SDS from a file (sds_config.path_config_source): a DiscoveryResponse of
// Secrets (YAML here, as Envoy's xDS certificate-rotation example), replaced
// by atomic rename; the secret follows, a bad file is rejected and counted
// while the last good secret stays. Certificates are referenced by filename,
// as in Envoy's example.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../../src/control/ca/ca-test-kit.js';
import { CertificateAuthority } from '../../src/control/ca/index.js';
import type { SecretValue } from '../../src/proxy/tls/secret-store.js';
import type { SdsRef } from '../../src/proxy/tls/tls-config.js';
import { waitUntil } from '../helpers/net-harness.js';
import { startProxy, type RunningProxy } from '../helpers/proxy-harness.js';

const serialOf = (v: SecretValue | undefined) => (v?.kind === 'tls_certificate' ? new X509Certificate(v.certificate.certChainPem).serialNumber.toLowerCase() : undefined);

describe('SDS from a file (path_config_source)', { timeout: 20_000 }, () => {
  let tmp: { dir: string; cleanup: () => void };
  let px: RunningProxy;
  let serials: string[];
  let ca: CertificateAuthority;
  let file: string;
  let ref: SdsRef;

  /** Writes a file next to the target and renames it over (Envoy's atomic-replace convention). */
  const replace = (text: string) => {
    const t = `${file}.tmp`;
    fs.writeFileSync(t, text);
    fs.renameSync(t, file);
  };
  const doc = (version: string, n: number) => `version_info: "${version}"
resources:
- "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret
  name: xds_client_cert
  tls_certificate:
    certificate_chain: { filename: ${path.join(tmp.dir, `cert${n}.pem`)} }
    private_key: { filename: ${path.join(tmp.dir, `key${n}.pem`)} }
`;

  before(async () => {
    tmp = tempDir('weft-sds-path-');
    ca = CertificateAuthority.open({ kind: 'self-signed', dir: path.join(tmp.dir, 'ca') });
    serials = [];
    for (const n of [1, 2]) {
      const leaf = ca.issueServingCertificate({ dnsNames: ['client.example.com'] });
      fs.writeFileSync(path.join(tmp.dir, `cert${n}.pem`), leaf.certChainPem);
      fs.writeFileSync(path.join(tmp.dir, `key${n}.pem`), leaf.keyPem);
      serials.push(new X509Certificate(leaf.certChainPem).serialNumber.toLowerCase());
    }
    file = path.join(tmp.dir, 'tls_certificate_sds_secret.yaml');
    fs.writeFileSync(file, doc('1', 1));
    ref = { name: 'xds_client_cert', source: { kind: 'path', path: file } };
    px = await startProxy(`admin: { address: { socket_address: { address: 127.0.0.1, port_value: 0 } } }
static_resources: {}
`);
  });

  after(async () => {
    await px?.close();
    tmp?.cleanup();
  });

  it('reads the secret when first asked for', async () => {
    px.proxy.secrets.subscribe(ref, () => undefined);
    await waitUntil(() => px.proxy.secrets.current(ref), 'secret from the file');
    assert.equal(serialOf(px.proxy.secrets.current(ref)), serials[0]);
    const v = px.proxy.secrets.current(ref)!;
    assert.equal(v.kind === 'tls_certificate' && v.certificate.origin, path.join(tmp.dir, 'cert1.pem'), 'the origin names the certificate file');
  });

  it('follows an atomic replacement of the file', async () => {
    const seen: (string | undefined)[] = [];
    px.proxy.secrets.subscribe(ref, (v) => seen.push(serialOf(v)));
    replace(doc('2', 2));
    await waitUntil(() => serialOf(px.proxy.secrets.current(ref)) === serials[1], 'rotated secret');
    assert.deepEqual(seen, [serials[1]]);
    assert.equal(px.proxy.ctx.stats.counter('sds.xds_client_cert.update_success').value, 2);
  });

  it('rejects a bad file (a key that is not the certificate\'s), counts it and keeps the last good secret', async () => {
    replace(doc('3', 1).replace('key1.pem', 'key2.pem'));
    await waitUntil(() => px.proxy.ctx.stats.counter('sds.xds_client_cert.update_rejected').value === 1, 'rejection');
    assert.equal(serialOf(px.proxy.secrets.current(ref)), serials[1]);
    replace('resources: [ {');
    await waitUntil(() => px.proxy.ctx.stats.counter('sds.xds_client_cert.update_rejected').value === 2, 'unparsable file rejected');
    assert.equal(serialOf(px.proxy.secrets.current(ref)), serials[1]);
    const dump = JSON.parse((await px.admin('/config_dump?resource=dynamic_active_secrets')).body) as { configs: { name: string; version_info: string; secret: { tls_certificate: { private_key: unknown } } }[] };
    assert.equal(dump.configs[0]!.version_info, '2');
    // A key read from a file keeps its filename in the dump (Envoy redacts only inline keys).
    assert.deepEqual(dump.configs[0]!.secret.tls_certificate.private_key, { filename: path.join(tmp.dir, 'key2.pem') });
  });

  it('reloads the certificate files the secret names when they are replaced, and counts key_rotation_failed for a bad pair', async () => {
    const next = ca.issueServingCertificate({ dnsNames: ['client.example.com'] });
    const put = (name: string, text: string) => {
      fs.writeFileSync(path.join(tmp.dir, `${name}.new`), text);
      fs.renameSync(path.join(tmp.dir, `${name}.new`), path.join(tmp.dir, name));
    };
    put('key2.pem', next.keyPem);
    put('cert2.pem', next.certChainPem);
    const want = new X509Certificate(next.certChainPem).serialNumber.toLowerCase();
    await waitUntil(() => serialOf(px.proxy.secrets.current(ref)) === want, 'material reloaded from the files');
    const failedBefore = px.proxy.ctx.stats.counter('sds.xds_client_cert.key_rotation_failed').value;
    put('key2.pem', fs.readFileSync(path.join(tmp.dir, 'key1.pem'), 'utf8'));
    await waitUntil(() => px.proxy.ctx.stats.counter('sds.xds_client_cert.key_rotation_failed').value > failedBefore, 'key_rotation_failed');
    assert.equal(serialOf(px.proxy.secrets.current(ref)), want, 'the last good material stays');
  });
});
