import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, it } from 'node:test';
import { CsrError } from './ca-error.js';
import { makeCsr, x509 } from './ca-test-kit.js';
import { buildCsr } from './csr-builder.js';
import { decodeCsr } from './csr.js';
import { derBitString, derContext, derOid, derSequence, derSmallInteger, derTime } from './der-writer.js';
import { pemEncode } from './pem.js';
import { derOidString, derTimeValue, readRoot } from './der-reader.js';

const ID = 'spiffe://cluster.local/ns/default/sa/reviews';

function csrCode(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof CsrError, `expected CsrError, got ${e}`);
    return e.code;
  }
  assert.fail('no error thrown');
}

describe('DER primitives', () => {
  it('round-trips OIDs and times, choosing UTCTime before 2050 and GeneralizedTime after', () => {
    for (const oid of ['2.5.29.17', '1.2.840.10045.4.3.2', '1.3.6.1.5.5.7.3.1', '2.999.1234567']) {
      assert.equal(derOidString(readRoot(derOid(oid))), oid);
    }
    for (const iso of ['2026-12-05T07:51:52Z', '1999-01-01T00:00:00Z', '2050-01-01T00:00:00Z', '2136-06-30T23:59:59Z']) {
      const t = Date.parse(iso);
      const der = derTime(t);
      assert.equal(der[0], t < Date.parse('2050-01-01T00:00:00Z') ? 0x17 : 0x18);
      assert.equal(derTimeValue(readRoot(der)), t);
    }
  });
});

describe('decodeCsr', () => {
  it('reads the key and SPIFFE SAN of CSRs made by @peculiar/x509 (P-256, P-384, RSA 2048)', async () => {
    for (const alg of ['P-256', 'P-384', 'RSA-2048'] as const) {
      const { pem } = await makeCsr([ID], alg);
      const csr = decodeCsr(pem);
      assert.deepEqual(csr.uriSans, [ID]);
      assert.equal(csr.keyKind, alg === 'P-256' ? 'ec-p256' : alg === 'P-384' ? 'ec-p384' : 'rsa');
      const parsed = new x509.Pkcs10CertificateRequest(pem);
      assert.deepEqual(csr.spki, Buffer.from(parsed.publicKey.rawData));
    }
  });

  it('refuses a CSR whose signature does not verify', async () => {
    const { pem } = await makeCsr([ID]);
    const der = Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
    // flip one bit in the signed part (inside the public key), keeping the DER structure intact
    const spkiAt = der.indexOf(Buffer.from([0x03, 0x42, 0x00, 0x04]));
    der[spkiAt + 10] ^= 0x01;
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    assert.equal(csrCode(() => decodeCsr(tampered)), 'CSR_SIGNATURE_INVALID');
    // without verification the same request decodes (the benchmark's "issue only" figure)
    assert.equal(decodeCsr(tampered, { verifySignature: false }).uriSans[0], ID);
  });

  it('refuses unsupported keys by name: RSA 1024 and Ed25519', async () => {
    assert.equal(csrCode(() => decodeCsr(ed25519Csr())), 'CSR_KEY_UNSUPPORTED');
    const { pem } = await makeCsr([ID], 'RSA-1024');
    assert.equal(csrCode(() => decodeCsr(pem)), 'CSR_KEY_UNSUPPORTED');
  });

  it('refuses what is not a CSR: no PEM, two blocks, garbage DER', () => {
    assert.equal(csrCode(() => decodeCsr('hello')), 'CSR_MALFORMED');
    const one = buildCsr(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey, { uris: [ID] });
    assert.equal(csrCode(() => decodeCsr(one + one)), 'CSR_MALFORMED');
    assert.equal(csrCode(() => decodeCsr('-----BEGIN CERTIFICATE REQUEST-----\nMAMCAQA=\n-----END CERTIFICATE REQUEST-----\n')), 'CSR_MALFORMED');
    assert.equal(csrCode(() => decodeCsr('-----BEGIN CERTIFICATE REQUEST-----\nMIIBAAAA\n-----END CERTIFICATE REQUEST-----\n')), 'CSR_MALFORMED');
  });
});

/** An Ed25519 CSR (buildCsr refuses that key type, so it is assembled here with the DER writer). */
function ed25519Csr(): string {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const info = derSequence(derSmallInteger(0), derSequence(), publicKey.export({ type: 'spki', format: 'der' }), derContext(0, true));
  const signature = sign(null, info, privateKey);
  return pemEncode('CERTIFICATE REQUEST', derSequence(info, derSequence(derOid('1.3.101.112')), derBitString(signature)));
}

describe('buildCsr', () => {
  it('builds a request that @peculiar/x509 verifies, carrying the SPIFFE ID', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const pem = buildCsr(privateKey, { uris: [ID] });
    const parsed = new x509.Pkcs10CertificateRequest(pem);
    assert.equal(await parsed.verify(), true);
    const ext = parsed.getExtension('2.5.29.17');
    assert.ok(ext, 'CSR carries a subjectAltName');
    assert.deepEqual(new x509.SubjectAlternativeNameExtension(ext.rawData).names.toJSON(), [{ type: 'url', value: ID }]);
    assert.deepEqual(decodeCsr(pem).uriSans, [ID]);
  });
});
