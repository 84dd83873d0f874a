// Public surface of the certificate authority (Citadel's job). See docs/architecture/ca.md.
export { CertificateAuthority, generateRoot, type CaSource, type CertificateAuthorityOptions, type IssuedCertificate, type RootStatus, type SignOptions } from './certificate-authority.js';
export type { AuthOutcome, AuthRefusalReason, TokenAuthenticator } from './authenticator.js';
export { CaError, CsrError, type CaErrorCode, type CaIssue, type CaIssueCode, type CsrErrorCode } from './ca-error.js';
export { CaServer, type CaServerOptions } from './ca-server.js';
export { CertificateService, certificateClientDefinition, certificateServiceDefinition, bearerToken } from './certificate-service.js';
export { CERTIFICATE_SERVICE, CREATE_CERTIFICATE_METHOD, CREATE_CERTIFICATE_PATH } from './certificate-messages.js';
export { CitadelStats } from './citadel-stats.js';
export { buildCsr } from './csr-builder.js';
export { decodeCsr, type DecodedCsr } from './csr.js';
export { CA_DEFAULTS } from './defaults.js';
export { PLUGGED_FILES, SELF_SIGNED_FILES } from './ca-files.js';
export { TokenRegistry } from './token-registry.js';
export { TrustBundle, type TrustBundleListener, type TrustBundleSnapshot } from './trust-bundle.js';
export { spiffeId, validateIdentity, validateTrustDomain, type WorkloadIdentity } from './workload-identity.js';
