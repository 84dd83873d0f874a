import assert from 'node:assert/strict';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../common/clock.js';
import { CaError, CsrError } from './ca-error.js';
import { OPENSSL_MISSING, makeCacertsWithOpenssl, makeCsr, openssl, opensslOk, tempDir, x509 } from './ca-test-kit.js';
import { CertificateAuthority } from './certificate-authority.js';
import { decodeCertificate } from './certificate-info.js';
import { CA_DEFAULTS } from './defaults.js';

const ALICE = { namespace: 'default', serviceAccount: 'alice' };
const ALICE_ID = 'spiffe://cluster.local/ns/default/sa/alice';
const HOUR = 3600_000;

/** A manual clock whose wall time starts at the real now (so openssl, which uses real time, agrees). */
function clockAtNow(): ManualClock {
  const c = new ManualClock();
  c.advance(Date.now() - c.wallNow());
  return c;
}

const dirs: Array<() => void> = [];
function dir(): string {
  const t = tempDir();
  dirs.push(t.cleanup);
  return t.dir;
}
after(() => dirs.forEach((d) => d()));

function issueCodes(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof CaError, `expected CaError, got ${e}`);
    return e.issues.map((i) => `${path.basename(i.path)}:${i.code}`).sort();
  }
  assert.fail('no error thrown');
}

/** Writes the chain of `issued` into files and runs openssl verify against `rootPems`. */
function opensslVerify(work: string, rootPems: readonly string[], chain: readonly string[]): { status: number; stdout: string; stderr: string } {
  fs.writeFileSync(path.join(work, 'bundle.pem'), rootPems.join(''));
  fs.writeFileSync(path.join(work, 'leaf.pem'), chain[0]);
  fs.writeFileSync(path.join(work, 'untrusted.pem'), chain.slice(1).join(''));
  return openssl(['verify', '-x509_strict', '-CAfile', 'bundle.pem', '-untrusted', 'untrusted.pem', '-purpose', 'sslclient', 'leaf.pem'], work);
}

