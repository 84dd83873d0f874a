// The secrets folder: good credentials (Kubernetes TLS keys and Istio's
// generic keys), each kind of bad one refused with its file and code, the
// last good version kept when a credential goes bad, and the watcher seeing
// changes (fs events, and polling on an injected clock).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { ManualClock } from '../../common/clock.js';
import { tempDir } from '../ca/ca-test-kit.js';
import { serverCert } from './credential-test-kit.js';
import { readCredentialFolder } from './credential-folder.js';
import { CredentialSource } from './credential-source.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 0, 1);
/** A certificate valid around NOW (readCredentialFolder is given NOW). */
const serverCertAt = (cn: string) => serverCert(cn, NOW - DAY, NOW + 30 * DAY);

const { dir: root, cleanup } = tempDir('weft-secrets-');
after(cleanup);
let n = 0;
function folder(files: Record<string, Record<string, string>>): string {
  const dir = path.join(root, `s${n++}`);
  for (const [name, f] of Object.entries(files)) {
    fs.mkdirSync(path.join(dir, name), { recursive: true });
    for (const [file, text] of Object.entries(f)) fs.writeFileSync(path.join(dir, name, file), text);
  }
  return dir;
}

test('good credentials: tls.crt/tls.key/ca.crt, the generic cert/key/cacert, a CA-only secret; a missing folder is no credentials', async () => {
  const a = await serverCertAt('a.example.com');
  const b = await serverCertAt('b.example.com');
  const dir = folder({
    'a-credential': { 'tls.crt': a.cert, 'tls.key': a.key, 'ca.crt': b.cert },
    'b-credential': { cert: b.cert, key: b.key, cacert: a.cert },
    'b-credential-cacert': { 'ca.crt': a.cert },
  });
  const s = readCredentialFolder(dir, NOW);
  assert.deepEqual(s.issues, []);
  assert.deepEqual([...s.credentials.keys()], ['a-credential', 'b-credential', 'b-credential-cacert']);
  const ca = s.credentials.get('a-credential')!;
  assert.equal(ca.certChainPem, a.cert);
  assert.equal(ca.privateKeyPem, a.key);
  assert.equal(ca.caPem, b.cert);
  assert.equal(ca.notAfter, NOW + 30 * DAY);
  assert.equal(s.credentials.get('b-credential')!.certChainPem, b.cert);
  assert.equal(s.credentials.get('b-credential-cacert')!.certChainPem, undefined);
  assert.equal(s.credentials.get('b-credential-cacert')!.caPem, a.cert);
  assert.deepEqual(readCredentialFolder(path.join(root, 'absent'), NOW).credentials.size, 0);
});

test('bad credentials are refused with the file and a stable code: bad PEM, a key of another certificate, expired, not yet valid, half a pair, empty', async () => {
  const a = await serverCertAt('a.example.com');
  const b = await serverCertAt('b.example.com');
  const old = await serverCert('old.example.com', NOW - 30 * DAY, NOW - DAY);
  const future = await serverCert('future.example.com', NOW + DAY, NOW + 30 * DAY);
  const dir = folder({
    badpem: { 'tls.crt': '-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n', 'tls.key': a.key },
    nopem: { 'tls.crt': 'hello', 'tls.key': a.key },
    mismatch: { 'tls.crt': a.cert, 'tls.key': b.key },
    expired: { 'tls.crt': old.cert, 'tls.key': old.key },
    future: { 'tls.crt': future.cert, 'tls.key': future.key },
    badkey: { 'tls.crt': a.cert, 'tls.key': 'not a key' },
    nokey: { 'tls.crt': a.cert },
    empty: { 'README': 'nothing here' },
    badca: { 'tls.crt': a.cert, 'tls.key': a.key, 'ca.crt': 'garbage' },
  });
  const s = readCredentialFolder(dir, NOW);
  assert.equal(s.credentials.size, 0);
  const got = s.issues.map((i) => [i.name, i.code, path.relative(dir, i.path), i.keptLastGood]);
  assert.deepEqual(got, [
    ['badca', 'CREDENTIAL_PEM_INVALID', path.join('badca', 'ca.crt'), false],
    ['badkey', 'CREDENTIAL_KEY_INVALID', path.join('badkey', 'tls.key'), false],
    ['badpem', 'CREDENTIAL_PEM_INVALID', path.join('badpem', 'tls.crt'), false],
    ['empty', 'CREDENTIAL_EMPTY', 'empty', false],
    ['expired', 'CREDENTIAL_CERT_EXPIRED', path.join('expired', 'tls.crt'), false],
    ['future', 'CREDENTIAL_CERT_NOT_YET_VALID', path.join('future', 'tls.crt'), false],
    ['mismatch', 'CREDENTIAL_KEY_MISMATCH', path.join('mismatch', 'tls.key'), false],
    ['nokey', 'CREDENTIAL_INCOMPLETE', path.join('nokey', 'tls.key'), false],
    ['nopem', 'CREDENTIAL_PEM_INVALID', path.join('nopem', 'tls.crt'), false],
  ]);
});

