// Test support for credentials: self-signed server certificates with chosen
// validity, made with @peculiar/x509 (a dev dependency, via the CA's test
// kit), so tests need no openssl. Not used by weft itself.
import { webcrypto } from 'node:crypto';
import { x509 } from '../ca/ca-test-kit.js';
import { pemEncode } from '../ca/pem.js';

const DAY = 86_400_000;

/** A self-signed ECDSA P-256 server certificate for `cn` (also its DNS SAN) and its PKCS#8 key, PEM, valid over [from, to] (ms). */
export async function serverCert(cn: string, from = Date.now() - DAY, to = Date.now() + 30 * DAY): Promise<{ cert: string; key: string }> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
  const c = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01', name: `CN=${cn}`, notBefore: new Date(from), notAfter: new Date(to), keys, signingAlgorithm: alg,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: cn }]), new x509.BasicConstraintsExtension(true, undefined, true)],
  });
  const der = new Uint8Array(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { cert: c.toString('pem') + '\n', key: pemEncode('PRIVATE KEY', der) };
}
