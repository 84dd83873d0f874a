// Builds and signs X.509 v3 certificates from pre-encoded parts. Used for the
// self-signed root, the CA's own serving certificate and (through
// leaf-issuer.ts, which caches the constant parts) every workload leaf.
import { randomFillSync, sign, type KeyObject } from 'node:crypto';
import { derBitString, derContext, derSequence, derTime, derUnsignedInteger } from './der-writer.js';
import type { SignatureScheme } from './algorithms.js';

/** [0] EXPLICIT INTEGER 2: X.509 v3. */
export const VERSION_V3 = derContext(0, true, Buffer.from([0x02, 0x01, 0x02]));

/** Who signs: the key, how it signs, its subject Name (the issuer of what it signs) and key identifier. */
export interface Signer {
  readonly key: KeyObject;
  readonly scheme: SignatureScheme;
  /** Raw DER Name; becomes the issuer of every certificate signed. */
  readonly subjectName: Buffer;
  /** The signer's subject key identifier; written as the authority key identifier when set. */
  readonly keyId: Buffer | undefined;
}

const SERIAL_POOL_BYTES = 16 * 256;
let serialPool = Buffer.allocUnsafe(0);
let serialPos = 0;

/**
 * A fresh positive 128-bit serial (Istio draws below 2^128). Random bytes
 * are taken from a pool refilled 256 serials at a time, since one
 * randomFillSync call per certificate showed in the profile.
 */
export function randomSerial(): Buffer {
  if (serialPos + 16 > serialPool.length) {
    serialPool = randomFillSync(Buffer.allocUnsafe(SERIAL_POOL_BYTES));
    serialPos = 0;
  }
  const s = serialPool.subarray(serialPos, serialPos + 16);
  serialPos += 16;
  s[0] = (s[0] & 0x7f) | 0x01 << 6; // top bit clear (positive) and second set (no leading zero to strip)
  return derUnsignedInteger(s);
}

/** The DER Validity SEQUENCE. */
export function derValidity(notBefore: number, notAfter: number): Buffer {
  return derSequence(derTime(notBefore), derTime(notAfter));
}

/** Signs a TBSCertificate and wraps it into a Certificate. */
export function signTbs(tbs: Buffer, signer: Signer): Buffer {
  const signature = sign(signer.scheme.hash, tbs, signer.key);
  return derSequence(tbs, signer.scheme.algorithmIdentifier, derBitString(signature));
}

export interface CertificateFields {
  notBefore: number;
  notAfter: number;
  subjectName: Buffer;
  spki: Buffer;
  /** Encoded Extension TLVs, in order. */
  extensions: readonly Buffer[];
}

/** A whole certificate signed by `signer` (for the root and serving certificates; leaves use LeafIssuer). */
export function buildCertificate(fields: CertificateFields, signer: Signer): Buffer {
  const tbs = derSequence(
    VERSION_V3,
    randomSerial(),
    signer.scheme.algorithmIdentifier,
    signer.subjectName,
    derValidity(fields.notBefore, fields.notAfter),
    fields.subjectName,
    fields.spki,
    derContext(3, true, derSequence(...fields.extensions)),
  );
  return signTbs(tbs, signer);
}
