// /certs' body: Envoy's CertificateDetails fields, days counted down to 0 at
// expiry, SAN kinds, one entry per secret.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../../control/ca/ca-test-kit.js';
import { CertificateAuthority } from '../../control/ca/index.js';
import { certificatesJson } from './certs.js';

const DAY = 86_400_000;

describe('/certs body', () => {
  let tmp: { dir: string; cleanup: () => void };
  let ca: CertificateAuthority;
  before(() => {
    tmp = tempDir('weft-certs-');
    ca = CertificateAuthority.open({ kind: 'self-signed', dir: path.join(tmp.dir, 'ca') });
  });
  after(() => tmp.cleanup());

  it('describes a leaf and a trust bundle as Envoy does, and counts days down to 0', () => {
    const leaf = ca.issueServingCertificate({ uris: ['spiffe://cluster.local/ns/a/sa/b'], dnsNames: ['b.a.svc'], ipAddresses: ['10.0.0.7'] }, 3 * DAY);
    const x = new X509Certificate(leaf.certChainPem);
    const notAfter = new Date(x.validTo).getTime();
    const values = [
      { kind: 'tls_certificate' as const, certificate: { certChainPem: leaf.certChainPem, privateKeyPem: leaf.keyPem, origin: '/etc/certs/cert-chain.pem' } },
      { kind: 'validation_context' as const, validation: { trustedCaPem: ca.signingRootPem, sanMatchers: [], spkiPins: [], hashPins: [], allowExpiredCertificate: false, acceptUntrusted: false, origin: 'sds:ROOTCA' } },
    ];
    const body = certificatesJson(values, notAfter - 2 * DAY - 1000);
    assert.equal(body.certificates.length, 2);
    const d = body.certificates[0]!.cert_chain[0]!;
    assert.deepEqual(body.certificates[0]!.ca_cert, []);
    assert.equal(d.path, '/etc/certs/cert-chain.pem');
    assert.equal(d.serial_number, x.serialNumber.toLowerCase());
    const sans = d.subject_alt_names.map((s) => JSON.stringify(s)).sort();
    assert.deepEqual(sans, [{ dns: 'b.a.svc' }, { ip_address: '10.0.0.7' }, { uri: 'spiffe://cluster.local/ns/a/sa/b' }].map((s) => JSON.stringify(s)));
    assert.equal(d.days_until_expiration, '2');
    assert.equal(d.expiration_time, new Date(notAfter).toISOString().replace('.000Z', 'Z'));
    const root = body.certificates[1]!.ca_cert[0]!;
    assert.equal(root.path, '<inline>');
    assert.equal(root.serial_number, new X509Certificate(ca.signingRootPem).serialNumber.toLowerCase());
    assert.equal(certificatesJson(values, notAfter + DAY).certificates[0]!.cert_chain[0]!.days_until_expiration, '0');
  });
});
