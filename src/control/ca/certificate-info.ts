// Reads the certificate fields the CA needs from DER: names as raw bytes (a
// leaf's issuer is its signer's subject, byte for byte), validity, key
// identifiers, basic constraints and SANs. Signature checks use node:crypto's
// X509Certificate; this is only the field access it does not offer.
import { DER_TAG } from './der-writer.js';
import {
  DerError, derBitStringBytes, derBooleanValue, derChildren, derContent, derOidString, derRaw, derTimeValue,
  expectTag, readRoot, readTlv, type DerNode,
} from './der-reader.js';
import { OID } from './x509-extensions.js';

export interface CertificateInfo {
  readonly der: Buffer;
  readonly serialHex: string;
  /** Raw DER of the issuer and subject Names. */
  readonly issuerName: Buffer;
  readonly subjectName: Buffer;
  readonly notBefore: number;
  readonly notAfter: number;
  /** Raw DER SubjectPublicKeyInfo. */
  readonly spki: Buffer;
  readonly subjectKeyId: Buffer | undefined;
  readonly authorityKeyId: Buffer | undefined;
  /** basicConstraints cA; false when the extension is absent. */
  readonly isCa: boolean;
  readonly uriSans: readonly string[];
  readonly dnsSans: readonly string[];
  /** OIDs of the extensions marked critical. */
  readonly criticalExtensions: readonly string[];
}

/** The general names of a GeneralNames SEQUENCE: [6] URIs and [2] DNS names. */
export function readGeneralNames(node: DerNode): { uris: string[]; dns: string[] } {
  expectTag(node, DER_TAG.sequence, 'GeneralNames');
  const uris: string[] = [];
  const dns: string[] = [];
  for (const g of derChildren(node)) {
    if (g.tag === 0x86) uris.push(derContent(g).toString('latin1'));
    else if (g.tag === 0x82) dns.push(derContent(g).toString('latin1'));
  }
  return { uris, dns };
}

/** Decodes a DER certificate; throws DerError when it is not one. */
export function decodeCertificate(der: Buffer): CertificateInfo {
  const cert = expectTag(readRoot(der), DER_TAG.sequence, 'Certificate');
  const [tbs] = derChildren(cert);
  const f = derChildren(expectTag(tbs, DER_TAG.sequence, 'TBSCertificate'));
  let i = 0;
  if (f[0]?.tag === 0xa0) i++; // [0] version
  const serial = expectTag(f[i++], DER_TAG.integer, 'serialNumber');
  i++; // signature AlgorithmIdentifier
  const issuer = expectTag(f[i++], DER_TAG.sequence, 'issuer');
  const validity = derChildren(expectTag(f[i++], DER_TAG.sequence, 'validity'));
  if (validity.length !== 2) throw new DerError('validity must hold two times');
  const subject = expectTag(f[i++], DER_TAG.sequence, 'subject');
  const spki = expectTag(f[i++], DER_TAG.sequence, 'subjectPublicKeyInfo');
  let subjectKeyId: Buffer | undefined;
  let authorityKeyId: Buffer | undefined;
  let isCa = false;
  const uriSans: string[] = [];
  const dnsSans: string[] = [];
  const critical: string[] = [];
  for (; i < f.length; i++) {
    if (f[i].tag !== 0xa3) continue; // [1]/[2] unique IDs
    const [exts] = derChildren(f[i]);
    for (const ext of derChildren(expectTag(exts, DER_TAG.sequence, 'extensions'))) {
      const parts = derChildren(ext);
      const oid = derOidString(parts[0]);
      const crit = parts.length === 3 && derBooleanValue(parts[1]);
      if (crit) critical.push(oid);
      const valueNode = expectTag(parts[parts.length - 1], DER_TAG.octetString, `extension ${oid}`);
      const value = readTlv(valueNode.buf, valueNode.contentStart, valueNode.end);
      if (oid === OID.subjectKeyIdentifier) {
        subjectKeyId = Buffer.from(derContent(expectTag(value, DER_TAG.octetString, 'subjectKeyIdentifier')));
      } else if (oid === OID.authorityKeyIdentifier) {
        const kid = derChildren(value).find((c) => c.tag === 0x80);
        if (kid) authorityKeyId = Buffer.from(derContent(kid));
      } else if (oid === OID.basicConstraints) {
        const bc = derChildren(value);
        isCa = bc[0]?.tag === DER_TAG.boolean && derBooleanValue(bc[0]);
      } else if (oid === OID.subjectAltName) {
        const names = readGeneralNames(value);
        uriSans.push(...names.uris);
        dnsSans.push(...names.dns);
      }
    }
  }
  // the public key must at least be a BIT STRING
  derBitStringBytes(derChildren(spki)[1], 'subjectPublicKey');
  return {
    der,
    serialHex: derContent(serial).toString('hex'),
    issuerName: Buffer.from(derRaw(issuer)),
    subjectName: Buffer.from(derRaw(subject)),
    notBefore: derTimeValue(validity[0]),
    notAfter: derTimeValue(validity[1]),
    spki: Buffer.from(derRaw(spki)),
    subjectKeyId,
    authorityKeyId,
    isCa,
    uriSans,
    dnsSans,
    criticalExtensions: critical,
  };
}

/** The subjectPublicKey bits of a SubjectPublicKeyInfo (what key identifiers hash). */
export function spkiPublicKeyBits(spki: Buffer): Buffer {
  const [, bits] = derChildren(expectTag(readRoot(spki), DER_TAG.sequence, 'subjectPublicKeyInfo'));
  return derBitStringBytes(bits, 'subjectPublicKey');
}
