// Inbound mTLS per port, by the effective PeerAuthentication mode, as Istio
// builds it (pilot/pkg/networking/core filterchain_options.go and
// pilot/pkg/security/authn BuildInboundTLS):
//   STRICT      one chain: transport_protocol "tls", terminating mTLS
//   PERMISSIVE  HTTP: mTLS chain (Istio's ALPNs) + plaintext (raw_buffer);
//               TCP: mTLS chain + plain TLS passed through + plaintext
//   DISABLE     one plaintext chain (raw_buffer)
// The mTLS chains terminate with the node agent's SDS secrets (`default`,
// `ROOTCA`) and require a client certificate, so the peer's SPIFFE identity
// is known on that chain (%DOWNSTREAM_PEER_URI_SAN% in its access log).
import type {
  envoy_config_core_v3_TransportSocket,
  envoy_config_listener_v3_FilterChainMatch,
  envoy_config_listener_v3_ListenerFilter,
  envoy_extensions_transport_sockets_tls_v3_DownstreamTlsContext,
} from '../../xds/gen/types.js';
import type { MtlsMode } from '../model/types.js';
import { agentSecret, ISTIO_TLS } from './istio-tls.js';
import { anyOf, FILTER_NAMES, TYPE_URLS } from './proto-helpers.js';

/** Envoy's transport protocol names set by the tls_inspector (raw_buffer when no TLS is seen). */
export const TRANSPORT_PROTOCOL = { tls: 'tls', rawBuffer: 'raw_buffer' } as const;

/** Every ALPN an Istio client sidecar offers on mesh mTLS (Istio's allIstioMtlsALPNs): TCP and HTTP ones. */
export const ALL_ISTIO_MTLS_ALPNS: readonly string[] = [...new Set([...ISTIO_TLS.mtlsAlpnInboundTcp, ...ISTIO_TLS.mtlsAlpnInboundHttp])];

/** One inbound filter chain to build for a port: how it matches and whether it terminates mesh mTLS. */
export interface InboundChainOption {
  readonly transportProtocol: string;
  readonly applicationProtocols?: readonly string[];
  /** Terminate Istio mTLS on this chain (DownstreamTlsContext). */
  readonly mtls: boolean;
}

/** Istio's filter chain match options for a port of the given protocol kind and mode. */
export function inboundChainOptions(mode: MtlsMode, http: boolean): InboundChainOption[] {
  const tls = TRANSPORT_PROTOCOL.tls;
  const raw = TRANSPORT_PROTOCOL.rawBuffer;
  switch (mode) {
    case 'STRICT':
      return [{ transportProtocol: tls, mtls: true }];
    case 'PERMISSIVE':
      return http
        ? [{ transportProtocol: tls, applicationProtocols: ALL_ISTIO_MTLS_ALPNS, mtls: true }, { transportProtocol: raw, mtls: false }]
        : [
          { transportProtocol: tls, applicationProtocols: ALL_ISTIO_MTLS_ALPNS, mtls: true },
          // TLS from a client without a sidecar (no Istio ALPN): passed to the app as TCP, as Istio does.
          { transportProtocol: tls, mtls: false },
          { transportProtocol: raw, mtls: false },
        ];
    case 'DISABLE':
      return [{ transportProtocol: raw, mtls: false }];
  }
}

/** The filter_chain_match fields an option sets (destination_port is added by the caller). */
export function chainMatchOf(o: InboundChainOption): envoy_config_listener_v3_FilterChainMatch {
  return {
    transport_protocol: o.transportProtocol,
    ...(o.applicationProtocols ? { application_protocols: [...o.applicationProtocols] } : {}),
  };
}

/**
 * Istio's inbound DownstreamTlsContext: client certificate required, the
 * workload certificate and trust bundle from the node agent over SDS, TLS
 * 1.2–1.3 with Istio's ciphers. TCP ports also offer `istio-peer-exchange`
 * (Istio's ALPNDownstreamWithMxc) so a client sidecar's metadata exchange
 * negotiates.
 */
export function inboundTlsContext(http: boolean): envoy_extensions_transport_sockets_tls_v3_DownstreamTlsContext {
  return {
    common_tls_context: {
      tls_params: {
        tls_minimum_protocol_version: ISTIO_TLS.minProtocolVersion,
        tls_maximum_protocol_version: ISTIO_TLS.maxProtocolVersion,
        cipher_suites: [...ISTIO_TLS.cipherSuites],
      },
      alpn_protocols: http ? [...ISTIO_TLS.inboundAlpn] : [...ISTIO_TLS.inboundAlpnTcp],
      tls_certificate_sds_secret_configs: [agentSecret(ISTIO_TLS.workloadCertSecret)],
      combined_validation_context: {
        default_validation_context: {},
        validation_context_sds_secret_config: agentSecret(ISTIO_TLS.rootCaSecret),
      },
    },
    require_client_certificate: { value: true },
  };
}

/** envoy.transport_sockets.tls carrying the inbound mTLS context. */
export function inboundTlsTransportSocket(http: boolean): envoy_config_core_v3_TransportSocket {
  return { name: FILTER_NAMES.tlsTransportSocket, typed_config: anyOf(TYPE_URLS.downstreamTlsContext, inboundTlsContext(http)) };
}

/** The tls_inspector a listener needs when a chain matches on transport_protocol "tls". */
export function tlsInspectorFilter(): envoy_config_listener_v3_ListenerFilter {
  return { name: FILTER_NAMES.tlsInspector, typed_config: anyOf(TYPE_URLS.tlsInspector) };
}
