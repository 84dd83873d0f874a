// Envoy's TLS defaults (envoy.extensions.transport_sockets.tls.v3), in one
// place. Values are those the v3 protos document for non-FIPS builds.
import type { TlsVersion } from './tls-config.js';

export const TLS_DEFAULTS = {
  /** tls_minimum_protocol_version: TLSv1_2 for clients and servers. */
  minVersion: 'TLSv1.2' as TlsVersion,
  /** tls_maximum_protocol_version: TLSv1_3 for servers (downstream). */
  serverMaxVersion: 'TLSv1.3' as TlsVersion,
  /** tls_maximum_protocol_version: TLSv1_2 for clients (upstream). */
  clientMaxVersion: 'TLSv1.2' as TlsVersion,
  /**
   * cipher_suites (TLS 1.0-1.2 only), server and client alike. Envoy writes
   * BoringSSL equal-preference groups ("[A|B]"); OpenSSL has no such groups,
   * so node gets them in order.
   */
  cipherSuites: [
    'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-CHACHA20-POLY1305',
    'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-CHACHA20-POLY1305',
    'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384',
  ] as readonly string[],
  /**
   * TLS 1.3 suites: cipher_suites has no effect on TLS 1.3 in Envoy (BoringSSL
   * fixes them); node takes both kinds in one list, so these are always added.
   */
  tls13CipherSuites: ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'] as readonly string[],
  /** ecdh_curves. */
  ecdhCurves: 'X25519:P-256',
  /** session_timeout: BoringSSL's server default, 7200 s (node's own is 300 s). */
  sessionTimeoutS: 7200,
  /** max_session_keys (UpstreamTlsContext): 1. */
  maxSessionKeys: 1,
} as const;

/** RSA keys shorter than this are refused, as Envoy does. */
export const MIN_RSA_KEY_BITS = 2048;
/** EC curves Envoy's certificates may use (node's names). */
export const SUPPORTED_EC_CURVES: readonly string[] = ['prime256v1', 'secp384r1', 'secp521r1'];
