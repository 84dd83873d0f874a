// /certs: Envoy's admin.v3.Certificates JSON. Envoy lists one entry per TLS
// context; weft lists one per secret the proxy holds (bootstrap static
// secrets, SDS, the node agent's `default` and `ROOTCA`): a certificate
// secret gives its leaf under cert_chain, a validation secret each trusted
// CA under ca_cert. Expired or missing certificates show here first, before
// any handshake fails.
import type { X509Certificate } from 'node:crypto';
import { parseSubjectAltNames } from '../tls/peer-certificate.js';
import { parseCertificates } from '../tls/certificate-checks.js';
import type { SecretValue } from '../tls/secret-store.js';

const DAY_MS = 86_400_000;

interface CertificateDetails {
  path: string;
  serial_number: string;
  subject_alt_names: Record<string, string>[];
  /** uint64 in proto3 JSON: a decimal string. */
  days_until_expiration: string;
  valid_from: string;
  expiration_time: string;
}

/** Envoy prints inline material (and so SDS-delivered material) as "<inline>", files by path. */
function pathOf(origin: string): string {
  return origin === 'inline' || origin.startsWith('sds:') ? '<inline>' : origin;
}

function rfc3339(date: string): string {
  return new Date(date).toISOString().replace(/\.000Z$/, 'Z');
}

function details(cert: X509Certificate, origin: string, nowMs: number): CertificateDetails {
  // Not certificateFacts: it also formats the subject, which Istio's leaves leave empty.
  const sans: Record<string, string>[] = [];
  for (const s of parseSubjectAltNames(cert.subjectAltName)) {
    if (s.type === 'URI') sans.push({ uri: s.value });
    else if (s.type === 'DNS') sans.push({ dns: s.value });
    else if (s.type === 'IP_ADDRESS') sans.push({ ip_address: s.value });
  }
  const expires = new Date(cert.validTo).getTime();
  return {
    path: pathOf(origin),
    serial_number: cert.serialNumber.toLowerCase(),
    subject_alt_names: sans,
    days_until_expiration: String(Math.max(0, Math.floor((expires - nowMs) / DAY_MS))),
    valid_from: rfc3339(cert.validFrom),
    expiration_time: rfc3339(cert.validTo),
  };
}

/** The /certs body for the given secrets at `nowMs`. */
export function certificatesJson(values: readonly SecretValue[], nowMs: number): { certificates: { ca_cert: CertificateDetails[]; cert_chain: CertificateDetails[] }[] } {
  const certificates: { ca_cert: CertificateDetails[]; cert_chain: CertificateDetails[] }[] = [];
  for (const v of values) {
    if (v.kind === 'tls_certificate') {
      const leaf = parseCertificates(v.certificate.certChainPem, 'certificate_chain').certs[0];
      certificates.push({ ca_cert: [], cert_chain: leaf ? [details(leaf, v.certificate.origin, nowMs)] : [] });
    } else if (v.validation.trustedCaPem) {
      const cas = parseCertificates(v.validation.trustedCaPem, 'trusted_ca').certs;
      certificates.push({ ca_cert: cas.map((c) => details(c, v.validation.origin, nowMs)), cert_chain: [] });
    }
  }
  return { certificates };
}
