// Errors of the certificate authority, each with a stable code. Tests and
// callers branch on codes; messages are for people.

/** Why a CA input file (certificate, key, chain, bundle) was refused. */
export type CaIssueCode =
  | 'CA_FILE_MISSING' // a file the layout needs is absent
  | 'CA_FILE_UNREADABLE' // exists but cannot be read
  | 'CA_PEM_INVALID' // no PEM block of the expected kind, or bad base64
  | 'CA_CERT_INVALID' // a certificate that does not parse
  | 'CA_CERT_EXPIRED' // notAfter is in the past
  | 'CA_CERT_NOT_YET_VALID' // notBefore is in the future
  | 'CA_CERT_NOT_CA' // basicConstraints cA is not true
  | 'CA_KEY_INVALID' // a private key that does not parse
  | 'CA_KEY_UNSUPPORTED' // not ECDSA P-256/P-384 or RSA >= 2048
  | 'CA_KEY_MISMATCH' // the key does not belong to the certificate
  | 'CA_CHAIN_INVALID' // cert-chain.pem does not lead from ca-cert.pem to root-cert.pem
  | 'CA_BUNDLE_INVALID'; // the trust bundle lacks the signing root

/** One refused input: the file, the stable code, the reason. */
export interface CaIssue {
  path: string;
  code: CaIssueCode;
  reason: string;
}

/** Codes of CaError. */
export type CaErrorCode =
  | 'CA_REJECTED' // CA inputs refused; `issues` lists every problem found
  | 'CA_OPTIONS_INVALID' // bad options (trust domain, TTLs, key type)
  | 'CA_ROTATION_IN_PROGRESS' // a new root is already prepared
  | 'CA_ROTATION_NOT_STARTED' // no prepared root to activate
  | 'CA_ROTATION_UNSUPPORTED' // rotation of a plugged-in CA is the operator's job
  | 'CA_ROOT_STILL_NEEDED' // retiring a root that signs, or whose leaves are still valid
  | 'CA_ROOT_UNKNOWN' // no such root in the trust bundle
  | 'IDENTITY_INVALID'; // a namespace or service account that is not a Kubernetes name

export class CaError extends Error {
  constructor(readonly code: CaErrorCode, message: string, readonly issues: readonly CaIssue[] = []) {
    super(issues.length ? `${message}:\n${issues.map((i) => `  ${i.path}: ${i.reason} (${i.code})`).join('\n')}` : message);
  }
}

/**
 * Why a CSR was not signed. The kinds follow Istio's caerror types so the
 * gRPC status and the `citadel_server_csr_sign_err_count{error}` label match.
 */
export type CsrErrorCode =
  | 'CSR_MALFORMED' // not PEM, not PKCS#10, bad DER
  | 'CSR_SIGNATURE_INVALID' // the request's self-signature does not verify
  | 'CSR_KEY_UNSUPPORTED' // a public key type the CA does not certify
  | 'CSR_SIGNATURE_ALGORITHM_UNSUPPORTED'
  | 'CSR_IDENTITY_MISMATCH' // a SAN in the request that is not the caller's identity
  | 'CSR_TTL_TOO_LONG'; // requested TTL above the maximum (Istio's TTL_ERROR)

export class CsrError extends Error {
  constructor(readonly code: CsrErrorCode, message: string) {
    super(message);
  }
}