describe('self-signed CA', () => {
  it('generates a P-256 root at first start with a 0600 key, and a restart keeps the same root', async () => {
    const d = dir();
    const ca = CertificateAuthority.open({ kind: 'self-signed', dir: d }, { clock: clockAtNow() });
    const root = new X509Certificate(ca.trustBundle.current.roots[0]);
    assert.equal(root.ca, true);
    assert.equal(root.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.match(root.subject, /O=cluster\.local/);
    assert.equal(fs.statSync(path.join(d, 'ca-key.pem')).mode & 0o777, 0o600);
    const again = CertificateAuthority.open({ kind: 'self-signed', dir: d }, { clock: clockAtNow() });
    assert.deepEqual(again.trustBundle.current.roots, ca.trustBundle.current.roots);
    // a leaf issued before the restart verifies against the root after it
    const { pem } = await makeCsr([ALICE_ID]);
    const leaf = new X509Certificate(ca.sign(pem, ALICE).certChain[0]);
    assert.equal(leaf.verify(new X509Certificate(again.signingRootPem).publicKey), true);
  });

  it('issues leaves as Istio does: SPIFFE SAN (critical), empty subject, KU, EKU, CA:FALSE, AKI = root SKI, 24 h, 2 min skew', async () => {
    const clock = clockAtNow();
    const ca = CertificateAuthority.open({ kind: 'self-signed', dir: dir() }, { clock });
    const { pem } = await makeCsr([ALICE_ID]);
    const issued = ca.sign(pem, ALICE);
    assert.equal(issued.certChain.length, 2);
    assert.equal(issued.certChain[1], ca.signingRootPem);
    const leaf = new x509.X509Certificate(issued.certChain[0]);
    const info = decodeCertificate(Buffer.from(leaf.rawData));
    const rootInfo = decodeCertificate(Buffer.from(new x509.X509Certificate(ca.signingRootPem).rawData));
    assert.equal(leaf.subject, '');
    assert.deepEqual(info.uriSans, [ALICE_ID]);
    assert.deepEqual([...info.criticalExtensions].sort(), ['2.5.29.15', '2.5.29.17', '2.5.29.19']);
    assert.equal(info.isCa, false);
    assert.ok(rootInfo.subjectKeyId && info.authorityKeyId?.equals(rootInfo.subjectKeyId));
    assert.equal(info.subjectKeyId, undefined);
    const ku = new x509.KeyUsagesExtension(leaf.getExtension('2.5.29.15')!.rawData);
    assert.equal(ku.usages, x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment);
    const eku = new x509.ExtendedKeyUsageExtension(leaf.getExtension('2.5.29.37')!.rawData);
    assert.deepEqual([...eku.usages], ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    const now = Math.floor(clock.wallNow() / 1000) * 1000;
    assert.equal(info.notAfter, now + CA_DEFAULTS.defaultCertTtlMs);
    assert.equal(info.notBefore, now - CA_DEFAULTS.clockSkewGraceMs);
    assert.equal(await leaf.verify({ publicKey: new x509.X509Certificate(ca.signingRootPem).publicKey, signatureOnly: true }), true);
    assert.deepEqual(Buffer.from(leaf.publicKey.rawData), Buffer.from(new x509.Pkcs10CertificateRequest(pem).publicKey.rawData));
  });

  it('verifies with openssl (x509 -text and verify -purpose sslclient/sslserver)', { skip: OPENSSL_MISSING }, async () => {
    const d = dir();
    const ca = CertificateAuthority.open({ kind: 'self-signed', dir: path.join(d, 'ca') }, { clock: clockAtNow() });
    const { pem } = await makeCsr([ALICE_ID]);
    const chain = ca.sign(pem, ALICE).certChain;
    fs.writeFileSync(path.join(d, 'leaf.pem'), chain[0]);
    const text = opensslOk(['x509', '-in', 'leaf.pem', '-noout', '-text'], d);
    assert.match(text, /X509v3 Subject Alternative Name: critical\s+URI:spiffe:\/\/cluster\.local\/ns\/default\/sa\/alice/);
    assert.match(text, /X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment/);
    assert.match(text, /TLS Web Server Authentication, TLS Web Client Authentication/);
    assert.match(text, /X509v3 Basic Constraints: critical\s+CA:FALSE/);
    const v = opensslVerify(d, ca.trustBundle.current.roots, chain);
    assert.equal(v.status, 0, v.stderr + v.stdout);
    assert.equal(openssl(['verify', '-CAfile', 'bundle.pem', '-purpose', 'sslserver', 'leaf.pem'], d).status, 0);
  });

  it('generates an RSA 2048 root when asked, and signs P-256 CSRs with it', { skip: OPENSSL_MISSING }, async () => {
    const d = dir();
    const ca = CertificateAuthority.open({ kind: 'self-signed', dir: path.join(d, 'ca') }, { clock: clockAtNow(), rootKeyType: 'rsa' });
    assert.equal(new X509Certificate(ca.signingRootPem).publicKey.asymmetricKeyDetails?.modulusLength, 2048);
    const { pem } = await makeCsr([ALICE_ID]);
    const v = opensslVerify(d, ca.trustBundle.current.roots, ca.sign(pem, ALICE).certChain);
    assert.equal(v.status, 0, v.stderr);
  });

  it('honours a requested TTL, uses the default for 0, refuses one above the maximum', async () => {
    const clock = clockAtNow();
    const ca = CertificateAuthority.open({ kind: 'self-signed', dir: dir() }, { clock, maxCertTtlMs: 48 * HOUR });
    const { pem } = await makeCsr([ALICE_ID]);
    const now = Math.floor(clock.wallNow() / 1000) * 1000;
    assert.equal(ca.sign(pem, ALICE, { ttlMs: HOUR }).notAfter, now + HOUR);
    assert.equal(ca.sign(pem, ALICE, { ttlMs: 0 }).notAfter, now + 24 * HOUR);
    assert.throws(() => ca.sign(pem, ALICE, { ttlMs: 49 * HOUR }), (e: unknown) => e instanceof CsrError && e.code === 'CSR_TTL_TOO_LONG');
  });

  let bob = '', otherDomain = '', withDns = '', noSan = '';
  before(async () => {
    bob = (await makeCsr(['spiffe://cluster.local/ns/default/sa/bob'])).pem;
    otherDomain = (await makeCsr(['spiffe://other.domain/ns/default/sa/alice'])).pem;
    withDns = (await makeCsr([ALICE_ID], 'P-256', ['alice.default.svc'])).pem;
    noSan = (await makeCsr([])).pem;
  });
  it('refuses a CSR naming another identity, another trust domain or a DNS name; accepts one with no SAN', async () => {
    const ca = CertificateAuthority.open({ kind: 'self-signed', dir: dir() }, { clock: clockAtNow() });
    const mismatch = (e: unknown) => e instanceof CsrError && e.code === 'CSR_IDENTITY_MISMATCH';
    assert.throws(() => ca.sign(bob, ALICE), mismatch);
    assert.throws(() => ca.sign(otherDomain, ALICE), mismatch);
    assert.throws(() => ca.sign(withDns, ALICE), mismatch);
    const chain = ca.sign(noSan, ALICE).certChain;
    assert.deepEqual(decodeCertificate(Buffer.from(new x509.X509Certificate(chain[0]).rawData)).uriSans, [ALICE_ID]);
  });

  it('refuses bad options with CA_OPTIONS_INVALID', () => {
    assert.throws(() => CertificateAuthority.open({ kind: 'self-signed', dir: dir() }, { trustDomain: 'Bad Domain' }),
      (e: unknown) => e instanceof CaError && e.code === 'CA_OPTIONS_INVALID');
    assert.throws(() => CertificateAuthority.open({ kind: 'self-signed', dir: dir() }, { defaultCertTtlMs: 10 * HOUR, maxCertTtlMs: HOUR }),
      (e: unknown) => e instanceof CaError && e.code === 'CA_OPTIONS_INVALID');
  });

  it('refuses its folder with every problem named: a key that does not match, an expired root, a half-present pair', () => {
    const d = dir();
    CertificateAuthority.open({ kind: 'self-signed', dir: d }, { clock: clockAtNow() });
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    fs.writeFileSync(path.join(d, 'ca-key.pem'), other);
    const late = clockAtNow();
    late.advance(CA_DEFAULTS.rootCertTtlMs + HOUR);
    assert.deepEqual(issueCodes(() => CertificateAuthority.open({ kind: 'self-signed', dir: d }, { clock: late })),
      ['ca-cert.pem:CA_CERT_EXPIRED', 'ca-key.pem:CA_KEY_MISMATCH']);
    fs.rmSync(path.join(d, 'ca-cert.pem'));
    assert.deepEqual(issueCodes(() => CertificateAuthority.open({ kind: 'self-signed', dir: d }, { clock: clockAtNow() })),
      ['ca-cert.pem:CA_FILE_MISSING']);
  });
});

describe('plugged-in CA (Istio cacerts layout)', { skip: OPENSSL_MISSING }, () => {
  it('signs with the intermediate and serves leaf, intermediate, root; openssl verifies the chain', async () => {
    const d = dir();
    makeCacertsWithOpenssl(d);
    const ca = CertificateAuthority.open({ kind: 'plugged', dir: d }, { clock: clockAtNow() });
    const { pem } = await makeCsr([ALICE_ID]);
    const chain = ca.sign(pem, ALICE).certChain;
    assert.equal(chain.length, 3);
    assert.equal(chain[1], new X509Certificate(fs.readFileSync(path.join(d, 'ca-cert.pem'))).toString());
    assert.equal(chain[2], new X509Certificate(fs.readFileSync(path.join(d, 'root-cert.pem'))).toString());
    assert.deepEqual(ca.trustBundle.current.roots, [chain[2]]);
    const v = opensslVerify(d, ca.trustBundle.current.roots, chain);
    assert.equal(v.status, 0, v.stderr + v.stdout);
    // the leaf alone (no intermediate) does not verify: the chain really is needed
    assert.notEqual(openssl(['verify', '-CAfile', 'bundle.pem', 'leaf.pem'], d).status, 0);
    // AKI of the leaf is the intermediate's SKI
    const leafInfo = decodeCertificate(new X509Certificate(chain[0]).raw);
    const intInfo = decodeCertificate(new X509Certificate(chain[1]).raw);
    assert.ok(intInfo.subjectKeyId && leafInfo.authorityKeyId?.equals(intInfo.subjectKeyId));
  });

  it('refuses a signing certificate that is not a CA (basicConstraints)', () => {
    const d = dir();
    makeCacertsWithOpenssl(d, { intermediateIsCa: false });
    assert.deepEqual(issueCodes(() => CertificateAuthority.open({ kind: 'plugged', dir: d }, { clock: clockAtNow() })), ['ca-cert.pem:CA_CERT_NOT_CA']);
  });

  it('refuses an expired signing certificate', () => {
    const d = dir();
    makeCacertsWithOpenssl(d, { intermediateDays: 1 });
    const late = clockAtNow();
    late.advance(2 * 24 * HOUR);
    assert.deepEqual(issueCodes(() => CertificateAuthority.open({ kind: 'plugged', dir: d }, { clock: late })), ['ca-cert.pem:CA_CERT_EXPIRED']);
  });

  it('reports every bad file at once: wrong key, unsupported key type, missing chain, broken chain', () => {
    const d = dir();
    makeCacertsWithOpenssl(d);
    const wrong = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    fs.writeFileSync(path.join(d, 'ca-key.pem'), wrong);
    fs.rmSync(path.join(d, 'cert-chain.pem'));
    assert.deepEqual(issueCodes(() => CertificateAuthority.open({ kind: 'plugged', dir: d }, { clock: clockAtNow() })),
      ['ca-key.pem:CA_KEY_MISMATCH', 'cert-chain.pem:CA_FILE_MISSING']);

    const ed = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    fs.writeFileSync(path.join(d, 'ca-key.pem'), ed);
    fs.writeFileSync(path.join(d, 'cert-chain.pem'), fs.readFileSync(path.join(d, 'root-cert.pem'))); // does not begin with ca-cert.pem
    assert.deepEqual(issueCodes(() => CertificateAuthority.open({ kind: 'plugged', dir: d }, { clock: clockAtNow() })),
      ['ca-key.pem:CA_KEY_UNSUPPORTED', 'cert-chain.pem:CA_CHAIN_INVALID']);

    fs.writeFileSync(path.join(d, 'root-cert.pem'), 'not a certificate');
    assert.ok(issueCodes(() => CertificateAuthority.open({ kind: 'plugged', dir: d }, { clock: clockAtNow() })).includes('root-cert.pem:CA_PEM_INVALID'));
  });

  it('refuses root rotation on a plugged-in CA (the operator replaces the files)', () => {
    const d = dir();
    makeCacertsWithOpenssl(d);
    const ca = CertificateAuthority.open({ kind: 'plugged', dir: d }, { clock: clockAtNow() });
    assert.throws(() => ca.beginRootRotation(), (e: unknown) => e instanceof CaError && e.code === 'CA_ROTATION_UNSUPPORTED');
  });
});

describe('root rotation', () => {
  it('trusts the new root before it signs, keeps both during the overlap, retires the old one only after its leaves expired', { skip: OPENSSL_MISSING }, async () => {
    const d = dir();
    const caDir = path.join(d, 'ca');
    const clock = clockAtNow();
    const ca = CertificateAuthority.open({ kind: 'self-signed', dir: caDir }, { clock, defaultCertTtlMs: HOUR, maxCertTtlMs: 2 * HOUR });
    const versions: number[] = [];
    ca.trustBundle.onChange((b) => versions.push(b.version));
    const oldRoot = ca.rootStatus()[0].fingerprint;
    const { pem } = await makeCsr([ALICE_ID]);
    const oldLeaf = ca.sign(pem, ALICE).certChain;

    const nextFp = ca.beginRootRotation();
    assert.equal(ca.trustBundle.current.roots.length, 2);
    assert.deepEqual(versions, [2]);
    // prepared, not signing: leaves still chain to the old root
    assert.equal(ca.sign(pem, ALICE).certChain[1], oldLeaf[1]);
    assert.deepEqual(ca.rootStatus().map((r) => [r.signing, r.next]), [[true, false], [false, true]]);

    // a restart in the middle of a rotation keeps both roots and the prepared one
    const reopened = CertificateAuthority.open({ kind: 'self-signed', dir: caDir }, { clock, defaultCertTtlMs: HOUR, maxCertTtlMs: 2 * HOUR });
    assert.deepEqual(reopened.trustBundle.current.roots, ca.trustBundle.current.roots);
    assert.equal(reopened.rootStatus()[1].next, true);

    ca.activateNextRoot();
    const newLeaf = ca.sign(pem, ALICE).certChain;
    assert.notEqual(newLeaf[1], oldLeaf[1]);
    assert.equal(ca.rootStatus().find((r) => r.signing)?.fingerprint, nextFp);
    // both leaves verify against the bundle during the overlap
    const bundle = ca.trustBundle.current.roots;
    assert.equal(opensslVerify(path.join(d), bundle, oldLeaf).status, 0);
    assert.equal(opensslVerify(path.join(d), bundle, newLeaf).status, 0);
    // and the overlap is what makes it work: the old root alone does not trust the new leaf
    assert.notEqual(opensslVerify(path.join(d), [oldLeaf[1]], newLeaf).status, 0);

    assert.throws(() => ca.retireRoot(nextFp), (e: unknown) => e instanceof CaError && e.code === 'CA_ROOT_STILL_NEEDED');
    assert.throws(() => ca.retireRoot(oldRoot), (e: unknown) => e instanceof CaError && e.code === 'CA_ROOT_STILL_NEEDED');
    clock.advance(HOUR + 1000); // every leaf of the old root has expired
    ca.retireRoot(oldRoot);
    assert.deepEqual(ca.trustBundle.current.roots, [newLeaf[1]]);
    assert.deepEqual(versions, [2, 3]);
    // the new root alone is what a restart sees
    const last = CertificateAuthority.open({ kind: 'self-signed', dir: caDir }, { clock });
    assert.deepEqual(last.trustBundle.current.roots, [newLeaf[1]]);
    assert.equal(last.signingRootPem, newLeaf[1]);
    assert.throws(() => ca.retireRoot('00'), (e: unknown) => e instanceof CaError && e.code === 'CA_ROOT_UNKNOWN');
  });

  it('refuses to start a second rotation or activate without one', () => {
    const ca = CertificateAuthority.open({ kind: 'self-signed', dir: dir() }, { clock: clockAtNow() });
    assert.throws(() => ca.activateNextRoot(), (e: unknown) => e instanceof CaError && e.code === 'CA_ROTATION_NOT_STARTED');
    ca.beginRootRotation();
    assert.throws(() => ca.beginRootRotation(), (e: unknown) => e instanceof CaError && e.code === 'CA_ROTATION_IN_PROGRESS');
  });

  it('completes an activation that a crash interrupted between the key and the certificate write', () => {
    const d = dir();
    const clock = clockAtNow();
    const ca = CertificateAuthority.open({ kind: 'self-signed', dir: d }, { clock });
    ca.beginRootRotation();
    const nextCert = fs.readFileSync(path.join(d, 'next-ca-cert.pem'), 'utf8');
    fs.copyFileSync(path.join(d, 'next-ca-key.pem'), path.join(d, 'ca-key.pem')); // the first write of activateNextRoot
    const reopened = CertificateAuthority.open({ kind: 'self-signed', dir: d }, { clock });
    assert.equal(reopened.signingRootPem, nextCert);
    assert.equal(fs.existsSync(path.join(d, 'next-ca-key.pem')), false);
  });
});
