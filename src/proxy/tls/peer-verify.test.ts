import assert from 'node:assert/strict';
import crypto, { X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { certificateFacts, parseSubjectAltNames, sessionIdHex } from './peer-certificate.js';
import { tlsVerifyFailureReason, verifyPeerCertificate } from './peer-verify.js';
import type { ValidationMaterial } from './tls-config.js';
import { makeTestPki, OPENSSL_MISSING, type TestPki } from './tls-test-kit.js';

function validation(over: Partial<ValidationMaterial> = {}): ValidationMaterial {
  return { sanMatchers: [], spkiPins: [], hashPins: [], allowExpiredCertificate: false, acceptUntrusted: false, origin: 'test', ...over };
}

describe('peer verification', { skip: OPENSSL_MISSING }, () => {
  let pki: TestPki;
  let cert: X509Certificate;
  before(() => {
    pki = makeTestPki();
    cert = new X509Certificate(pki.issue('peer', { cn: 'peer', uris: ['spiffe://cluster.local/ns/default/sa/reviews'], dns: ['reviews.default.svc'], ips: ['10.0.0.1'] }).certPem);
  });
  after(() => pki.cleanup());

  const ok = { authorized: true };
  const trusted = { trustedCaPem: 'CA' };

  it('counts a missing certificate only when one is required', () => {
    assert.equal(verifyPeerCertificate(undefined, ok, validation(), false), undefined);
    assert.equal(verifyPeerCertificate(undefined, ok, validation(), true)?.stat, 'fail_verify_no_cert');
  });

  it('chain errors count under fail_verify_error when trusted_ca is set, unless ACCEPT_UNTRUSTED or an allowed expiry', () => {
    const bad = { authorized: false, error: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' };
    assert.equal(verifyPeerCertificate(cert, bad, validation(trusted), false)?.stat, 'fail_verify_error');
    assert.equal(verifyPeerCertificate(cert, bad, validation(), false), undefined, 'no trusted_ca: the chain is not verified (Envoy)');
    assert.equal(verifyPeerCertificate(cert, bad, validation({ ...trusted, acceptUntrusted: true }), false), undefined);
    const expired = { authorized: false, error: 'CERT_HAS_EXPIRED' };
    assert.equal(verifyPeerCertificate(cert, expired, validation(trusted), false)?.stat, 'fail_verify_error');
    assert.equal(verifyPeerCertificate(cert, expired, validation({ ...trusted, allowExpiredCertificate: true }), false), undefined);
  });

  it('SAN matchers match SANs of their type; any match accepts', () => {
    const uri = (p: string) => ({ type: 'URI' as const, match: (v: string) => v.startsWith(p), text: p });
    assert.equal(verifyPeerCertificate(cert, ok, validation({ ...trusted, sanMatchers: [uri('spiffe://cluster.local/ns/default/')] }), false), undefined);
    const f = verifyPeerCertificate(cert, ok, validation({ ...trusted, sanMatchers: [uri('spiffe://other/')] }), false);
    assert.equal(f?.stat, 'fail_verify_san');
    assert.equal(tlsVerifyFailureReason(f!), 'TLS_error:|268435581:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED:verify cert failed: SAN matcher:TLS_error_end');
    // A DNS matcher does not look at URI SANs; ANY (match_subject_alt_names) looks at all.
    assert.equal(verifyPeerCertificate(cert, ok, validation({ ...trusted, sanMatchers: [{ type: 'DNS', match: (v) => v.startsWith('spiffe'), text: '' }] }), false)?.stat, 'fail_verify_san');
    assert.equal(verifyPeerCertificate(cert, ok, validation({ ...trusted, sanMatchers: [{ type: 'ANY', match: (v) => v.startsWith('spiffe'), text: '' }] }), false), undefined);
    assert.equal(verifyPeerCertificate(cert, ok, validation({ ...trusted, sanMatchers: [{ type: 'IP_ADDRESS', match: (v) => v === '10.0.0.1', text: '' }] }), false), undefined);
  });

  it('hash and SPKI pins: either list matching accepts', () => {
    const hash = cert.fingerprint256.replace(/:/g, '').toLowerCase();
    const spki = crypto.createHash('sha256').update(cert.publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
    assert.equal(verifyPeerCertificate(cert, ok, validation({ hashPins: [hash] }), false), undefined);
    assert.equal(verifyPeerCertificate(cert, ok, validation({ spkiPins: [spki] }), false), undefined);
    assert.equal(verifyPeerCertificate(cert, ok, validation({ hashPins: ['00'.repeat(32)], spkiPins: [spki] }), false), undefined);
    assert.equal(verifyPeerCertificate(cert, ok, validation({ hashPins: ['00'.repeat(32)] }), false)?.stat, 'fail_verify_cert_hash');
  });

  it('extracts SANs, the RFC 2253 subject, serial and fingerprint as Envoy prints them', () => {
    const f = certificateFacts(cert);
    assert.deepEqual(f.uriSans, ['spiffe://cluster.local/ns/default/sa/reviews']);
    assert.deepEqual(f.dnsSans, ['reviews.default.svc']);
    assert.equal(f.subject, 'CN=peer,O=weft test');
    assert.match(f.serial, /^[0-9a-f]+$/);
    assert.match(f.fingerprint256, /^[0-9a-f]{64}$/);
    assert.deepEqual(parseSubjectAltNames('DNS:a.b, URI:"spiffe://x/a,b", IP Address:::1, email:a@b'), [
      { type: 'DNS', value: 'a.b' }, { type: 'URI', value: 'spiffe://x/a,b' }, { type: 'IP_ADDRESS', value: '::1' }, { type: 'EMAIL', value: 'a@b' },
    ]);
  });

  it('reads the session id out of a serialised SSL_SESSION', () => {
    // SEQUENCE { INTEGER 1, INTEGER 0x0304, OCTET STRING 13 01, OCTET STRING ab cd }
    const der = Buffer.from('300d020101020203040402130104 02abcd'.replace(/ /g, ''), 'hex');
    assert.equal(sessionIdHex(der), 'abcd');
    assert.equal(sessionIdHex(Buffer.from('00', 'hex')), '');
  });
});
