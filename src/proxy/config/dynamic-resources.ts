// dynamic_resources: where LDS/CDS (and through them RDS/EDS) come from.
// weft's proxy speaks ADS over gRPC (state-of-the-world or delta) to a
// cluster named in static_resources, as in the seed's xds_cluster example.
import { CFG, ConfigErrors, joinPath } from '../../common/errors.js';
import type { envoy_config_bootstrap_v3_Bootstrap_DynamicResources, envoy_config_core_v3_ApiConfigSource, envoy_config_core_v3_ConfigSource } from '../../xds/gen/types.js';
import { checkSupported, durationMs } from './support.js';

/** Envoy's default initial_fetch_timeout: 15 s. */
export const INITIAL_FETCH_TIMEOUT_MS = 15_000;

export interface DynamicResourcesConfig {
  readonly apiType: 'GRPC' | 'DELTA_GRPC';
  /** Static cluster that reaches the xDS server. */
  readonly cluster: string;
  /** :authority for the gRPC stream (envoy_grpc.authority, default the cluster name). */
  readonly authority: string;
  readonly lds: boolean;
  readonly cds: boolean;
  readonly initialFetchTimeoutMs: number;
  /** EDS only, over its own EndpointDiscoveryService stream (eds_config.api_config_source, the seed's form). */
  readonly edsOnly?: boolean;
}

/** An api_config_source with api_type GRPC and one envoy_grpc service naming a cluster. */
export function decodeApiConfigSource(a: envoy_config_core_v3_ApiConfigSource, path: string, errs: ConfigErrors): { cluster: string; authority: string } | undefined {
  checkSupported(a, path, errs, ['api_type', 'transport_api_version', 'grpc_services', 'set_node_on_first_message_only']);
  if ((a.api_type ?? 'LEGACY') !== 'GRPC') errs.error(joinPath(path, 'api_type'), `api_type must be GRPC (got ${a.api_type ?? 'LEGACY'})`);
  if (a.transport_api_version === 'V2') errs.error(joinPath(path, 'transport_api_version'), 'the v2 xDS API is gone; use V3');
  const g = a.grpc_services ?? [];
  if (g.length !== 1 || !g[0]!.envoy_grpc?.cluster_name) {
    errs.required(joinPath(path, 'grpc_services'), 'exactly one grpc_services entry with envoy_grpc.cluster_name is required');
    return undefined;
  }
  checkSupported(g[0]!, joinPath(joinPath(path, 'grpc_services'), 0), errs, ['envoy_grpc', 'timeout']);
  const eg = g[0]!.envoy_grpc!;
  return { cluster: eg.cluster_name!, authority: eg.authority || eg.cluster_name! };
}

/** Checks a ConfigSource that must point at ADS (lds_config, cds_config, rds, eds_config). */
export function checkAdsConfigSource(cs: envoy_config_core_v3_ConfigSource | undefined, path: string, errs: ConfigErrors): void {
  if (!cs) {
    errs.required(path, 'config source is required');
    return;
  }
  checkSupported(cs, path, errs, ['ads', 'resource_api_version', 'initial_fetch_timeout']);
  if (!cs.ads) errs.error(path, 'weft takes dynamic resources over ADS only: use `ads: {}`');
  if (cs.resource_api_version === 'V2') errs.error(joinPath(path, 'resource_api_version'), 'the v2 xDS API is gone; use V3');
}

export function decodeDynamicResources(d: envoy_config_bootstrap_v3_Bootstrap_DynamicResources, path: string, errs: ConfigErrors, staticClusters: ReadonlySet<string>): DynamicResourcesConfig | undefined {
  checkSupported(d, path, errs, ['lds_config', 'cds_config', 'ads_config']);
  if (d.lds_config) checkAdsConfigSource(d.lds_config, joinPath(path, 'lds_config'), errs);
  if (d.cds_config) checkAdsConfigSource(d.cds_config, joinPath(path, 'cds_config'), errs);
  const ads = d.ads_config;
  const ap = joinPath(path, 'ads_config');
  if (!ads) {
    errs.required(ap, 'ads_config is required for dynamic resources');
    return undefined;
  }
  checkSupported(ads, ap, errs, ['api_type', 'transport_api_version', 'grpc_services', 'set_node_on_first_message_only']);
  const apiType = ads.api_type ?? 'LEGACY';
  if (apiType !== 'GRPC' && apiType !== 'DELTA_GRPC') errs.error(joinPath(ap, 'api_type'), `api_type must be GRPC or DELTA_GRPC (got ${apiType})`);
  if (ads.transport_api_version === 'V2') errs.error(joinPath(ap, 'transport_api_version'), 'the v2 xDS API is gone; use V3');
  const gs = ads.grpc_services ?? [];
  if (gs.length !== 1) errs.required(joinPath(ap, 'grpc_services'), 'exactly one grpc_services entry is required');
  const g = gs[0];
  let cluster = '';
  let authority = '';
  if (g) {
    const gp = joinPath(joinPath(ap, 'grpc_services'), 0);
    checkSupported(g, gp, errs, ['envoy_grpc', 'timeout']);
    if (!g.envoy_grpc) errs.required(gp, 'envoy_grpc is required (google_grpc is not supported by weft)');
    else {
      checkSupported(g.envoy_grpc, joinPath(gp, 'envoy_grpc'), errs, ['cluster_name', 'authority']);
      cluster = g.envoy_grpc.cluster_name ?? '';
      authority = g.envoy_grpc.authority || cluster;
      if (!staticClusters.has(cluster)) errs.error(joinPath(gp, 'envoy_grpc.cluster_name'), `cluster "${cluster}" must be defined in static_resources.clusters`, CFG.UNKNOWN_REFERENCE);
    }
  }
  return {
    apiType: apiType === 'DELTA_GRPC' ? 'DELTA_GRPC' : 'GRPC',
    cluster,
    authority,
    lds: d.lds_config !== undefined,
    cds: d.cds_config !== undefined,
    initialFetchTimeoutMs: durationMs(d.lds_config?.initial_fetch_timeout ?? d.cds_config?.initial_fetch_timeout, INITIAL_FETCH_TIMEOUT_MS),
  };
}
