// The SDS references a listener or cluster makes, found in its config as
// written (the TLS contexts' SdsSecretConfigs, with their field paths), and
// the checks Envoy makes on them when the config is loaded: a static secret
// exists, an `ads` source has an ADS stream, an `api` source names a static
// cluster. Read from the protos, so the check sees every TLS context
// (filter chains, default chain, transport_socket_matches) wherever the
// decoded config keeps it.
import { CFG, ConfigErrors, joinPath } from '../../../common/errors.js';
import type {
  AnyMessage,
  envoy_config_cluster_v3_Cluster,
  envoy_config_core_v3_TransportSocket,
  envoy_config_listener_v3_Listener,
  envoy_extensions_transport_sockets_tls_v3_CommonTlsContext,
} from '../../../xds/gen/types.js';
import { durationMs } from '../../config/support.js';
import { decodeSdsSecretConfig } from '../decode-sds-secret-config.js';
import type { SdsRef } from '../tls-config.js';

const TLS_CONTEXT_TYPES = new Set([
  'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
  'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
]);

export interface PlacedSdsRef {
  readonly ref: SdsRef;
  /** Field path of the SdsSecretConfig. */
  readonly path: string;
  /** sds_config.initial_fetch_timeout when set (0: wait without a limit, as Istio's sds-grpc secrets ask). */
  readonly initialFetchTimeoutMs?: number;
}

function fromCommon(c: envoy_extensions_transport_sockets_tls_v3_CommonTlsContext | undefined, path: string, out: PlacedSdsRef[]): void {
  if (!c) return;
  // Errors in the references themselves are the TLS decoder's to report.
  const quiet = new ConfigErrors();
  const add = (msg: Parameters<typeof decodeSdsSecretConfig>[0], p: string) => {
    const ref = decodeSdsSecretConfig(msg, p, quiet);
    const timeout = durationMs(msg.sds_config?.initial_fetch_timeout);
    if (ref) out.push({ ref, path: p, ...(timeout !== undefined ? { initialFetchTimeoutMs: timeout } : {}) });
  };
  (c.tls_certificate_sds_secret_configs ?? []).forEach((s, i) => add(s, joinPath(joinPath(path, 'tls_certificate_sds_secret_configs'), i)));
  if (c.validation_context_sds_secret_config) add(c.validation_context_sds_secret_config, joinPath(path, 'validation_context_sds_secret_config'));
  const combined = c.combined_validation_context?.validation_context_sds_secret_config;
  if (combined) add(combined, joinPath(path, 'combined_validation_context.validation_context_sds_secret_config'));
}

function fromTransportSocket(ts: envoy_config_core_v3_TransportSocket | undefined, path: string, out: PlacedSdsRef[]): void {
  const tc = ts?.typed_config as (AnyMessage & { common_tls_context?: envoy_extensions_transport_sockets_tls_v3_CommonTlsContext }) | undefined;
  if (!tc || !TLS_CONTEXT_TYPES.has(tc['@type'])) return;
  fromCommon(tc.common_tls_context, joinPath(path, 'typed_config.common_tls_context'), out);
}

/** Every SdsSecretConfig in a listener's filter chains. */
export function listenerSdsRefs(l: envoy_config_listener_v3_Listener, path: string): PlacedSdsRef[] {
  const out: PlacedSdsRef[] = [];
  (l.filter_chains ?? []).forEach((fc, i) => fromTransportSocket(fc.transport_socket, joinPath(joinPath(path, 'filter_chains'), i) + '.transport_socket', out));
  if (l.default_filter_chain) fromTransportSocket(l.default_filter_chain.transport_socket, joinPath(path, 'default_filter_chain.transport_socket'), out);
  return out;
}

/** Every SdsSecretConfig in a cluster's transport sockets. */
export function clusterSdsRefs(c: envoy_config_cluster_v3_Cluster, path: string): PlacedSdsRef[] {
  const out: PlacedSdsRef[] = [];
  fromTransportSocket(c.transport_socket, joinPath(path, 'transport_socket'), out);
  (c.transport_socket_matches ?? []).forEach((m, i) => fromTransportSocket(m.transport_socket, joinPath(joinPath(path, 'transport_socket_matches'), i) + '.transport_socket', out));
  return out;
}

/** Every SdsSecretConfig of the bootstrap's static listeners and clusters. */
export function bootstrapSdsRefs(b: { static_resources?: { listeners?: envoy_config_listener_v3_Listener[]; clusters?: envoy_config_cluster_v3_Cluster[] } }): PlacedSdsRef[] {
  const sr = b.static_resources;
  return [
    ...(sr?.listeners ?? []).flatMap((l, i) => listenerSdsRefs(l, joinPath('static_resources.listeners', i))),
    ...(sr?.clusters ?? []).flatMap((c, i) => clusterSdsRefs(c, joinPath('static_resources.clusters', i))),
  ];
}

/** What the references are checked against. */
export interface SdsRefEnv {
  readonly staticSecrets: ReadonlySet<string>;
  readonly hasAds: boolean;
  readonly staticClusters: ReadonlySet<string>;
}

/** Envoy's load-time checks of SDS references; every problem at its path. */
export function checkSdsRefs(refs: readonly PlacedSdsRef[], env: SdsRefEnv, errs: ConfigErrors): void {
  for (const { ref, path } of refs) {
    const s = ref.source;
    if (s.kind === 'static' && !env.staticSecrets.has(ref.name)) {
      errs.error(joinPath(path, 'name'), `unknown static secret "${ref.name}" (an SdsSecretConfig without sds_config names one of static_resources.secrets)`, CFG.UNKNOWN_REFERENCE);
    } else if (s.kind === 'ads' && !env.hasAds) {
      errs.error(joinPath(path, 'sds_config.ads'), `secret "${ref.name}" is to come over ADS, but the bootstrap has no dynamic_resources.ads_config`, CFG.UNKNOWN_REFERENCE);
    } else if (s.kind === 'api' && !env.staticClusters.has(s.clusterName)) {
      errs.error(joinPath(path, 'sds_config.api_config_source'), `SDS cluster "${s.clusterName}" must be defined in static_resources.clusters`, CFG.UNKNOWN_REFERENCE);
    }
  }
}
