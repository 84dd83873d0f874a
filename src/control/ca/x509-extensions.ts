// The X.509 v3 extensions the CA writes, each pre-encodable once. Values and
// criticality follow what Go's crypto/x509 writes for Istio's templates
// (security/pkg/pki/util/generate_cert.go): key usage and basic constraints
// critical, EKU not, SAN critical because the subject is empty.
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import {
  DER_TAG, derBitString, derBoolean, derContext, derOctetString, derOid, derSequence, derTlv,
} from './der-writer.js';

export const OID = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  organizationName: '2.5.4.10',
  commonName: '2.5.4.3',
  extensionRequest: '1.2.840.113549.1.9.14',
} as const;

const oidCache = new Map<string, Buffer>();
/** The DER of an OID, encoded once (the SAN extension is built for every leaf). */
function cachedOid(oid: string): Buffer {
  let der = oidCache.get(oid);
  if (!der) oidCache.set(oid, (der = derOid(oid)));
  return der;
}
const CRITICAL = derBoolean(true);

/** One Extension: SEQUENCE { extnID, critical (only when true: DER omits defaults), extnValue }. */
export function extension(oid: string, critical: boolean, value: Uint8Array): Buffer {
  return critical
    ? derSequence(cachedOid(oid), CRITICAL, derOctetString(value))
    : derSequence(cachedOid(oid), derOctetString(value));
}

/** Key usage bits by name (RFC 5280 4.2.1.3). */
export const KEY_USAGE = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6 } as const;

/** keyUsage as a DER BIT STRING with trailing zero bits dropped, as DER requires. */
export function keyUsageExtension(bits: readonly number[]): Buffer {
  let v = 0;
  for (const b of bits) v |= 0x80 >> b;
  let unused = 0;
  while (unused < 7 && !(v & (1 << unused))) unused++;
  return extension(OID.keyUsage, true, derBitString(Uint8Array.of(v), unused));
}

export function extKeyUsageExtension(oids: readonly string[]): Buffer {
  return extension(OID.extKeyUsage, false, derSequence(...oids.map(derOid)));
}

/** basicConstraints: `cA TRUE` for CAs; an empty SEQUENCE (cA defaults to FALSE) for leaves. */
export function basicConstraintsExtension(isCa: boolean): Buffer {
  return extension(OID.basicConstraints, true, isCa ? derSequence(derBoolean(true)) : derSequence());
}

export function subjectKeyIdExtension(keyId: Uint8Array): Buffer {
  return extension(OID.subjectKeyIdentifier, false, derOctetString(keyId));
}

/** authorityKeyIdentifier with keyIdentifier [0] only, the issuer's subject key identifier. */
export function authorityKeyIdExtension(keyId: Uint8Array): Buffer {
  return extension(OID.authorityKeyIdentifier, false, derSequence(derContext(0, false, keyId)));
}

/** Names for a subjectAltName: URIs (SPIFFE IDs), DNS names, IP addresses. */
export interface SubjectAltNames {
  uris?: readonly string[];
  dnsNames?: readonly string[];
  ipAddresses?: readonly string[];
}

function ipBytes(ip: string): Buffer {
  const v = isIP(ip);
  if (v === 4) return Buffer.from(ip.split('.').map(Number));
  if (v === 6) {
    if (ip.includes('.')) throw new RangeError(`IPv4-mapped address "${ip}" is not supported; give the IPv4 form`);
    const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
    const out = Buffer.alloc(16);
    groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
    return out;
  }
  throw new RangeError(`"${ip}" is not an IP address`);
}

/** subjectAltName; critical, as Istio marks it (the subject is empty, RFC 5280 4.2.1.6). */
export function subjectAltNameExtension(names: SubjectAltNames): Buffer {
  const parts: Buffer[] = [];
  for (const u of names.uris ?? []) parts.push(derContext(6, false, Buffer.from(u, 'latin1')));
  for (const d of names.dnsNames ?? []) parts.push(derContext(2, false, Buffer.from(d, 'latin1')));
  for (const ip of names.ipAddresses ?? []) parts.push(derContext(7, false, ipBytes(ip)));
  return extension(OID.subjectAltName, true, derSequence(...parts));
}

/** A Name with one organization RDN, as Istio's self-signed root (`O=<trust domain>`). */
export function organizationName(org: string): Buffer {
  return derSequence(derTlv(DER_TAG.set, derSequence(derOid(OID.organizationName), derTlv(DER_TAG.utf8String, Buffer.from(org, 'utf8')))));
}

/** The empty Name (SEQUENCE {}), the subject of workload certificates. */
export const EMPTY_NAME = derSequence();

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits (what Go's crypto/x509 writes). */
export function keyIdentifier(subjectPublicKeyBits: Uint8Array): Buffer {
  return createHash('sha1').update(subjectPublicKeyBits).digest();
}
