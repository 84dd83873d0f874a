// TLS origination on outbound clusters, as Istio builds it (cluster_tls.go:
// buildUpstreamTLSSettings, applyUpstreamTLSSettings, constructUpstreamTLS).
//
// - No DestinationRule tls, auto mTLS on: the cluster gets two
//   transport_socket_matches. Endpoints marked tlsMode=istio (they have a
//   sidecar) get Istio mTLS; the others get plaintext (`tlsMode-disabled`).
// - DISABLE: plaintext, and auto mTLS is off for the cluster.
// - ISTIO_MUTUAL: Istio mTLS to every endpoint (the mesh certificate
//   `default` and trust bundle `ROOTCA` from the node agent's SDS).
// - SIMPLE / MUTUAL: TLS to a server outside the mesh's identity: the
//   server is verified with caCertificates or, when none is named, the
//   system's roots (insecureSkipVerify turns verification off); MUTUAL adds a
//   client certificate, from files or from credentialName (SDS over ADS).
// Certificate files are referenced by name in the generated config
// (DataSource.filename) and read by the proxy, where istio-agent would
// serve them over SDS as `file-cert:`/`file-root:`: the proxy's TLS context
// reads the same files either way.
import type { ClientTLSSettings } from '../../api/networking.js';
import type {
  envoy_config_cluster_v3_Cluster_TransportSocketMatch,
  envoy_config_core_v3_TransportSocket,
  envoy_extensions_transport_sockets_tls_v3_CertificateValidationContext,
  envoy_extensions_transport_sockets_tls_v3_CommonTlsContext,
  envoy_extensions_transport_sockets_tls_v3_UpstreamTlsContext,
  envoy_type_matcher_v3_StringMatcher,
} from '../../xds/gen/types.js';
import type { ClusterDraft } from './cluster-draft.js';
import { TRANSLATE_DEFAULTS } from './defaults.js';
import { agentSecret, credentialSecret, ISTIO_TLS } from './istio-tls.js';
import { anyOf, TYPE_PREFIX } from './proto-helpers.js';

/** Envoy's transport socket names and config types. */
export const TRANSPORT_SOCKETS = {
  tls: 'envoy.transport_sockets.tls',
  rawBuffer: 'envoy.transport_sockets.raw_buffer',
  upstreamTlsType: `${TYPE_PREFIX}envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext`,
  rawBufferType: `${TYPE_PREFIX}envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer`,
} as const;

/** Istio's names of the two auto mTLS transport socket matches. */
export const AUTO_MTLS_MATCH_NAMES = {
  istio: `tlsMode-${ISTIO_TLS.tlsModeIstio}`,
  disabled: 'tlsMode-disabled',
} as const;

/** What one outbound cluster's TLS depends on. */
export interface UpstreamTlsInput {
  /** The cluster's effective DestinationRule tls (port-level and subset settings resolved), if any. */
  readonly tls: ClientTLSSettings | undefined;
  /**
   * Whether auto mTLS may apply when `tls` is unset: the mesh enables it and
   * the destination is a mesh service Istio would infer mTLS for (not
   * MESH_EXTERNAL, not passthrough).
   */
  readonly autoMtls: boolean;
  /** Istio's SNI for the cluster (outbound_.<port>_.<subset>_.<host>). */
  readonly istioSni: string;
  /** SPIFFE IDs of the service's workloads (and ServiceEntry subjectAltNames): what Istio mTLS verifies. */
  readonly serviceAccounts: readonly string[];
  /**
   * Whether SIMPLE/MUTUAL without subjectAltNames verify `serviceAccounts`
   * (Istio does for ServiceEntry services, whose subjectAltNames are theirs).
   */
  readonly serviceEntry: boolean;
}

/**
 * Sets transport_socket (or transport_socket_matches for auto mTLS) on the
 * draft's cluster and, for SIMPLE/MUTUAL without sni, auto_sni and
 * auto_san_validation. Call before finishDraft (it reads the upstream
 * protocol for ALPN and adds HTTP protocol options).
 */
export function applyUpstreamTls(d: ClusterDraft, input: UpstreamTlsInput): void {
  const settings = upstreamTlsSettings(input);
  if (!settings) return;
  const h2 = d.protocol === 'http2';
  if (settings.mode === 'ISTIO_MUTUAL') {
    const socket = tlsSocket(istioMutualContext(settings, h2));
    if (settings.auto) {
      d.cluster.transport_socket_matches = autoMtlsMatches(socket);
    } else {
      d.cluster.transport_socket = socket;
    }
    return;
  }
  d.cluster.transport_socket = tlsSocket(originationContext(d, settings.tls, input, h2));
}

type Settings =
  | { mode: 'ISTIO_MUTUAL'; auto: boolean; sni: string; subjectAltNames: readonly string[] }
  | { mode: 'SIMPLE' | 'MUTUAL'; tls: ClientTLSSettings };

/**
 * Istio's buildUpstreamTLSSettings: what the cluster originates. ISTIO_MUTUAL
 * (written or inferred) uses the user's sni/subjectAltNames when set, else
 * Istio's SNI and the service's identities. Undefined: plaintext.
 */
