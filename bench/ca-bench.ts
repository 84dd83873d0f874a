// Certificate issuance rate of weft's CA on one core: raw ECDSA P-256
// signing (the floor), issuing without and with CSR signature verification
// (the real path: PEM decode, PKCS#10 decode, verify, build, sign, PEM
// encode), and @peculiar/x509 building the same leaf (the library the issue
// measured). Medians of --runs runs. Each rate is given per wall-clock second
// and per CPU second of this process (process.cpuUsage): on a shared machine
// the second is what one idle core would do.
// Usage: taskset -c 0 node dist/bench/ca-bench.js [--certs 10000] [--runs 3] [--csrs 1000]
import * as x509 from '@peculiar/x509';
import { createPublicKey, generateKeyPairSync, sign, webcrypto } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { CertificateAuthority, buildCsr, spiffeId } from '../src/control/ca/index.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const CERTS = arg('certs', 10_000);
const RUNS = arg('runs', 3);
const CSRS = arg('csrs', 1000);
const PECULIAR_CERTS = arg('peculiar-certs', 300);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-ca-bench-'));
try {
  const ca = CertificateAuthority.open({ kind: 'self-signed', dir });
  const identities = Array.from({ length: CSRS }, (_, i) => ({ namespace: 'bench', serviceAccount: `sa-${i}` }));
  const csrs = identities.map((id) => buildCsr(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey, { uris: [spiffeId(ca.trustDomain, id)] }));

  type Rate = { wall: number; cpu: number };
  const measure = async (n: number, fn: (i: number) => unknown): Promise<Rate> => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) await fn(i);
    const c = process.cpuUsage(c0);
    return { wall: n / ((performance.now() - t0) / 1000), cpu: n / ((c.user + c.system) / 1e6) };
  };
  const rate = (n: number, fn: (i: number) => void): Promise<Rate> => {
    for (let i = 0; i < Math.min(500, n); i++) fn(i); // warm-up (JIT)
    return measure(n, fn);
  };

  // the floor: one P-256 signature over a TBSCertificate-sized message
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const tbs = Buffer.alloc(420, 7);
  const rows: Array<[string, Rate[]]> = [
    ['raw ECDSA P-256 sign (420 B)', []],
    ['issue, CSR signature not verified', []],
    ['issue, CSR verified (the CA path)', []],
    ['@peculiar/x509 issue (no CSR parse)', []],
  ];
  x509.cryptoProvider.set(webcrypto as unknown as Crypto);
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const caKeys = (await webcrypto.subtle.generateKey(alg, false, ['sign', 'verify'])) as CryptoKeyPair;
  const leafKey = await webcrypto.subtle.importKey('spki', createPublicKey(privateKey).export({ type: 'spki', format: 'der' }), alg, true, ['verify']);
  for (let r = 0; r < RUNS; r++) {
    rows[0][1].push(await rate(CERTS, () => { sign('sha256', tbs, privateKey); }));
    rows[1][1].push(await rate(CERTS, (i) => { ca.sign(csrs[i % CSRS], identities[i % CSRS], { verifySignature: false }); }));
    rows[2][1].push(await rate(CERTS, (i) => { ca.sign(csrs[i % CSRS], identities[i % CSRS]); }));
    rows[3][1].push(await measure(PECULIAR_CERTS, async (i) => {
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: (i + 1).toString(16).padStart(2, '0'), subject: '', issuer: 'O=cluster.local',
        notBefore: new Date(), notAfter: new Date(Date.now() + 86400_000), signingAlgorithm: alg,
        publicKey: leafKey, signingKey: caKeys.privateKey,
        extensions: [
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
          new x509.ExtendedKeyUsageExtension(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']),
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.SubjectAlternativeNameExtension([{ type: 'url', value: 'spiffe://cluster.local/ns/bench/sa/x' }], true),
        ],
      });
      return cert.toString('pem');
    }));
  }
  console.log(`weft CA issuance, ${CERTS} certificates per run (${PECULIAR_CERTS} for @peculiar/x509), median of ${RUNS} runs, node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'}`);
  console.log(`${'case'.padEnd(40)} ${'per wall s'.padStart(11)} ${'per CPU s'.padStart(10)}   CPU-s runs`);
  for (const [name, xs] of rows) {
    const wall = median(xs.map((x) => x.wall));
    const cpu = median(xs.map((x) => x.cpu));
    console.log(`${name.padEnd(40)} ${wall.toFixed(0).padStart(11)} ${cpu.toFixed(0).padStart(10)}   ${xs.map((x) => x.cpu.toFixed(0)).join(' / ')}`);
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
