// envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext →
// ValidationMaterial. Used for validation_context in a CommonTlsContext, the
// default_validation_context of a combined_validation_context, and the
// validation_context of an SDS Secret; independent of where it came from.
import { CFG, ConfigErrors, joinPath } from '../../common/errors.js';
import type {
  envoy_extensions_transport_sockets_tls_v3_CertificateValidationContext,
  envoy_extensions_transport_sockets_tls_v3_SubjectAltNameMatcher,
} from '../../xds/gen/types.js';
import { checkSupported } from '../config/support.js';
import { decodeStringMatcher } from '../route/string-matcher.js';
import { checkCrl, checkTrustedCa } from './certificate-checks.js';
import { decodeTlsDataSource } from './data-source.js';
import type { SanMatcher, ValidationMaterial } from './tls-config.js';

const SUPPORTED = [
  'trusted_ca', 'crl', 'match_typed_subject_alt_names', 'match_subject_alt_names',
  'verify_certificate_spki', 'verify_certificate_hash', 'allow_expired_certificate', 'trust_chain_verification',
] as const;

/**
 * Supported: trusted_ca, crl, match_typed_subject_alt_names (DNS, URI,
 * IP_ADDRESS, EMAIL), match_subject_alt_names (deprecated: any SAN type),
 * verify_certificate_spki, verify_certificate_hash, allow_expired_certificate,
 * trust_chain_verification. Everything else is refused by name.
 */
export function decodeValidationContext(
  msg: envoy_extensions_transport_sockets_tls_v3_CertificateValidationContext,
  path: string,
  errs: ConfigErrors,
): ValidationMaterial | undefined {
  const before = errs.errors.length;
  checkSupported(msg, path, errs, SUPPORTED);
  let trustedCaPem: string | undefined;
  let origin = 'inline';
  if (msg.trusted_ca) {
    const p = joinPath(path, 'trusted_ca');
    const ca = decodeTlsDataSource(msg.trusted_ca, p, errs);
    if (ca) {
      origin = ca.origin;
      const issues = checkTrustedCa(ca.text);
      for (const i of issues) errs.error(p, `${i.message} (${ca.origin})`);
      if (issues.length === 0) trustedCaPem = ca.text;
    }
  }
  let crlPem: string | undefined;
  if (msg.crl) {
    const p = joinPath(path, 'crl');
    if (!msg.trusted_ca) errs.error(p, 'crl needs trusted_ca (Envoy refuses a CRL without a trusted CA)', CFG.CONFLICT);
    const crl = decodeTlsDataSource(msg.crl, p, errs);
    if (crl) {
      const issues = checkCrl(crl.text, trustedCaPem);
      for (const i of issues) errs.error(p, `${i.message} (${crl.origin})`);
      if (issues.length === 0) crlPem = crl.text;
    }
  }
  const sanMatchers: SanMatcher[] = [];
  (msg.match_typed_subject_alt_names ?? []).forEach((m, i) => {
    const s = decodeSanMatcher(m, joinPath(joinPath(path, 'match_typed_subject_alt_names'), i), errs);
    if (s) sanMatchers.push(s);
  });
  (msg.match_subject_alt_names ?? []).forEach((m, i) => {
    const match = decodeStringMatcher(m, joinPath(joinPath(path, 'match_subject_alt_names'), i), errs);
    if (match) sanMatchers.push({ type: 'ANY', match, text: JSON.stringify(m) });
  });
  const spkiPins: string[] = [];
  (msg.verify_certificate_spki ?? []).forEach((v, i) => {
    const b = Buffer.from(v, 'base64');
    if (b.length !== 32 || b.toString('base64') !== v) {
      errs.error(joinPath(joinPath(path, 'verify_certificate_spki'), i), `"${v}" is not a base64-encoded SHA-256 hash (44 characters, 32 bytes)`);
    } else spkiPins.push(v);
  });
  const hashPins: string[] = [];
  (msg.verify_certificate_hash ?? []).forEach((v, i) => {
    const hex = v.replace(/:/g, '').toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(hex)) errs.error(joinPath(joinPath(path, 'verify_certificate_hash'), i), `"${v}" is not a hex-encoded SHA-256 hash (64 hex digits, colons allowed)`);
    else hashPins.push(hex);
  });
  if (errs.errors.length > before) return undefined;
  return {
    ...(trustedCaPem !== undefined ? { trustedCaPem } : {}),
    ...(crlPem !== undefined ? { crlPem } : {}),
    sanMatchers,
    spkiPins,
    hashPins,
    allowExpiredCertificate: msg.allow_expired_certificate ?? false,
    acceptUntrusted: msg.trust_chain_verification === 'ACCEPT_UNTRUSTED',
    origin,
  };
}

const SAN_TYPES = { DNS: 'DNS', URI: 'URI', IP_ADDRESS: 'IP_ADDRESS', EMAIL: 'EMAIL' } as const;

function decodeSanMatcher(m: envoy_extensions_transport_sockets_tls_v3_SubjectAltNameMatcher, path: string, errs: ConfigErrors): SanMatcher | undefined {
  checkSupported(m, path, errs, ['san_type', 'matcher']);
  const t = m.san_type ?? 'SAN_TYPE_UNSPECIFIED';
  let type: SanMatcher['type'] | undefined;
  if (t === 'SAN_TYPE_UNSPECIFIED') errs.required(joinPath(path, 'san_type'), 'san_type is required (DNS, URI, IP_ADDRESS or EMAIL)');
  else if (t === 'OTHER_NAME') errs.unsupported(joinPath(path, 'san_type'), 'san_type OTHER_NAME');
  else type = SAN_TYPES[t];
  if (!m.matcher) {
    errs.required(joinPath(path, 'matcher'), 'matcher is required');
    return undefined;
  }
  const match = decodeStringMatcher(m.matcher, joinPath(path, 'matcher'), errs);
  if (!match || !type) return undefined;
  return { type, match, text: `${type}:${JSON.stringify(m.matcher)}` };
}

/**
 * Envoy's rules for a complete validation context (static, or merged with an
 * SDS secret): name matching and expiry exceptions only make sense when the
 * chain is verified. Returns the problems as text.
 */
export function validationConsistencyProblems(v: ValidationMaterial): string[] {
  const out: string[] = [];
  if (v.trustedCaPem === undefined) {
    if (v.sanMatchers.length) out.push('SAN-based verification of peer certificates without trusted CA is insecure and not allowed (set trusted_ca)');
    if (v.allowExpiredCertificate) out.push('allow_expired_certificate without trusted_ca: the validity period is never checked without a trusted CA');
    if (v.crlPem !== undefined) out.push('crl without trusted_ca');
  }
  return out;
}
