// Decodes and verifies PKCS#10 certificate signing requests (RFC 2986) with
// weft's DER reader: the CA needs only the public key, the requested SANs
// and the self-signature check, and a full ASN.1 library costs far more per
// request than the signature itself.
import { verify } from 'node:crypto';
import { CSR_SIGNATURE_HASHES, MIN_RSA_BITS, type KeyKind } from './algorithms.js';
import { CsrError } from './ca-error.js';
import { DER_TAG } from './der-writer.js';
import {
  derBitStringBytes, derChildren, derContent, derOidString, derRaw, expectTag, readRoot, readTlv, type DerNode,
} from './der-reader.js';
import { readGeneralNames } from './certificate-info.js';
import { pemDecodeAll } from './pem.js';
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

const CSR_LABELS = ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST'];
const EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const CURVES: Record<string, KeyKind> = { '1.2.840.10045.3.1.7': 'ec-p256', '1.3.132.0.34': 'ec-p384' };

/** The key kind of a SubjectPublicKeyInfo, read from its algorithm (and RSA modulus size). */
function spkiKind(spki: DerNode): KeyKind {
  const [alg, bits] = derChildren(expectTag(spki, DER_TAG.sequence, 'subjectPublicKeyInfo'));
  const [algOid, params] = derChildren(expectTag(alg, DER_TAG.sequence, 'algorithm'));
  const oid = derOidString(algOid);
  const key = derBitStringBytes(bits, 'subjectPublicKey');
  if (oid === EC_PUBLIC_KEY) {
    const curve = params?.tag === DER_TAG.oid ? derOidString(params) : 'implicit or explicit parameters';
    const kind = CURVES[curve];
    if (!kind) throw new CsrError('CSR_KEY_UNSUPPORTED', `ECDSA curve ${curve} is not supported (P-256 and P-384 are)`);
    return kind;
  }
  if (oid === RSA_ENCRYPTION) {
    const rsaKey = readRoot(key);
    const [modulus] = derChildren(expectTag(rsaKey, DER_TAG.sequence, 'RSAPublicKey'));
    const m = derContent(expectTag(modulus, DER_TAG.integer, 'modulus'));
    const bitsLen = (m.length - (m[0] === 0 ? 1 : 0)) * 8;
    if (bitsLen < MIN_RSA_BITS) throw new CsrError('CSR_KEY_UNSUPPORTED', `RSA key of ${bitsLen} bits (at least ${MIN_RSA_BITS} are required)`);
    return 'rsa';
  }
  throw new CsrError('CSR_KEY_UNSUPPORTED', `public key algorithm ${oid} is not supported (ECDSA P-256/P-384 and RSA are)`);
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
      if (derOidString(type) !== OID.extensionRequest) continue;
      for (const exts of derChildren(expectTag(values, DER_TAG.set, 'attribute values'))) {
        for (const ext of derChildren(expectTag(exts, DER_TAG.sequence, 'extensions'))) {
          const parts = derChildren(ext);
          if (derOidString(parts[0]) !== OID.subjectAltName) continue;
          const v = expectTag(parts[parts.length - 1], DER_TAG.octetString, 'subjectAltName');
          const names = readGeneralNames(readTlv(v.buf, v.contentStart, v.end));
          uriSans.push(...names.uris);
          dnsSans.push(...names.dns);
        }
      }
    }
  }
  const algOid = derOidString(derChildren(expectTag(sigAlg, DER_TAG.sequence, 'signatureAlgorithm'))[0]);
  const alg = CSR_SIGNATURE_HASHES.get(algOid);
  if (!alg) throw new CsrError('CSR_SIGNATURE_ALGORITHM_UNSUPPORTED', `signature algorithm ${algOid} is not supported`);
  if ((alg.family === 'rsa') !== (keyKind === 'rsa')) {
    throw new CsrError('CSR_SIGNATURE_ALGORITHM_UNSUPPORTED', `signature algorithm ${algOid} does not fit a ${keyKind} key`);
  }
  const signature = derBitStringBytes(sig, 'signature');
  const spki = derRaw(spkiNode);
  if (options.verifySignature !== false) {
    let ok: boolean;
    try {
      ok = verify(alg.hash, derRaw(info), { key: spki, format: 'der', type: 'spki' }, signature);
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
  let blocks: Buffer[];
  try {
    blocks = pemDecodeAll(pem, CSR_LABELS);
  } catch (e) {
    throw new CsrError('CSR_MALFORMED', (e as Error).message);
  }
  if (blocks.length !== 1) throw new CsrError('CSR_MALFORMED', `expected one CERTIFICATE REQUEST PEM block, found ${blocks.length}`);
  try {
    return decodeDer(blocks[0], options);
  } catch (e) {
    if (e instanceof CsrError) throw e;
    throw new CsrError('CSR_MALFORMED', `not a PKCS#10 request: ${(e as Error).message}`);
  }
}
