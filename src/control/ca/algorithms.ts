// The key types and signature algorithms the CA accepts, in one place:
// ECDSA P-256 (Istio's default for workloads and weft's default root),
// ECDSA P-384 and RSA of at least 2048 bits. Anything else is refused by name.
import type { KeyObject } from 'node:crypto';
import { derNull, derOid, derSequence } from './der-writer.js';

export type KeyKind = 'ec-p256' | 'ec-p384' | 'rsa';

/** How one key type signs: the hash node:crypto uses and the AlgorithmIdentifier written into certificates. */
export interface SignatureScheme {
  readonly kind: KeyKind;
  readonly hash: 'sha256' | 'sha384';
  /** DER AlgorithmIdentifier of the signature. */
  readonly algorithmIdentifier: Buffer;
}

const ECDSA_SHA256 = '1.2.840.10045.4.3.2';
const ECDSA_SHA384 = '1.2.840.10045.4.3.3';
const ECDSA_SHA512 = '1.2.840.10045.4.3.4';
const RSA_SHA256 = '1.2.840.113549.1.1.11';
const RSA_SHA384 = '1.2.840.113549.1.1.12';
const RSA_SHA512 = '1.2.840.113549.1.1.13';

/** RFC 5758: ECDSA identifiers have no parameters; RFC 4055: RSA PKCS#1 v1.5 ones have NULL. */
const SCHEMES: Record<KeyKind, SignatureScheme> = {
  'ec-p256': { kind: 'ec-p256', hash: 'sha256', algorithmIdentifier: derSequence(derOid(ECDSA_SHA256)) },
  'ec-p384': { kind: 'ec-p384', hash: 'sha384', algorithmIdentifier: derSequence(derOid(ECDSA_SHA384)) },
  rsa: { kind: 'rsa', hash: 'sha256', algorithmIdentifier: derSequence(derOid(RSA_SHA256), derNull()) },
};

/** Signature algorithms accepted on CSRs, by OID, with the hash to verify with. */
export const CSR_SIGNATURE_HASHES: ReadonlyMap<string, { hash: string; family: 'ec' | 'rsa' }> = new Map([
  [ECDSA_SHA256, { hash: 'sha256', family: 'ec' }],
  [ECDSA_SHA384, { hash: 'sha384', family: 'ec' }],
  [ECDSA_SHA512, { hash: 'sha512', family: 'ec' }],
  [RSA_SHA256, { hash: 'sha256', family: 'rsa' }],
  [RSA_SHA384, { hash: 'sha384', family: 'rsa' }],
  [RSA_SHA512, { hash: 'sha512', family: 'rsa' }],
]);

/** Smallest RSA modulus accepted (Istio's default key size, and NIST's floor). */
export const MIN_RSA_BITS = 2048;

/** The kind of a key (private or public), or a reason it is not supported. */
export function keyKind(key: KeyObject): KeyKind | { unsupported: string } {
  const type = key.asymmetricKeyType;
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return 'ec-p256';
    if (curve === 'secp384r1') return 'ec-p384';
    return { unsupported: `ECDSA curve ${curve ?? 'unknown'} (P-256 and P-384 are supported)` };
  }
  if (type === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    return bits >= MIN_RSA_BITS ? 'rsa' : { unsupported: `RSA key of ${bits} bits (at least ${MIN_RSA_BITS} are required)` };
  }
  return { unsupported: `key type ${type ?? 'unknown'} (ECDSA P-256/P-384 and RSA are supported)` };
}

export function signatureScheme(kind: KeyKind): SignatureScheme {
  return SCHEMES[kind];
}
