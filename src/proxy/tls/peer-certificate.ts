// Facts about a certificate as Envoy's access log operators and RBAC read
// them: URI/DNS SANs, subject in RFC 2253 order, serial and SHA-256
// fingerprint in lower-case hex, and a TLS connection's session id.
import type { X509Certificate } from 'node:crypto';

export type SanType = 'DNS' | 'URI' | 'IP_ADDRESS' | 'EMAIL' | 'OTHER';

export interface SubjectAltName {
  readonly type: SanType;
  readonly value: string;
}

const NODE_SAN_TYPES: Record<string, SanType> = { DNS: 'DNS', URI: 'URI', 'IP Address': 'IP_ADDRESS', email: 'EMAIL' };
// node prints "DNS:a, URI:b, IP Address:1.2.3.4"; a value with a separator in
// it is printed as a JSON string.
const SAN_ENTRY = /([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/g;

/** Parses X509Certificate#subjectAltName. */
export function parseSubjectAltNames(text: string | undefined): SubjectAltName[] {
  if (!text) return [];
  const out: SubjectAltName[] = [];
  for (const m of text.matchAll(SAN_ENTRY)) {
    if (m[0] === '') break;
    let value = m[2]!;
    if (value.startsWith('"')) {
      try {
        value = JSON.parse(value) as string;
      } catch {
        continue;
      }
    }
    out.push({ type: NODE_SAN_TYPES[m[1]!] ?? 'OTHER', value });
  }
  return out;
}

export interface CertificateFacts {
  readonly uriSans: readonly string[];
  readonly dnsSans: readonly string[];
  readonly sans: readonly SubjectAltName[];
  /** RFC 2253 (most specific first, comma-separated), as Envoy prints %DOWNSTREAM_PEER_SUBJECT%. */
  readonly subject: string;
  /** Lower-case hex, no separators. */
  readonly serial: string;
  /** SHA-256 of the DER, lower-case hex, no separators. */
  readonly fingerprint256: string;
}

/** The URI SANs (SPIFFE IDs) of node's subjectAltName text, in order. */
export function uriSansOf(subjectAltName: string | undefined): string[] {
  return parseSubjectAltNames(subjectAltName).filter((s) => s.type === 'URI').map((s) => s.value);
}

/** Extracts what logs and policies need from a certificate. */
export function certificateFacts(cert: X509Certificate): CertificateFacts {
  const sans = parseSubjectAltNames(cert.subjectAltName);
  return {
    sans,
    uriSans: sans.filter((s) => s.type === 'URI').map((s) => s.value),
    dnsSans: sans.filter((s) => s.type === 'DNS').map((s) => s.value),
    subject: rfc2253(cert.subject),
    serial: cert.serialNumber.toLowerCase(),
    fingerprint256: cert.fingerprint256.replace(/:/g, '').toLowerCase(),
  };
}

/** node's subject ("C=US\nO=x\nCN=y", issuer order) in RFC 2253 order ("CN=y,O=x,C=US"). */
export function rfc2253(subject: string | undefined): string {
  // An empty subject (weft's and Istio's workload certificates) is undefined in node.
  if (!subject) return '';
  return subject.split('\n').filter(Boolean).reverse().join(',');
}

/**
 * The session id of an SSL_SESSION as node serialises it (tls.TLSSocket
 * #getSession(): OpenSSL's ASN.1 SSL_SESSION: SEQUENCE { version, ssl_version,
 * cipher OCTET STRING, session_id OCTET STRING, ... }), lower-case hex; ''
 * when it cannot be read.
 */
export function sessionIdHex(session: Buffer | undefined): string {
  if (!session) return '';
  try {
    let p = 0;
    const tlv = (): { tag: number; start: number; end: number } => {
      const tag = session[p++]!;
      let len = session[p++]!;
      if (len & 0x80) {
        const n = len & 0x7f;
        len = 0;
        for (let i = 0; i < n; i++) len = (len << 8) | session[p++]!;
      }
      const start = p;
      p += len;
      return { tag, start, end: start + len };
    };
    const seq = tlv();
    if (seq.tag !== 0x30) return '';
    p = seq.start;
    tlv(); // version
    tlv(); // ssl_version
    tlv(); // cipher
    const id = tlv();
    return id.tag === 0x04 ? session.subarray(id.start, id.end).toString('hex') : '';
  } catch {
    return '';
  }
}
