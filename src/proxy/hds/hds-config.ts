// The bootstrap's hds_config: where the Health Discovery Service lives. Like
// ads_config it is an ApiConfigSource over gRPC to a static cluster; HDS has
// no delta or REST form, so only api_type GRPC is accepted.
import { CFG, ConfigErrors, joinPath } from '../../common/errors.js';
import type { envoy_config_core_v3_ApiConfigSource } from '../../xds/gen/types.js';
import { checkSupported } from '../config/support.js';

export interface HdsConfig {
  /** Static cluster that reaches the HDS server. */
  readonly cluster: string;
  /** :authority of the gRPC stream (envoy_grpc.authority, default the cluster name). */
  readonly authority: string;
}

/** Decodes hds_config; every error goes to `errs` with its path. */
export function decodeHdsConfig(src: envoy_config_core_v3_ApiConfigSource, path: string, errs: ConfigErrors, staticClusters: ReadonlySet<string>): HdsConfig | undefined {
  checkSupported(src, path, errs, ['api_type', 'transport_api_version', 'grpc_services', 'set_node_on_first_message_only']);
  const apiType = src.api_type ?? 'DEPRECATED_AND_UNAVAILABLE_DO_NOT_USE';
  if (apiType !== 'GRPC') errs.error(joinPath(path, 'api_type'), `HDS runs over a gRPC stream: api_type must be GRPC (got ${apiType})`);
  if (src.transport_api_version === 'V2') errs.error(joinPath(path, 'transport_api_version'), 'the v2 xDS API is gone; use V3');
  const gs = src.grpc_services ?? [];
  if (gs.length !== 1) {
    errs.required(joinPath(path, 'grpc_services'), 'exactly one grpc_services entry is required');
    return undefined;
  }
  const g = gs[0]!;
  const gp = joinPath(joinPath(path, 'grpc_services'), 0);
  checkSupported(g, gp, errs, ['envoy_grpc', 'timeout']);
  if (!g.envoy_grpc) {
    errs.required(gp, 'envoy_grpc is required (google_grpc is not supported by weft)');
    return undefined;
  }
  checkSupported(g.envoy_grpc, joinPath(gp, 'envoy_grpc'), errs, ['cluster_name', 'authority']);
  const cluster = g.envoy_grpc.cluster_name ?? '';
  if (!staticClusters.has(cluster)) {
    errs.error(joinPath(gp, 'envoy_grpc.cluster_name'), `cluster "${cluster}" must be defined in static_resources.clusters`, CFG.UNKNOWN_REFERENCE);
    return undefined;
  }
  return { cluster, authority: g.envoy_grpc.authority || cluster };
}
