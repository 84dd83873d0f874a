// Reads and checks CA inputs: the self-signed CA's own folder and Istio's
// plugged-in `cacerts` layout. Every problem is collected with its file path
// and a stable code, so an operator sees all of them in one run; nothing is
// used unless everything checks out.
import { X509Certificate, createHash, createPrivateKey, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { keyKind } from './algorithms.js';
import type { CaIssue } from './ca-error.js';
import { decodeCertificate, type CertificateInfo } from './certificate-info.js';
import { pemDecodeAll, pemEncode } from './pem.js';

/** File names of Istio's plugged-in CA layout (`cacerts` secret). */
export const PLUGGED_FILES = {
  signingCert: 'ca-cert.pem',
  signingKey: 'ca-key.pem',
  rootCert: 'root-cert.pem',
  certChain: 'cert-chain.pem',
} as const;

/**
 * File names of the self-signed CA's folder (the role of Istio's
 * `istio-ca-secret`): the signing root and its key, the trust bundle while a
 * rotation is under way, and a prepared next root.
 */
export const SELF_SIGNED_FILES = {
  signingCert: 'ca-cert.pem',
  signingKey: 'ca-key.pem',
  trustBundle: 'trust-bundle.pem',
  nextCert: 'next-ca-cert.pem',
  nextKey: 'next-ca-key.pem',
} as const;

/** A certificate as read: node's object (signature checks), weft's decoded fields, its PEM. */
export interface LoadedCert {
  readonly x509: X509Certificate;
  readonly info: CertificateInfo;
  readonly pem: string;
  /** SHA-256 of the DER, hex: how roots are named in the API. */
  readonly fingerprint: string;
}

export function loadedCert(der: Buffer): LoadedCert {
  return {
    x509: new X509Certificate(der),
    info: decodeCertificate(der),
    pem: pemEncode('CERTIFICATE', der),
    fingerprint: createHash('sha256').update(der).digest('hex'),
  };
}

/** Collects issues while reading one CA's files. */
export class CaFileReader {
  readonly issues: CaIssue[] = [];
  constructor(private readonly now: number) {}

  /** The file's text, or undefined (with an issue) when it is missing or unreadable. */
  read(file: string): string | undefined {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'CA_FILE_MISSING' : 'CA_FILE_UNREADABLE';
      this.issues.push({ path: file, code, reason: code === 'CA_FILE_MISSING' ? 'file does not exist' : (e as Error).message });
      return undefined;
    }
  }

  /** Every certificate in `text`; at least one is required. */
  certificates(file: string, text: string): LoadedCert[] {
    let ders: Buffer[];
    try {
      ders = pemDecodeAll(text, 'CERTIFICATE');
    } catch (e) {
      this.issues.push({ path: file, code: 'CA_PEM_INVALID', reason: (e as Error).message });
      return [];
    }
    if (ders.length === 0) {
      this.issues.push({ path: file, code: 'CA_PEM_INVALID', reason: 'no CERTIFICATE PEM block' });
      return [];
    }
    const out: LoadedCert[] = [];
    ders.forEach((der, i) => {
      try {
        out.push(loadedCert(der));
      } catch (e) {
        this.issues.push({ path: file, code: 'CA_CERT_INVALID', reason: `certificate ${i + 1} does not parse: ${(e as Error).message}` });
      }
    });
    return out;
  }

  /** Checks that `cert` may sign: inside its validity, basicConstraints cA. */
  checkCa(file: string, cert: LoadedCert, label = 'certificate'): void {
    this.checkValidity(file, cert, label);
    if (!cert.info.isCa) this.issues.push({ path: file, code: 'CA_CERT_NOT_CA', reason: `${label} is not a CA (basicConstraints cA is not true)` });
  }

  /** Checks that `now` is inside the certificate's validity (any certificate: CA or leaf). */
  checkValidity(file: string, cert: LoadedCert, label = 'certificate'): void {
    const { info } = cert;
    if (info.notAfter <= this.now) {
      this.issues.push({ path: file, code: 'CA_CERT_EXPIRED', reason: `${label} expired at ${new Date(info.notAfter).toISOString()}` });
    } else if (info.notBefore > this.now) {
      this.issues.push({ path: file, code: 'CA_CERT_NOT_YET_VALID', reason: `${label} is valid only from ${new Date(info.notBefore).toISOString()}` });
    }
  }

  /** The private key in `text`, if it parses and is a supported type. */
  privateKey(file: string, text: string): KeyObject | undefined {
    let key: KeyObject;
    try {
      key = createPrivateKey(text);
    } catch (e) {
      this.issues.push({ path: file, code: 'CA_KEY_INVALID', reason: `private key does not parse: ${(e as Error).message}` });
      return undefined;
    }
    const kind = keyKind(key);
    if (typeof kind !== 'string') {
      this.issues.push({ path: file, code: 'CA_KEY_UNSUPPORTED', reason: `unsupported key: ${kind.unsupported}` });
      return undefined;
    }
    return key;
  }

  /** Whether `key` is the private half of `cert`'s public key. */
  checkKeyMatches(keyFile: string, key: KeyObject, certFile: string, cert: LoadedCert): void {
    if (!cert.x509.checkPrivateKey(key)) {
      this.issues.push({ path: keyFile, code: 'CA_KEY_MISMATCH', reason: `key does not match the certificate in ${certFile}` });
    }
  }
}

/** Whether `child` was signed by `parent` (names chain and the signature verifies). */
export function issuedBy(child: LoadedCert, parent: LoadedCert): boolean {
  return child.info.issuerName.equals(parent.info.subjectName) && child.x509.verify(parent.x509.publicKey);
}

/** Writes `data` to `file` through a temporary file and a rename, so a crash never leaves half a key. */
export function writeFileAtomic(file: string, data: string, mode: number): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, data, { mode });
  fs.chmodSync(tmp, mode); // the umask may have narrowed it; never widen beyond `mode`
  fs.renameSync(tmp, file);
}

export const exists = (file: string): boolean => fs.existsSync(file);
