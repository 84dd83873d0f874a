// A Gateway server's `tls` as the DownstreamTlsContext of its filter chain,
// as Istio's BuildListenerTLSContext makes it for gateways:
//   SIMPLE/MUTUAL/OPTIONAL_MUTUAL with credentialName: the certificate from
//     SDS over ADS (`kubernetes://<name>`); client verification from
//     `kubernetes://<name>-cacert` merged with the subjectAltNames;
//   SIMPLE/MUTUAL/OPTIONAL_MUTUAL with files: serverCertificate/privateKey and
//     caCertificates as DataSource filenames (Istio routes these through its
//     agent's `file-cert:` SDS; weft's proxy reads the files itself);
//   ISTIO_MUTUAL: the gateway's own workload certificate (`default`) and the
//     mesh trust bundle (`ROOTCA`) from the node agent.
// minProtocolVersion/maxProtocolVersion/cipherSuites apply to SIMPLE and
// MUTUAL only, as in Istio; unknown ciphers are dropped (validation warns).
import type { GatewayServer } from '../../api/networking.js';
import type {
  envoy_config_core_v3_TransportSocket,
  envoy_extensions_transport_sockets_tls_v3_CommonTlsContext,
  envoy_extensions_transport_sockets_tls_v3_DownstreamTlsContext,
  envoy_extensions_transport_sockets_tls_v3_TlsParameters,
  envoy_type_matcher_v3_StringMatcher,
} from '../../xds/gen/types.js';
import {
  agentSecret, credentialSecret, GATEWAY_HTTP_ALPN, GATEWAY_MTLS_TCP_ALPN, ISTIO_TLS, isValidCipherSuite, TLS_PROTOCOL_VERSIONS,
} from './istio-tls.js';
import { anyOf, FILTER_NAMES, TYPE_URLS } from './proto-helpers.js';

export type ServerTls = NonNullable<GatewayServer['tls']>;

/** Modes that terminate TLS at the gateway with the user's certificates. */
export function isSimpleOrMutual(mode: ServerTls['mode']): boolean {
  return mode === 'SIMPLE' || mode === 'MUTUAL' || mode === 'OPTIONAL_MUTUAL';
}

/** Istio's IsPassThroughServer: no tls, or mode PASSTHROUGH / AUTO_PASSTHROUGH (PASSTHROUGH is the enum's zero value). */
export function isPassthroughServer(server: GatewayServer): boolean {
  const mode = server.tls?.mode ?? 'PASSTHROUGH';
  return server.tls === undefined || mode === 'PASSTHROUGH' || mode === 'AUTO_PASSTHROUGH';
}

/**
 * SNI names of a TLS server's filter chain (Istio's GetSNIHostsForServer):
 * the hosts without their `namespace/`, deduplicated and sorted; empty (match
 * any name, or none) when one of them is `*`.
 */
export function serverSniHosts(server: GatewayServer): string[] {
  const hosts = new Set((server.hosts ?? []).map((h) => (h.includes('/') ? h.slice(h.indexOf('/') + 1) : h)));
  if (hosts.has('*')) return [];
  return [...hosts].sort();
}

const exact = (names: readonly string[] | undefined): envoy_type_matcher_v3_StringMatcher[] => (names ?? []).map((n) => ({ exact: n }));

/**
 * The DownstreamTlsContext of a terminating server (not passthrough).
 * `tcpTermination`: a TLS (not HTTPS) server that terminates and forwards TCP.
 */
