// TLS as the proxy's domain model: what DownstreamTlsContext and
// UpstreamTlsContext (envoy.transport_sockets.tls) decode to. The data path
// reads only these types, never the protos.
//
// Certificates and validation material come either from the config itself
// (inline bytes or files, read once when the config is decoded) or from SDS by
// name. Either way the TLS code asks the SecretStore (secret-store.ts) for the
// current material, so a rotated secret reaches new connections without a
// config change.
import type { StringPredicate } from '../route/string-matcher.js';

/** Node's names for TLS versions (tls.SecureVersion). */
export type TlsVersion = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

/** Where an SDS secret comes from (SdsSecretConfig.sds_config). */
export type SdsSource =
  /** No sds_config: a secret from the bootstrap's static_resources.secrets. */
  | { readonly kind: 'static' }
  /** sds_config.ads: the ADS stream the proxy already has. */
  | { readonly kind: 'ads' }
  /** sds_config.api_config_source (GRPC): an SDS stream to this cluster (e.g. Istio's `sds-grpc`). */
  | { readonly kind: 'api'; readonly clusterName: string }
  /** sds_config.path_config_source: a file holding a DiscoveryResponse with Secrets. */
  | { readonly kind: 'path'; readonly path: string };

/** A secret reference: its name and where it is served. */
export interface SdsRef {
  readonly name: string;
  readonly source: SdsSource;
}

/** A certificate and its key, PEM. */
export interface TlsCertificateMaterial {
  readonly certChainPem: string;
  readonly privateKeyPem: string;
  /** Where it came from, for errors and admin /certs ("inline", a file path, "sds:default"). */
  readonly origin: string;
}

/** A subject alternative name matcher (match_typed_subject_alt_names, or the deprecated untyped list: any type). */
export interface SanMatcher {
  readonly type: 'DNS' | 'URI' | 'IP_ADDRESS' | 'EMAIL' | 'ANY';
  readonly match: StringPredicate;
  /** The matcher as written, for logs and /certs. */
  readonly text: string;
}

/** CertificateValidationContext, decoded. */
export interface ValidationMaterial {
  /** PEM bundle of trusted CAs; absent means the peer's chain is not verified (Envoy's default without trusted_ca). */
  readonly trustedCaPem?: string;
  readonly crlPem?: string;
  readonly sanMatchers: readonly SanMatcher[];
  /** verify_certificate_spki / verify_certificate_hash, normalised (base64 SPKI sha256, hex sha256 lower-case). */
  readonly spkiPins: readonly string[];
  readonly hashPins: readonly string[];
  readonly allowExpiredCertificate: boolean;
  /** ACCEPT_UNTRUSTED: chain errors are ignored (Envoy's trust_chain_verification). */
  readonly acceptUntrusted: boolean;
  readonly origin: string;
}

/** The certificate side: static material, or an SDS reference. */
export type CertificateSource =
  | { readonly kind: 'static'; readonly material: TlsCertificateMaterial }
  | { readonly kind: 'sds'; readonly ref: SdsRef };

/**
 * The validation side. With combined_validation_context the SDS secret's
 * material is merged with the default context (the default's SAN matchers
 * apply, as Istio's generated config relies on).
 */
export type ValidationSource =
  | { readonly kind: 'static'; readonly material: ValidationMaterial }
  | { readonly kind: 'sds'; readonly ref: SdsRef; readonly defaults?: ValidationMaterial };

/** CommonTlsContext, decoded. */
export interface CommonTlsConfig {
  readonly certificates: readonly CertificateSource[];
  readonly validation?: ValidationSource;
  readonly alpnProtocols: readonly string[];
  readonly minVersion: TlsVersion;
  readonly maxVersion: TlsVersion;
  /** OpenSSL cipher list (TLS 1.2 and below), from tls_params.cipher_suites; undefined = Envoy's default list. */
  readonly cipherSuites?: string;
  /** tls_params.ecdh_curves, joined for node (e.g. "X25519:P-256"). */
  readonly ecdhCurves?: string;
}

/** DownstreamTlsContext, decoded. */
export interface DownstreamTlsConfig {
  readonly common: CommonTlsConfig;
  readonly requireClientCertificate: boolean;
  readonly requireSni: boolean;
  /** session_timeout in seconds (node's sessionTimeout). */
  readonly sessionTimeoutS?: number;
  readonly disableStatelessSessionResumption: boolean;
}

/** UpstreamTlsContext, decoded. */
export interface UpstreamTlsConfig {
  readonly common: CommonTlsConfig;
  /** SNI to send; empty = none (or the host's name when auto_sni is set by the cluster). */
  readonly sni: string;
  readonly allowRenegotiation: boolean;
  /** max_session_keys: how many sessions to keep for resumption (Envoy default 1). */
  readonly maxSessionKeys: number;
}

/** What a filter chain's or cluster's transport_socket decodes to. */
export type TransportSocketConfig =
  | { readonly kind: 'raw_buffer' }
  | { readonly kind: 'tls_downstream'; readonly tls: DownstreamTlsConfig }
  | { readonly kind: 'tls_upstream'; readonly tls: UpstreamTlsConfig };
