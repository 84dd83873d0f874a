// Verifying the peer's certificate after the handshake, as Envoy's default
// certificate validator does: chain trust (only when trusted_ca is set),
// subject alternative names, SPKI/hash pins, in that order. node:tls checks
// the chain against the context's `ca` during the handshake
// (authorized/authorizationError); we never let it reject the connection
// itself, so every failure gets Envoy's stat and reason here.
import type { X509Certificate } from 'node:crypto';
import crypto from 'node:crypto';
import type tls from 'node:tls';
import { parseSubjectAltNames, type SubjectAltName } from './peer-certificate.js';
import type { ValidationMaterial } from './tls-config.js';

/** Envoy's ssl.* counters a verification failure counts under. */
export type VerifyFailureStat = 'fail_verify_error' | 'fail_verify_san' | 'fail_verify_cert_hash' | 'fail_verify_no_cert';

export interface VerifyFailure {
  /** Envoy's detail text, e.g. "verify cert failed: SAN matcher". */
  readonly reason: string;
  readonly stat: VerifyFailureStat;
}

/** node's chain verdict for the peer (TLSSocket#authorized / #authorizationError). */
export interface ChainVerdict {
  readonly authorized: boolean;
  readonly error?: string;
}

/**
 * Checks a peer certificate. `cert` undefined means the peer sent none:
 * a failure only when `requireCertificate` (a server with
 * require_client_certificate, or any client: a server always sends one).
 */
export function verifyPeerCertificate(
  cert: X509Certificate | undefined,
  chain: ChainVerdict,
  v: ValidationMaterial | undefined,
  requireCertificate: boolean,
): VerifyFailure | undefined {
  if (!cert) return requireCertificate ? { reason: 'peer did not return a certificate', stat: 'fail_verify_no_cert' } : undefined;
  if (!v) return undefined;
  if (v.trustedCaPem !== undefined && !v.acceptUntrusted && !chain.authorized) {
    const err = chain.error ?? 'UNABLE_TO_VERIFY_LEAF_SIGNATURE';
    if (!(err === 'CERT_HAS_EXPIRED' && v.allowExpiredCertificate)) {
      return { reason: `X509_verify_cert: certificate verification error at depth 0: ${err}`, stat: 'fail_verify_error' };
    }
  }
  if (v.sanMatchers.length && !sanMatches(parseSubjectAltNames(cert.subjectAltName), v)) {
    return { reason: 'verify cert failed: SAN matcher', stat: 'fail_verify_san' };
  }
  if ((v.spkiPins.length || v.hashPins.length) && !pinMatches(cert, v)) {
    return { reason: 'verify cert failed: cert hash and spki', stat: 'fail_verify_cert_hash' };
  }
  return undefined;
}

/** verifyPeerCertificate for a connected TLS socket. */
export function verifyPeer(socket: tls.TLSSocket, v: ValidationMaterial | undefined, requireCertificate: boolean): VerifyFailure | undefined {
  return verifyPeerCertificate(socket.getPeerX509Certificate(), chainVerdict(socket), v, requireCertificate);
}

/**
 * node sets authorized/authorizationError only for sockets a tls.Server or
 * tls.connect made; a server TLSSocket built around an accepted socket (what
 * the listener does, after choosing the filter chain) has to ask OpenSSL's
 * verify result itself, as tls.Server does: through the socket's handle.
 */
export function chainVerdict(socket: tls.TLSSocket): ChainVerdict {
  if (socket.authorized) return { authorized: true };
  const given = socket.authorizationError as unknown;
  if (given) return { authorized: false, error: typeof given === 'string' ? given : String((given as { code?: string }).code ?? given) };
  const handle = (socket as unknown as { _handle?: { verifyError?: () => (Error & { code?: string }) | null | undefined } })._handle;
  if (!handle?.verifyError) return { authorized: false, error: 'UNABLE_TO_GET_VERIFY_RESULT' };
  const err = handle.verifyError();
  return err ? { authorized: false, error: err.code ?? err.message } : { authorized: true };
}

/** Any matcher matching any SAN of its type (ANY: of every type), as Envoy. */
function sanMatches(sans: readonly SubjectAltName[], v: ValidationMaterial): boolean {
  for (const m of v.sanMatchers) {
    for (const s of sans) {
      if ((m.type === 'ANY' || m.type === s.type) && m.match(s.value)) return true;
    }
  }
  return false;
}

/** When both pin lists are set, a match in either accepts the certificate (Envoy). */
function pinMatches(cert: X509Certificate, v: ValidationMaterial): boolean {
  if (v.hashPins.length) {
    const hash = cert.fingerprint256.replace(/:/g, '').toLowerCase();
    if (v.hashPins.includes(hash)) return true;
  }
  if (v.spkiPins.length) {
    const spki = crypto.createHash('sha256').update(cert.publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
    if (v.spkiPins.includes(spki)) return true;
  }
  return false;
}

/** Envoy's transport failure reason for a verification failure (%UPSTREAM_TRANSPORT_FAILURE_REASON%). */
export function tlsVerifyFailureReason(f: VerifyFailure): string {
  return `TLS_error:|268435581:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED:${f.reason}:TLS_error_end`;
}
