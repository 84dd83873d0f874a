// Decodes and verifies PKCS#10 certificate signing requests (RFC 2986) with
// weft's DER reader: the CA needs only the public key, the requested SANs
// and the self-signature check, and a full ASN.1 library costs far more per
// request than the signature itself.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { CSR_SIGNATURE_HASHES, MIN_RSA_BITS, type KeyKind } from './algorithms.js';
import { CsrError } from './ca-error.js';
import { DER_TAG } from './der-writer.js';
import { derOid } from './der-writer.js';
import {
  derBitStringBytes, derChildren, derContent, derOidIs, derOidString, derRaw, expectTag, readRoot, readTlv, type DerNode,
} from './der-reader.js';
import { readGeneralNames } from './certificate-info.js';
import { pemDecodeOne } from './pem.js';
import { OID } from './x509-extensions.js';

export interface DecodedCsr {
  /** Raw DER SubjectPublicKeyInfo, copied into the certificate as is. */
  readonly spki: Buffer;
  readonly keyKind: KeyKind;
  /** URI SANs the request asks for (SPIFFE IDs); the CA checks them, never trusts them. */
  readonly uriSans: readonly string[];
  readonly dnsSans: readonly string[];
}

export interface DecodeCsrOptions {
  /**
   * Check the request's self-signature (proof that the caller holds the key).
   * Always on in the CA; off only in the benchmark's "issue only" figure.
   */
  verifySignature?: boolean;
}

// OIDs compared as DER bytes: building dotted strings per request showed in profiles
const EC_PUBLIC_KEY = derOid('1.2.840.10045.2.1');
const RSA_ENCRYPTION = derOid('1.2.840.113549.1.1.1');
const P256 = derOid('1.2.840.10045.3.1.7');
const P384 = derOid('1.3.132.0.34');
const EXTENSION_REQUEST = derOid(OID.extensionRequest);
const SUBJECT_ALT_NAME = derOid(OID.subjectAltName);
/** Signature algorithms by the latin1 string of their OID content bytes. */
const SIGNATURE_HASHES = new Map([...CSR_SIGNATURE_HASHES].map(([oid, v]) => [derOid(oid).subarray(2).toString('latin1'), { ...v, oid }]));

/** The key kind of a SubjectPublicKeyInfo, read from its algorithm (and RSA modulus size). */
function spkiKind(spki: DerNode): KeyKind {
  const [alg, bits] = derChildren(expectTag(spki, DER_TAG.sequence, 'subjectPublicKeyInfo'));
  const [algOid, params] = derChildren(expectTag(alg, DER_TAG.sequence, 'algorithm'));
  const key = derBitStringBytes(bits, 'subjectPublicKey');
  if (derOidIs(algOid, EC_PUBLIC_KEY)) {
    if (derOidIs(params, P256)) return 'ec-p256';
    if (derOidIs(params, P384)) return 'ec-p384';
    const curve = params?.tag === DER_TAG.oid ? derOidString(params) : 'implicit or explicit parameters';
    throw new CsrError('CSR_KEY_UNSUPPORTED', `ECDSA curve ${curve} is not supported (P-256 and P-384 are)`);
  }
  if (derOidIs(algOid, RSA_ENCRYPTION)) {
    const rsaKey = readRoot(key);
    const [modulus] = derChildren(expectTag(rsaKey, DER_TAG.sequence, 'RSAPublicKey'));
    const m = derContent(expectTag(modulus, DER_TAG.integer, 'modulus'));
    const bitsLen = (m.length - (m[0] === 0 ? 1 : 0)) * 8;
    if (bitsLen < MIN_RSA_BITS) throw new CsrError('CSR_KEY_UNSUPPORTED', `RSA key of ${bitsLen} bits (at least ${MIN_RSA_BITS} are required)`);
    return 'rsa';
  }
  throw new CsrError('CSR_KEY_UNSUPPORTED', `public key algorithm ${derOidString(algOid)} is not supported (ECDSA P-256/P-384 and RSA are)`);
}

/**
 * The public key as a KeyObject. An uncompressed EC point goes in as a JWK:
 * OpenSSL 3's SPKI decoder costs about twice as much as the JWK path (both
 * check the point), and this import is a third of a request's cost.
 */
