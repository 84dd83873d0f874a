// dynamic_resources: where LDS/CDS (and through them RDS/EDS) come from.
// weft's proxy speaks ADS over gRPC (state-of-the-world or delta) to a
// cluster named in static_resources, as in the seed's xds_cluster example,
// or reads LDS/CDS from files as Envoy's filesystem subscription does
// (path_config_source, or the deprecated `path`), for people with no
// control plane.
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
  /** No ads_config: every dynamic type comes from a file, no gRPC stream is opened. */
  readonly withoutAds?: boolean;
  /** lds_config read from a file instead of ADS. */
  readonly ldsPath?: PathSourceConfig;
  /** cds_config read from a file instead of ADS. */
  readonly cdsPath?: PathSourceConfig;
}

/**
 * A ConfigSource's path_config_source (or its deprecated `path`): a file
 * holding a DiscoveryResponse, re-read when it is moved into place (Envoy's
 * atomic-rename convention) or, with watched_directory, when anything is
 * moved into that directory.
 */
export interface PathSourceConfig {
  readonly path: string;
  readonly watchedDirectory?: string;
  /** Field path of the source, for errors found when the file is read. */
  readonly fieldPath: string;
}

/** ads: {} or a file; anything else is refused by name. */
type ConfigSourceChoice = { kind: 'ads' } | { kind: 'path'; source: PathSourceConfig } | undefined;

function decodeDynamicConfigSource(cs: envoy_config_core_v3_ConfigSource, path: string, errs: ConfigErrors): ConfigSourceChoice {
  if (cs.path === undefined && cs.path_config_source === undefined) {
    checkAdsConfigSource(cs, path, errs);
    return cs.ads ? { kind: 'ads' } : undefined;
  }
  checkSupported(cs, path, errs, ['path', 'path_config_source', 'resource_api_version', 'initial_fetch_timeout']);
  if (cs.resource_api_version === 'V2') errs.error(joinPath(path, 'resource_api_version'), 'the v2 xDS API is gone; use V3');
  if (cs.path !== undefined) {
    errs.warn(joinPath(path, 'path'), 'deprecated in Envoy: use path_config_source.path');
    if (!cs.path) errs.error(joinPath(path, 'path'), 'must not be empty');
    return { kind: 'path', source: { path: cs.path, fieldPath: joinPath(path, 'path') } };
  }
  const pcs = cs.path_config_source!;
  const pp = joinPath(path, 'path_config_source');
  checkSupported(pcs, pp, errs, ['path', 'watched_directory']);
  if (!pcs.path) errs.error(joinPath(pp, 'path'), 'path is required');
  let watchedDirectory: string | undefined;
  if (pcs.watched_directory) {
    checkSupported(pcs.watched_directory, joinPath(pp, 'watched_directory'), errs, ['path']);
    watchedDirectory = pcs.watched_directory.path;
    if (!watchedDirectory) errs.error(joinPath(pp, 'watched_directory.path'), 'path is required');
  }
  return { kind: 'path', source: { path: pcs.path ?? '', fieldPath: joinPath(pp, 'path'), ...(watchedDirectory ? { watchedDirectory } : {}) } };
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
  const lds = d.lds_config ? decodeDynamicConfigSource(d.lds_config, joinPath(path, 'lds_config'), errs) : undefined;
  const cds = d.cds_config ? decodeDynamicConfigSource(d.cds_config, joinPath(path, 'cds_config'), errs) : undefined;
  const files = {
    ...(lds?.kind === 'path' ? { ldsPath: lds.source } : {}),
    ...(cds?.kind === 'path' ? { cdsPath: cds.source } : {}),
  };
  const initialFetchTimeoutMs = durationMs(d.lds_config?.initial_fetch_timeout ?? d.cds_config?.initial_fetch_timeout, INITIAL_FETCH_TIMEOUT_MS);
  const ads = d.ads_config;
  const ap = joinPath(path, 'ads_config');
  if (!ads) {
    // Files alone need no xDS server (Envoy's dynamic-config-fs example).
    const needsAds = lds?.kind === 'ads' || cds?.kind === 'ads' || (!lds && !cds);
    if (needsAds) {
      errs.required(ap, 'ads_config is required for dynamic resources');
      return undefined;
    }
    return { apiType: 'GRPC', cluster: '', authority: '', lds: lds !== undefined, cds: cds !== undefined, initialFetchTimeoutMs, withoutAds: true, ...files };
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
    initialFetchTimeoutMs,
    ...files,
  };
}