export function upstreamTlsSettings(input: UpstreamTlsInput): Settings | undefined {
  const t = input.tls;
  if (t?.mode === 'DISABLE') return undefined;
  if (t?.mode === 'SIMPLE' || t?.mode === 'MUTUAL') return { mode: t.mode, tls: t };
  if (t?.mode === 'ISTIO_MUTUAL') {
    return { mode: 'ISTIO_MUTUAL', auto: false, sni: t.sni || input.istioSni, subjectAltNames: t.subjectAltNames ?? input.serviceAccounts };
  }
  // A tls block without a mode is DISABLE (the enum's zero value), as in Istio.
  if (t) return undefined;
  if (!input.autoMtls) return undefined;
  return { mode: 'ISTIO_MUTUAL', auto: true, sni: input.istioSni, subjectAltNames: input.serviceAccounts };
}

/** Auto mTLS: Istio mTLS to endpoints marked tlsMode=istio, plaintext to the rest. */
function autoMtlsMatches(mtls: envoy_config_core_v3_TransportSocket): envoy_config_cluster_v3_Cluster_TransportSocketMatch[] {
  return [
    { name: AUTO_MTLS_MATCH_NAMES.istio, match: { [ISTIO_TLS.tlsModeLabel]: ISTIO_TLS.tlsModeIstio }, transport_socket: mtls },
    { name: AUTO_MTLS_MATCH_NAMES.disabled, match: {}, transport_socket: { name: TRANSPORT_SOCKETS.rawBuffer, typed_config: anyOf(TRANSPORT_SOCKETS.rawBufferType) } },
  ];
}

function tlsSocket(ctx: envoy_extensions_transport_sockets_tls_v3_UpstreamTlsContext): envoy_config_core_v3_TransportSocket {
  return { name: TRANSPORT_SOCKETS.tls, typed_config: anyOf(TRANSPORT_SOCKETS.upstreamTlsType, ctx) };
}

/** Istio's default upstream context: TLS 1.2 to 1.3 (Envoy's client default would stop at 1.2). */
function defaultCommon(): envoy_extensions_transport_sockets_tls_v3_CommonTlsContext {
  return { tls_params: { tls_minimum_protocol_version: ISTIO_TLS.minProtocolVersion, tls_maximum_protocol_version: ISTIO_TLS.maxProtocolVersion } };
}

/** Exact matchers, as Istio's StringToExactMatch (nothing when the list is empty). */
function exactMatchers(names: readonly string[] | undefined): envoy_type_matcher_v3_StringMatcher[] | undefined {
  return names && names.length > 0 ? names.map((exact) => ({ exact })) : undefined;
}

function sanValidation(names: readonly string[] | undefined, crl?: string): envoy_extensions_transport_sockets_tls_v3_CertificateValidationContext {
  const m = exactMatchers(names);
  return { ...(m ? { match_subject_alt_names: m } : {}), ...(crl ? { crl: { filename: crl } } : {}) };
}

function istioMutualContext(s: Extract<Settings, { mode: 'ISTIO_MUTUAL' }>, h2: boolean): envoy_extensions_transport_sockets_tls_v3_UpstreamTlsContext {
  const common = defaultCommon();
  // Istio's ALPNInMeshWithMxc / ALPNInMeshH2WithMxc: the peer-exchange marker, "istio", and h2 for HTTP/2 clusters.
  common.alpn_protocols = [...ISTIO_TLS.mtlsAlpnUpstream, ...(h2 ? ['h2'] : [])];
  common.tls_certificate_sds_secret_configs = [agentSecret(ISTIO_TLS.workloadCertSecret)];
  common.combined_validation_context = {
    default_validation_context: sanValidation(s.subjectAltNames),
    validation_context_sds_secret_config: agentSecret(ISTIO_TLS.rootCaSecret),
  };
  return { common_tls_context: common, sni: s.sni };
}

/** Istio's constructUpstreamTLS for SIMPLE (mutual=false) and MUTUAL. */
function originationContext(d: ClusterDraft, t: ClientTLSSettings, input: UpstreamTlsInput, h2: boolean): envoy_extensions_transport_sockets_tls_v3_UpstreamTlsContext {
  const common = defaultCommon();
  const mutual = t.mode === 'MUTUAL';
  const skipVerify = t.insecureSkipVerify === true;
  // Without sni the request's host names the server (auto_sni) and, unless
  // SANs are given or verification is off, is what its certificate must hold.
  if (!t.sni) {
    d.upstream.auto_sni = true;
    if (!t.subjectAltNames?.length && !skipVerify) d.upstream.auto_san_validation = true;
  }
  const sans = t.subjectAltNames?.length ? t.subjectAltNames : input.serviceEntry ? input.serviceAccounts : undefined;
  if (t.credentialName) {
    if (mutual) common.tls_certificate_sds_secret_configs = [credentialSecret(t.credentialName)];
    if (!skipVerify) {
      common.combined_validation_context = {
        default_validation_context: sanValidation(sans),
        validation_context_sds_secret_config: credentialSecret(t.credentialName, true),
      };
    }
  } else {
    if (mutual) {
      common.tls_certificates = [{ certificate_chain: { filename: t.clientCertificate ?? '' }, private_key: { filename: t.privateKey ?? '' } }];
    }
    common.validation_context = skipVerify
      ? {}
      : { trusted_ca: { filename: t.caCertificates || TRANSLATE_DEFAULTS.systemRootCertsFile }, ...sanValidation(sans, t.caCrl) };
  }
  // Istio: HTTP/2 clusters advertise h2 only; others send no ALPN.
  if (h2) common.alpn_protocols = ['h2'];
  return { common_tls_context: common, ...(t.sni ? { sni: t.sni } : {}) };
}