test('a credential changed to something bad keeps its last good version (reported as kept); fixed, the new one is served', async () => {
  const a = await serverCertAt('a.example.com');
  const a2 = await serverCertAt('a.example.com');
  const dir = folder({ gw: { 'tls.crt': a.cert, 'tls.key': a.key } });
  const first = readCredentialFolder(dir, NOW);
  const good = first.credentials.get('gw')!;
  fs.writeFileSync(path.join(dir, 'gw', 'tls.key'), a2.key);
  const bad = readCredentialFolder(dir, NOW, first);
  assert.equal(bad.credentials.get('gw'), good, 'the last good object stays in force');
  assert.deepEqual(bad.issues.map((i) => [i.code, i.keptLastGood]), [['CREDENTIAL_KEY_MISMATCH', true]]);
  fs.writeFileSync(path.join(dir, 'gw', 'tls.crt'), a2.cert);
  const fixed = readCredentialFolder(dir, NOW, bad);
  assert.deepEqual(fixed.issues, []);
  assert.equal(fixed.credentials.get('gw')!.certChainPem, a2.cert);
  const again = readCredentialFolder(dir, NOW, fixed);
  assert.equal(again.credentials.get('gw'), fixed.credentials.get('gw'), 'unchanged files keep the same object (its encoding is reused)');
});

test('CredentialSource: a change inside a credential folder is seen through fs events and reported once settled', async () => {
  // The source checks validity against the real wall clock here.
  const a = await serverCert('a.example.com', Date.now() - DAY, Date.now() + DAY);
  const b = await serverCert('b.example.com', Date.now() - DAY, Date.now() + DAY);
  const dir = folder({ gw: { 'tls.crt': a.cert, 'tls.key': a.key } });
  const src = new CredentialSource(dir, { debounceMs: 20 });
  try {
    const s0 = await src.start();
    assert.equal(s0.credentials.get('gw')!.certChainPem, a.cert);
    const changed = new Promise<void>((resolve) => src.onChange((s) => {
      if (s.credentials.get('gw')?.certChainPem === b.cert) resolve();
    }));
    fs.writeFileSync(path.join(dir, 'gw', 'tls.key'), b.key);
    fs.writeFileSync(path.join(dir, 'gw', 'tls.crt'), b.cert);
    // The watchers do not hold the process open (persistent: false); this timer does, and fails the test if nothing comes.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([changed, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('no change seen within 5 s')), 5000)))]);
    clearTimeout(timer);
    assert.deepEqual(src.snapshot.issues, []);
  } finally {
    src.stop();
  }
});

test('CredentialSource polling on an injected clock: a new credential appears after the poll interval, not before', async () => {
  const clock = new ManualClock();
  const a = await serverCert('a.example.com', clock.wallNow() - DAY, clock.wallNow() + DAY);
  const dir = folder({});
  fs.mkdirSync(dir, { recursive: true });
  const src = new CredentialSource(dir, { poll: true, pollIntervalMs: 1000, clock });
  try {
    await src.start();
    assert.equal(src.snapshot.credentials.size, 0);
    const changed = new Promise<void>((resolve) => src.onChange(() => resolve()));
    fs.mkdirSync(path.join(dir, 'late'));
    fs.writeFileSync(path.join(dir, 'late', 'tls.crt'), a.cert);
    fs.writeFileSync(path.join(dir, 'late', 'tls.key'), a.key);
    clock.advance(999);
    await new Promise((r) => setImmediate(r));
    assert.equal(src.snapshot.credentials.size, 0, 'not before the interval');
    clock.advance(1);
    // The poll reads the folder asynchronously; this timer keeps the process up until it reports (or fails the test).
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([changed, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('no change seen within 5 s')), 5000)))]);
    clearTimeout(timer);
    assert.deepEqual([...src.snapshot.credentials.keys()], ['late']);
  } finally {
    src.stop();
  }
});
