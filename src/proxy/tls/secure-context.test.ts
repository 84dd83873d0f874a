import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { MemorySecretStore } from './secret-store.js';
import { mergeValidation, SecureContextSource } from './secure-context.js';
import type { CommonTlsConfig, SdsRef, ValidationMaterial } from './tls-config.js';
import { makeTestPki, OPENSSL_MISSING, type TestPki } from './tls-test-kit.js';

const DEFAULT: SdsRef = { name: 'default', source: { kind: 'ads' } };
const ROOTCA: SdsRef = { name: 'ROOTCA', source: { kind: 'ads' } };

function validation(over: Partial<ValidationMaterial> = {}): ValidationMaterial {
  return { sanMatchers: [], spkiPins: [], hashPins: [], allowExpiredCertificate: false, acceptUntrusted: false, origin: 'test', ...over };
}

describe('SecureContextSource', { skip: OPENSSL_MISSING }, () => {
  let pki: TestPki;
  before(() => {
    pki = makeTestPki();
  });
  after(() => pki.cleanup());

  const common = (over: Partial<CommonTlsConfig> = {}): CommonTlsConfig => ({
    certificates: [{ kind: 'sds', ref: DEFAULT }],
    validation: { kind: 'sds', ref: ROOTCA, defaults: validation({ sanMatchers: [{ type: 'URI', match: (v) => v === 'spiffe://a', text: 'URI:a' }] }) },
    alpnProtocols: [],
    minVersion: 'TLSv1.2',
    maxVersion: 'TLSv1.3',
    ...over,
  });

  it('is not ready until its secrets arrive, then rebuilds once per change', () => {
    const store = new MemorySecretStore();
    let changes = 0;
    const src = new SecureContextSource(common(), store, 'server', { onSecretChange: () => changes++ });
    const first = src.current();
    assert.equal(first.ok, false);
    assert.match(!first.ok ? first.reason : '', /secret "default" \(ads\) is not ready/);
    const a = pki.issue('a', { uris: ['spiffe://a'] });
    store.set(DEFAULT, { kind: 'tls_certificate', certificate: { certChainPem: a.certPem, privateKeyPem: a.keyPem, origin: 'sds:default' } });
    store.set(ROOTCA, { kind: 'validation_context', validation: validation({ trustedCaPem: pki.root.certPem }) });
    const r1 = src.current();
    assert.ok(r1.ok);
    assert.equal(src.current(), r1, 'cached while nothing changes');
    // combined_validation_context: the default's SAN matchers with the secret's CA.
    assert.equal(r1.validation?.trustedCaPem, pki.root.certPem);
    assert.equal(r1.validation?.sanMatchers.length, 1);
    const b = pki.issue('b', { uris: ['spiffe://a'] });
    store.set(DEFAULT, { kind: 'tls_certificate', certificate: { certChainPem: b.certPem, privateKeyPem: b.keyPem, origin: 'sds:default' } });
    const r2 = src.current();
    assert.ok(r2.ok);
    assert.notEqual(r2.context, r1.context);
    assert.equal(r2.generation, r1.generation + 1);
    assert.equal(new X509Certificate(r2.certificates[0]!.certChainPem).serialNumber, new X509Certificate(b.certPem).serialNumber);
    assert.equal(changes, 3);
    store.set(ROOTCA, undefined);
    assert.equal(src.current().ok, false, 'a removed secret fails instead of serving without it');
    src.close();
    store.set(ROOTCA, { kind: 'validation_context', validation: validation({ trustedCaPem: pki.root.certPem }) });
    assert.equal(changes, 4, 'no notifications after close');
  });

  it('refuses a secret of the wrong kind', () => {
    const store = new MemorySecretStore();
    store.set(DEFAULT, { kind: 'validation_context', validation: validation() });
    const r = new SecureContextSource(common({ validation: undefined }), store, 'client').current();
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.reason : '', /not a TLS certificate/);
  });

  it('merges combined validation as protobuf MergeFrom: lists append, set scalars win', () => {
    const m = mergeValidation(validation({ hashPins: ['a'], allowExpiredCertificate: true }), validation({ hashPins: ['b'], trustedCaPem: 'X', origin: 'sds' }));
    assert.deepEqual(m.hashPins, ['a', 'b']);
    assert.equal(m.trustedCaPem, 'X');
    assert.equal(m.allowExpiredCertificate, true);
  });
});
