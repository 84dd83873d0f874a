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