function publicKeyOf(spki: Buffer, kind: KeyKind): KeyObject {
  if (kind !== 'rsa') {
    const size = kind === 'ec-p256' ? 32 : 48;
    const point = spki.subarray(spki.length - (2 * size + 1));
    if (point[0] === 0x04 && spki[spki.length - (2 * size + 1) - 1] === 0x00) {
      return createPublicKey({
        key: { kty: 'EC', crv: kind === 'ec-p256' ? 'P-256' : 'P-384', x: point.toString('base64url', 1, 1 + size), y: point.toString('base64url', 1 + size) },
        format: 'jwk',
      });
    }
  }
  return createPublicKey({ key: spki, format: 'der', type: 'spki' });
}

function decodeDer(der: Buffer, options: DecodeCsrOptions): DecodedCsr {
  const root = expectTag(readRoot(der), DER_TAG.sequence, 'CertificationRequest');
  const [info, sigAlg, sig] = derChildren(root);
  const f = derChildren(expectTag(info, DER_TAG.sequence, 'certificationRequestInfo'));
  const version = derContent(expectTag(f[0], DER_TAG.integer, 'version'));
  if (version.length !== 1 || version[0] !== 0) throw new CsrError('CSR_MALFORMED', 'CSR version must be 1 (0)');
  expectTag(f[1], DER_TAG.sequence, 'subject');
  const spkiNode = f[2];
  const keyKind = spkiKind(spkiNode);
  const uriSans: string[] = [];
  const dnsSans: string[] = [];
  if (f[3]) {
    for (const attr of derChildren(expectTag(f[3], 0xa0, 'attributes'))) {
      const [type, values] = derChildren(expectTag(attr, DER_TAG.sequence, 'attribute'));
      if (!derOidIs(type, EXTENSION_REQUEST)) continue;
      for (const exts of derChildren(expectTag(values, DER_TAG.set, 'attribute values'))) {
        for (const ext of derChildren(expectTag(exts, DER_TAG.sequence, 'extensions'))) {
          const parts = derChildren(ext);
          if (!derOidIs(parts[0], SUBJECT_ALT_NAME)) continue;
          const v = expectTag(parts[parts.length - 1], DER_TAG.octetString, 'subjectAltName');
          const names = readGeneralNames(readTlv(v.buf, v.contentStart, v.end));
          uriSans.push(...names.uris);
          dnsSans.push(...names.dns);
        }
      }
    }
  }
  const algOid = expectTag(derChildren(expectTag(sigAlg, DER_TAG.sequence, 'signatureAlgorithm'))[0], DER_TAG.oid, 'signature algorithm');
  const alg = SIGNATURE_HASHES.get(derContent(algOid).toString('latin1'));
  if (!alg) throw new CsrError('CSR_SIGNATURE_ALGORITHM_UNSUPPORTED', `signature algorithm ${derOidString(algOid)} is not supported`);
  if ((alg.family === 'rsa') !== (keyKind === 'rsa')) {
    throw new CsrError('CSR_SIGNATURE_ALGORITHM_UNSUPPORTED', `signature algorithm ${alg.oid} does not fit a ${keyKind} key`);
  }
  const signature = derBitStringBytes(sig, 'signature');
  const spki = derRaw(spkiNode);
  if (options.verifySignature !== false) {
    let ok: boolean;
    try {
      ok = verify(alg.hash, derRaw(info), publicKeyOf(spki, keyKind), signature);
    } catch (e) {
      throw new CsrError('CSR_SIGNATURE_INVALID', `CSR signature check failed: ${(e as Error).message}`);
    }
    if (!ok) throw new CsrError('CSR_SIGNATURE_INVALID', 'CSR signature does not verify with its own public key');
  }
  return { spki: Buffer.from(spki), keyKind, uriSans, dnsSans };
}

/**
 * Decodes a PEM CSR and (by default) verifies its signature. Every failure
 * is a CsrError: CSR_MALFORMED for anything that is not a well-formed
 * PKCS#10 request.
 */
export function decodeCsr(pem: string, options: DecodeCsrOptions = {}): DecodedCsr {
  const der = typeof pem === 'string' ? pemDecodeOne(pem, 'CERTIFICATE REQUEST') ?? pemDecodeOne(pem, 'NEW CERTIFICATE REQUEST') : undefined;
  if (!der) throw new CsrError('CSR_MALFORMED', 'expected exactly one CERTIFICATE REQUEST PEM block');
  try {
    return decodeDer(der, options);
  } catch (e) {
    if (e instanceof CsrError) throw e;
    throw new CsrError('CSR_MALFORMED', `not a PKCS#10 request: ${(e as Error).message}`);
  }
}
