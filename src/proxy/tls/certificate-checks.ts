// Checks on TLS material before it is used: every PEM block parses, the key
// is of a type Envoy accepts and belongs to the certificate, the leaf is
// valid now, trusted CAs are CAs, a CRL loads. Each check returns problems
// as text (no field paths), so the config decoders (which add the path) and
// the secret consumers (SDS material arriving at run time) share them.
import crypto, { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { MIN_RSA_KEY_BITS, SUPPORTED_EC_CURVES } from './tls-defaults.js';

/** A problem with one field of the material. */
export interface MaterialIssue {
  readonly field: 'certificate_chain' | 'private_key' | 'trusted_ca' | 'crl';
  readonly message: string;
}

export interface PemBlock {
  readonly label: string;
  readonly pem: string;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/** The PEM blocks of `text`, in order. */
export function pemBlocks(text: string): PemBlock[] {
  return [...text.matchAll(PEM_BLOCK)].map((m) => ({ label: m[1]!, pem: m[0] }));
}

/** Parses every CERTIFICATE block; problems are reported with the entry's index. */
export function parseCertificates(text: string, what: string): { certs: X509Certificate[]; problems: string[] } {
  const blocks = pemBlocks(text);
  if (blocks.length === 0) return { certs: [], problems: [`${what} is not PEM (no "-----BEGIN CERTIFICATE-----" block)`] };
  const certs: X509Certificate[] = [];
  const problems: string[] = [];
  blocks.forEach((b, i) => {
    if (b.label !== 'CERTIFICATE') {
      problems.push(`${what} entry ${i} is a ${b.label} block, not a CERTIFICATE`);
      return;
    }
    try {
      certs.push(new X509Certificate(b.pem));
    } catch (e) {
      problems.push(`${what} entry ${i} cannot be parsed: ${(e as Error).message}`);
    }
  });
  return { certs, problems };
}

/** Why a public or private key's type is not one Envoy serves, or undefined. */
export function unsupportedKeyType(key: crypto.KeyObject): string | undefined {
  const t = key.asymmetricKeyType;
  const d = key.asymmetricKeyDetails ?? {};
  if (t === 'rsa') {
    return (d.modulusLength ?? 0) < MIN_RSA_KEY_BITS ? `unsupported key type: RSA ${d.modulusLength} bits (at least ${MIN_RSA_KEY_BITS} are required)` : undefined;
  }
  if (t === 'ec') {
    return SUPPORTED_EC_CURVES.includes(d.namedCurve ?? '') ? undefined : `unsupported key type: ECDSA on ${d.namedCurve} (P-256, P-384 and P-521 are supported)`;
  }
  return `unsupported key type: ${t} (RSA of ${MIN_RSA_KEY_BITS} bits or more and ECDSA P-256/P-384/P-521 are supported)`;
}

/** Why `cert` is not valid at `nowMs`, or undefined. */
export function validityProblem(cert: X509Certificate, nowMs: number): string | undefined {
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  if (nowMs < from) return `certificate "${cert.subject.replace(/\n/g, ', ')}" is not yet valid (notBefore ${cert.validFrom})`;
  if (nowMs > to) return `certificate "${cert.subject.replace(/\n/g, ', ')}" has expired (notAfter ${cert.validTo})`;
  return undefined;
}

/**
 * A certificate chain (leaf first) and its private key. Checks: PEM, each
 * certificate parses, the key parses and is not encrypted, the key type is
 * supported, the key belongs to the leaf, the leaf is valid at `nowMs`.
 */
export function checkCertificateAndKey(chainPem: string, keyPem: string, nowMs: number): MaterialIssue[] {
  const out: MaterialIssue[] = [];
  const { certs, problems } = parseCertificates(chainPem, 'certificate_chain');
  for (const p of problems) out.push({ field: 'certificate_chain', message: p });
  const leaf = problems.length === 0 ? certs[0] : undefined;
  let key: crypto.KeyObject | undefined;
  const keyBlocks = pemBlocks(keyPem);
  if (keyBlocks.length === 0) out.push({ field: 'private_key', message: 'private_key is not PEM (no "-----BEGIN ... PRIVATE KEY-----" block)' });
  else if (keyBlocks.some((b) => b.label === 'ENCRYPTED PRIVATE KEY') || /Proc-Type: 4,ENCRYPTED/.test(keyPem)) {
    out.push({ field: 'private_key', message: 'private_key is encrypted; password-protected keys are not supported by weft' });
  } else {
    try {
      key = crypto.createPrivateKey({ key: keyPem, format: 'pem' });
    } catch (e) {
      out.push({ field: 'private_key', message: `private_key cannot be parsed: ${(e as Error).message}` });
    }
  }
  if (key) {
    const why = unsupportedKeyType(key);
    if (why) out.push({ field: 'private_key', message: why });
  }
  if (leaf) {
    const why = unsupportedKeyType(leaf.publicKey);
    if (why && (!key || !unsupportedKeyType(key))) out.push({ field: 'certificate_chain', message: why });
    if (key && !leaf.checkPrivateKey(key)) out.push({ field: 'private_key', message: 'private key does not match the certificate (its public key is not the leaf certificate\'s)' });
    const validity = validityProblem(leaf, nowMs);
    if (validity) out.push({ field: 'certificate_chain', message: validity });
  }
  return out;
}

/** A trusted CA bundle: PEM, each entry a parseable CA certificate. */
export function checkTrustedCa(caPem: string): MaterialIssue[] {
  const { certs, problems } = parseCertificates(caPem, 'trusted_ca');
  const out: MaterialIssue[] = problems.map((message) => ({ field: 'trusted_ca', message }));
  if (problems.length) return out;
  certs.forEach((c, i) => {
    if (!c.ca) out.push({ field: 'trusted_ca', message: `trusted_ca entry ${i} ("${c.subject.replace(/\n/g, ', ')}") is not a CA certificate (basicConstraints CA:FALSE or absent)` });
  });
  return out;
}

/** A CRL (PEM "X509 CRL" blocks) loads together with its CA bundle. */
export function checkCrl(crlPem: string, caPem: string | undefined): MaterialIssue[] {
  const blocks = pemBlocks(crlPem);
  if (blocks.length === 0) return [{ field: 'crl', message: 'crl is not PEM (no "-----BEGIN X509 CRL-----" block)' }];
  const bad = blocks.findIndex((b) => b.label !== 'X509 CRL');
  if (bad >= 0) return [{ field: 'crl', message: `crl entry ${bad} is a ${blocks[bad]!.label} block, not an X509 CRL` }];
  try {
    tls.createSecureContext({ ...(caPem ? { ca: caPem } : {}), crl: crlPem });
  } catch (e) {
    return [{ field: 'crl', message: `crl cannot be loaded: ${(e as Error).message}` }];
  }
  return [];
}