export function buildGatewayTlsContext(tls: ServerTls, tcpTermination: boolean): envoy_extensions_transport_sockets_tls_v3_DownstreamTlsContext {
  const mode = tls.mode ?? 'PASSTHROUGH';
  const alpn = tcpTermination && mode === 'ISTIO_MUTUAL' ? GATEWAY_MTLS_TCP_ALPN : GATEWAY_HTTP_ALPN;
  const requireClient = mode === 'MUTUAL' || mode === 'ISTIO_MUTUAL';
  const validateClient = requireClient || mode === 'OPTIONAL_MUTUAL';
  const sans = exact(tls.subjectAltNames);
  const common: envoy_extensions_transport_sockets_tls_v3_CommonTlsContext = { alpn_protocols: [...alpn] };

  if (mode === 'ISTIO_MUTUAL') {
    common.tls_certificate_sds_secret_configs = [agentSecret(ISTIO_TLS.workloadCertSecret)];
    common.combined_validation_context = {
      default_validation_context: sans.length ? { match_subject_alt_names: sans } : {},
      validation_context_sds_secret_config: agentSecret(ISTIO_TLS.rootCaSecret),
    };
  } else if (tls.credentialName) {
    common.tls_certificate_sds_secret_configs = [credentialSecret(tls.credentialName)];
    if (validateClient) {
      common.combined_validation_context = {
        default_validation_context: { ...(sans.length ? { match_subject_alt_names: sans } : {}), ...pins(tls) },
        validation_context_sds_secret_config: credentialSecret(tls.credentialName, true),
      };
    } else if (sans.length) common.validation_context = { match_subject_alt_names: sans };
  } else {
    common.tls_certificates = [{
      certificate_chain: { filename: tls.serverCertificate ?? '' },
      private_key: { filename: tls.privateKey ?? '' },
    }];
    if (validateClient && tls.caCertificates) {
      common.validation_context = { trusted_ca: { filename: tls.caCertificates }, ...(sans.length ? { match_subject_alt_names: sans } : {}), ...pins(tls) };
    } else if (sans.length) common.validation_context = { match_subject_alt_names: sans };
  }

  if (isSimpleOrMutual(mode)) {
    const params = tlsParams(tls);
    if (params) common.tls_params = params;
  }
  return { common_tls_context: common, require_client_certificate: { value: requireClient } };
}

/** verifyCertificateSpki/Hash, as Istio copies them into the client validation context. */
function pins(tls: ServerTls): { verify_certificate_spki?: string[]; verify_certificate_hash?: string[] } {
  return {
    ...(tls.verifyCertificateSpki?.length ? { verify_certificate_spki: [...tls.verifyCertificateSpki] } : {}),
    ...(tls.verifyCertificateHash?.length ? { verify_certificate_hash: [...tls.verifyCertificateHash] } : {}),
  };
}

/** Istio's applyServerTLSSettings: only what the server sets (TLS_AUTO and an empty list mean Envoy's defaults). */
function tlsParams(tls: ServerTls): envoy_extensions_transport_sockets_tls_v3_TlsParameters | undefined {
  const p: envoy_extensions_transport_sockets_tls_v3_TlsParameters = {};
  const min = TLS_PROTOCOL_VERSIONS[tls.minProtocolVersion as keyof typeof TLS_PROTOCOL_VERSIONS];
  const max = TLS_PROTOCOL_VERSIONS[tls.maxProtocolVersion as keyof typeof TLS_PROTOCOL_VERSIONS];
  if (min && min !== 'TLS_AUTO') p.tls_minimum_protocol_version = min;
  if (max && max !== 'TLS_AUTO') p.tls_maximum_protocol_version = max;
  const ciphers = [...new Set((tls.cipherSuites ?? []).filter(isValidCipherSuite))];
  if (ciphers.length) p.cipher_suites = ciphers;
  return Object.keys(p).length ? p : undefined;
}

/** The `envoy.transport_sockets.tls` transport socket carrying `ctx`. */
export function downstreamTlsSocket(ctx: envoy_extensions_transport_sockets_tls_v3_DownstreamTlsContext): envoy_config_core_v3_TransportSocket {
  return { name: FILTER_NAMES.tlsTransportSocket, typed_config: anyOf(TYPE_URLS.downstreamTlsContext, ctx) };
}
