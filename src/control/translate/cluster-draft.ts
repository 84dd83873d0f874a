// A cluster under construction: the proto plus the upstream HTTP protocol
// options that several apply* steps contribute to, folded into
// typed_extension_protocol_options once at the end (as Istio's clusterWrapper).
import type {
  envoy_config_cluster_v3_Cluster,
  envoy_config_core_v3_UpstreamHttpProtocolOptions,
  envoy_extensions_upstreams_http_v3_HttpProtocolOptions,
} from '../../xds/gen/types.js';
import { anyOf, FILTER_NAMES, TYPE_URLS } from './proto-helpers.js';

export interface ClusterDraft {
  cluster: envoy_config_cluster_v3_Cluster;
  /** Upstream protocol choice: undefined leaves Envoy's default (HTTP/1.1). */
  protocol: 'http1' | 'http2' | 'downstream' | undefined;
  /** common_http_protocol_options collected from the connection pool. */
  common: NonNullable<envoy_extensions_upstreams_http_v3_HttpProtocolOptions['common_http_protocol_options']>;
  /** http2_protocol_options.max_concurrent_streams, when set. */
  maxConcurrentStreams: number | undefined;
  /** upstream_http_protocol_options (auto_sni, auto_san_validation from TLS origination). */
  upstream: envoy_config_core_v3_UpstreamHttpProtocolOptions;
}

export function newDraft(cluster: envoy_config_cluster_v3_Cluster): ClusterDraft {
  return { cluster, protocol: undefined, common: {}, maxConcurrentStreams: undefined, upstream: {} };
}

/**
 * The finished cluster. HttpProtocolOptions is emitted only when something
 * needs it, and then always with an explicit protocol (Envoy requires one).
 */
export function finishDraft(d: ClusterDraft): envoy_config_cluster_v3_Cluster {
  const hasCommon = Object.keys(d.common).length > 0;
  const hasUpstream = Object.keys(d.upstream).length > 0;
  if (!hasCommon && !hasUpstream && d.protocol === undefined) return d.cluster;
  const h2 = d.maxConcurrentStreams !== undefined ? { max_concurrent_streams: { value: d.maxConcurrentStreams } } : {};
  const opts: envoy_extensions_upstreams_http_v3_HttpProtocolOptions = {
    ...(hasCommon ? { common_http_protocol_options: d.common } : {}),
    ...(hasUpstream ? { upstream_http_protocol_options: d.upstream } : {}),
    ...(d.protocol === 'downstream'
      ? { use_downstream_protocol_config: { http_protocol_options: {}, http2_protocol_options: h2 } }
      : d.protocol === 'http2'
        ? { explicit_http_config: { http2_protocol_options: h2 } }
        : { explicit_http_config: { http_protocol_options: {} } }),
  };
  d.cluster.typed_extension_protocol_options = { [FILTER_NAMES.httpProtocolOptionsKey]: anyOf(TYPE_URLS.httpProtocolOptions, opts) };
  return d.cluster;
}
