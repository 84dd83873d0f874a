// Istio's mTLS conventions for generated config, in one place: the SDS secret
// names the node agent serves, where proxies fetch them, the ALPN lists, the
// endpoint metadata auto mTLS matches on and the TLS parameters Istio sets.
// Values are Istio's (pilot/pkg/networking/core, security/pkg/nodeagent), so
// a weft sidecar and an Envoy with istio-agent read the same config.
// Identities (spiffe://…) and the trust domain default live with the CA:
// src/control/ca/workload-identity.ts and src/control/ca/defaults.ts.
import type { envoy_config_core_v3_ConfigSource, envoy_extensions_transport_sockets_tls_v3_SdsSecretConfig } from '../../xds/gen/types.js';

export const ISTIO_TLS = {
  /** The workload certificate's SDS name. */
  workloadCertSecret: 'default',
  /** The trust bundle's SDS name. */
  rootCaSecret: 'ROOTCA',
  /** The bootstrap cluster that reaches the node agent's SDS server (a Unix socket). */
  sdsCluster: 'sds-grpc',
  /** transport_socket_matches / endpoint metadata: filter_metadata["envoy.transport_socket_match"].tlsMode. */
  transportSocketMatchKey: 'envoy.transport_socket_match',
  tlsModeLabel: 'tlsMode',
  /** The value that marks an endpoint with a sidecar that takes Istio mTLS. */
  tlsModeIstio: 'istio',
  /** Upstream ALPN Istio sets on mesh mTLS clusters (the peer-exchange marker first). */
  mtlsAlpnUpstream: ['istio-peer-exchange', 'istio'] as readonly string[],
  /** Inbound filter chains that take mesh mTLS match these ALPN values (Istio's mtlsHTTPALPNs/mtlsTCPALPNs). */
  mtlsAlpnInboundHttp: ['istio-http/1.0', 'istio-http/1.1', 'istio-h2'] as readonly string[],
  mtlsAlpnInboundTcp: ['istio-peer-exchange', 'istio'] as readonly string[],
  /** What the inbound TLS context offers (the app protocol after termination). */
  inboundAlpn: ['h2', 'http/1.1'] as readonly string[],
  /** What the inbound TLS context of a TCP port offers: the peer-exchange marker first (Istio's ALPNDownstreamWithMxc). */
  inboundAlpnTcp: ['istio-peer-exchange', 'h2', 'http/1.1'] as readonly string[],
  /** Istio's default TLS parameters for mesh mTLS (server side): TLS 1.2 to 1.3 and these ciphers. */
  minProtocolVersion: 'TLSv1_2',
  maxProtocolVersion: 'TLSv1_3',
  cipherSuites: [
    'ECDHE-ECDSA-AES256-GCM-SHA384',
    'ECDHE-RSA-AES256-GCM-SHA384',
    'ECDHE-ECDSA-AES128-GCM-SHA256',
    'ECDHE-RSA-AES128-GCM-SHA256',
  ] as readonly string[],
} as const;

/** Istio's sds_config for the node agent's secrets: an SDS stream to `sds-grpc`. */
export function agentSdsConfig(): envoy_config_core_v3_ConfigSource {
  return {
    api_config_source: {
      api_type: 'GRPC',
      transport_api_version: 'V3',
      set_node_on_first_message_only: true,
      grpc_services: [{ envoy_grpc: { cluster_name: ISTIO_TLS.sdsCluster } }],
    },
    initial_fetch_timeout: { seconds: 0, nanos: 0 },
    resource_api_version: 'V3',
  };
}

/** An SdsSecretConfig for one of the node agent's secrets (`default` or `ROOTCA`). */
export function agentSecret(name: string): envoy_extensions_transport_sockets_tls_v3_SdsSecretConfig {
  return { name, sds_config: agentSdsConfig() };
}


/**
 * A `credentialName` (Gateway server tls, DestinationRule tls) as Istio names
 * its SDS resource: `kubernetes://<name>`, served by the control plane over
 * ADS. The CA bundle of a MUTUAL credential is `<that>-cacert` (Istio's
 * convention for a separate ca.crt).
 */
export const CREDENTIAL_PREFIX = 'kubernetes://';
export const CREDENTIAL_CA_SUFFIX = '-cacert';

/** The SdsSecretConfig for a credentialName's certificate (or, with `ca`, its CA bundle). */
export function credentialSecret(credentialName: string, ca = false): envoy_extensions_transport_sockets_tls_v3_SdsSecretConfig {
  return { name: `${CREDENTIAL_PREFIX}${credentialName}${ca ? CREDENTIAL_CA_SUFFIX : ''}`, sds_config: { ads: {}, resource_api_version: 'V3' } };
}

/**
 * Cipher suite names Envoy (BoringSSL) takes in tls_params.cipher_suites, as
 * Istio's security.IsValidCipherSuite checks ServerTLSSettings.cipherSuites:
 * an unknown name is a validation warning and is left out of the generated
 * config (Istio's FilterCipherSuites), never passed on for Envoy to refuse.
 */
export const ENVOY_CIPHER_SUITES: ReadonlySet<string> = new Set([
  'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305', 'ECDHE-PSK-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-SHA', 'ECDHE-RSA-AES128-SHA', 'ECDHE-PSK-AES128-CBC-SHA', 'AES128-GCM-SHA256', 'AES128-SHA',
  'ECDHE-ECDSA-AES256-SHA', 'ECDHE-RSA-AES256-SHA', 'ECDHE-PSK-AES256-CBC-SHA', 'AES256-GCM-SHA384', 'AES256-SHA',
  'PSK-AES128-CBC-SHA', 'PSK-AES256-CBC-SHA', 'DES-CBC3-SHA',
]);

/** A known cipher suite, or an equal-preference group of them (`[A|B]`, BoringSSL's syntax). */
export function isValidCipherSuite(name: string): boolean {
  if (name.startsWith('[') && name.endsWith(']')) {
    const members = name.slice(1, -1).split('|');
    return members.length > 0 && members.every((m) => ENVOY_CIPHER_SUITES.has(m));
  }
  return ENVOY_CIPHER_SUITES.has(name);
}

/** ServerTLSSettings.TLSProtocol (Istio's enum) → TlsParameters.TlsProtocol (Envoy's), one to one. */
export const TLS_PROTOCOL_VERSIONS = {
  TLS_AUTO: 'TLS_AUTO',
  TLSV1_0: 'TLSv1_0',
  TLSV1_1: 'TLSv1_1',
  TLSV1_2: 'TLSv1_2',
  TLSV1_3: 'TLSv1_3',
} as const;

/** ALPN a gateway offers when it terminates TLS for HTTP (Istio's util.ALPNHttp, the same list inbound mTLS offers). */
export const GATEWAY_HTTP_ALPN: readonly string[] = ISTIO_TLS.inboundAlpn;
/** ALPN of a TLS (TCP) gateway server terminating ISTIO_MUTUAL: what a sidecar's inbound TCP port offers (Istio's ALPNDownstreamWithMxc). */
export const GATEWAY_MTLS_TCP_ALPN: readonly string[] = ISTIO_TLS.inboundAlpnTcp;
