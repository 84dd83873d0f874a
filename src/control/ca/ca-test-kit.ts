// Test helpers for the CA: CSRs built by an independent implementation
// (@peculiar/x509 over WebCrypto, a dev dependency, never loaded by weft
// itself), openssl runs, temporary folders.
import * as x509 from '@peculiar/x509';
import { spawnSync } from 'node:child_process';
import { webcrypto } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManualClock } from '../../common/clock.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export { x509 };

export type TestKeyAlg = 'P-256' | 'P-384' | 'RSA-2048' | 'RSA-1024' | 'Ed25519';

function algorithm(alg: TestKeyAlg): RsaHashedKeyGenParams | EcKeyGenParams | Algorithm {
  if (alg === 'P-256' || alg === 'P-384') return { name: 'ECDSA', namedCurve: alg, hash: alg === 'P-256' ? 'SHA-256' : 'SHA-384' } as EcKeyGenParams;
  if (alg === 'Ed25519') return { name: 'Ed25519' };
  return { name: 'RSASSA-PKCS1-v1_5', modulusLength: alg === 'RSA-2048' ? 2048 : 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' } as RsaHashedKeyGenParams;
}

/** A PEM CSR (and its key pair) asking for `uris` as URI SANs, built with @peculiar/x509. */
export async function makeCsr(uris: readonly string[], alg: TestKeyAlg = 'P-256', dnsNames: readonly string[] = []): Promise<{ pem: string; keys: CryptoKeyPair }> {
  const a = algorithm(alg);
  const keys = (await webcrypto.subtle.generateKey(a as EcKeyGenParams, true, ['sign', 'verify'])) as CryptoKeyPair;
  const names = [...uris.map((u) => ({ type: 'url' as const, value: u })), ...dnsNames.map((d) => ({ type: 'dns' as const, value: d }))];
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    keys,
    signingAlgorithm: a,
    extensions: names.length ? [new x509.SubjectAlternativeNameExtension(names)] : [],
  });
  return { pem: csr.toString('pem'), keys };
}

/** A manual clock whose wall time starts at the real now (certificates it dates are valid for real TLS peers). */
export function clockAtNow(): ManualClock {
  const c = new ManualClock();
  c.advance(Date.now() - c.wallNow());
  return c;
}

/** A fresh temporary folder, removed by the returned cleanup. */
export function tempDir(prefix = 'weft-ca-'): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Why openssl cannot be used here, or undefined when it can. */
export const OPENSSL_MISSING: string | undefined = spawnSync('openssl', ['version']).status === 0 ? undefined : 'openssl is not installed';

export function openssl(args: readonly string[], cwd?: string): { status: number; stdout: string; stderr: string } {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Runs openssl and throws with its stderr when it fails. */
export function opensslOk(args: readonly string[], cwd?: string): string {
  const r = openssl(args, cwd);
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/**
 * Writes an Istio `cacerts` set made with openssl (root → intermediate, as
 * Istio's tools/certs Makefile does) into `dir`: root-cert.pem, ca-cert.pem,
 * ca-key.pem, cert-chain.pem (intermediate then root).
 */
export function makeCacertsWithOpenssl(dir: string, opts: { intermediateDays?: number; intermediateIsCa?: boolean } = {}): void {
  fs.writeFileSync(path.join(dir, 'root.cnf'), [
    '[req]', 'distinguished_name = dn', 'prompt = no', 'x509_extensions = v3_root', '[dn]', 'O = Istio', 'CN = Root CA',
    '[v3_root]', 'basicConstraints = critical, CA:true', 'keyUsage = critical, keyCertSign, cRLSign', 'subjectKeyIdentifier = hash',
    '[v3_int]', `basicConstraints = critical, CA:${opts.intermediateIsCa === false ? 'false' : 'true, pathlen:0'}`,
    'keyUsage = critical, keyCertSign, cRLSign, digitalSignature', 'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid:always',
    '',
  ].join('\n'));
  opensslOk(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'root-key.pem'], dir);
  opensslOk(['req', '-new', '-x509', '-key', 'root-key.pem', '-sha256', '-days', '3650', '-config', 'root.cnf', '-out', 'root-cert.pem'], dir);
  opensslOk(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca-key.pem'], dir);
  opensslOk(['req', '-new', '-key', 'ca-key.pem', '-subj', '/O=Istio/CN=Intermediate CA/L=cluster1', '-out', 'ca.csr'], dir);
  opensslOk(['x509', '-req', '-in', 'ca.csr', '-CA', 'root-cert.pem', '-CAkey', 'root-key.pem', '-CAcreateserial', '-sha256',
    '-days', String(opts.intermediateDays ?? 730), '-extfile', 'root.cnf', '-extensions', 'v3_int', '-out', 'ca-cert.pem'], dir);
  fs.writeFileSync(path.join(dir, 'cert-chain.pem'), fs.readFileSync(path.join(dir, 'ca-cert.pem'), 'utf8') + fs.readFileSync(path.join(dir, 'root-cert.pem'), 'utf8'));
}
