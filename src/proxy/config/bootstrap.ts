// Bootstrap loading: a YAML or JSON file in Envoy's v3 bootstrap format,
// read through the strict proto3 JSON mapping, then decoded into the
// proxy's runtime config. Every error is collected with its field path.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { CFG, ConfigErrors, joinPath } from '../../common/errors.js';
import { fromJson } from '../../xds/codec.js';
import { parseConfigText } from './config-text.js';
import type { envoy_config_bootstrap_v3_Bootstrap, envoy_config_cluster_v3_Cluster, envoy_config_core_v3_Locality } from '../../xds/gen/types.js';
import { decodeSocketAddress, hasPipeEndpoint, type SocketAddr } from './address.js';
import { decodeCluster, type ClusterConfig } from './cluster.js';
import { decodeListener, type ListenerConfig } from './listener.js';
import { checkSupported, durationMs } from './support.js';
import { checkAdsConfigSource, decodeApiConfigSource, decodeDynamicResources, INITIAL_FETCH_TIMEOUT_MS, type DynamicResourcesConfig } from './dynamic-resources.js';
import { decodeHdsConfig, type HdsConfig } from '../hds/hds-config.js';
import { decodeStatsConfig, type StatsStoreOptions } from '../../stats/index.js';
import { decodeStringMatcher } from '../route/string-matcher.js';
import { decodeLayeredRuntime, type RuntimeConfig } from '../runtime/decode.js';
import { runtimeKeysNamedIn } from '../runtime/known-keys.js';
import { decodeOverloadManager, type OverloadConfig } from '../overload/decode.js';
import { decodeStaticSecrets, type StaticSecret } from '../tls/sds/static-secrets.js';
import { bootstrapSdsRefs, checkSdsRefs, clusterSdsRefs, listenerSdsRefs } from '../tls/sds/sds-refs.js';

/** Also used by `weft up`'s workloads file. */
export { parseConfigText };

export const BOOTSTRAP_TYPE = 'envoy.config.bootstrap.v3.Bootstrap';

import type { NodeIdentity } from './node-identity.js';
export type { NodeIdentity } from './node-identity.js';

export interface BootstrapConfig {
  readonly node: NodeIdentity;
  readonly admin?: { address: SocketAddr; accessLogPath?: string };
  readonly listeners: ListenerConfig[];
  readonly clusters: ClusterConfig[];
  /** stats_flush_interval (Envoy's default 5 s). */
  readonly statsFlushIntervalMs?: number;
  /** Set when config comes over xDS (dynamic_resources). */
  readonly dynamic?: DynamicResourcesConfig;
  /** Set when hds_config names an HDS server: the proxy health-checks what it is told to and reports back. */
  readonly hds?: HdsConfig;
  /** layered_runtime; unset: no layers (every runtime key reads its default). */
  readonly runtime?: RuntimeConfig;
  /** Runtime key names the config itself chose (fault filters' *_runtime fields): not reported as unknown. */
  readonly runtimeKeys?: ReadonlySet<string>;
  /** stats_config: tag extraction, stats_matcher, histogram buckets. */
  readonly statsOptions?: StatsStoreOptions;
  /** cluster_manager.local_cluster_name: a static cluster (weft does no zone-aware routing with it yet). */
  readonly localClusterName?: string;
  readonly overload?: OverloadConfig;
  /** static_resources.secrets, decoded: what SdsSecretConfigs without sds_config name. */
  readonly secrets: readonly StaticSecret[];
  readonly source: envoy_config_bootstrap_v3_Bootstrap;
}

/** Reads and decodes a bootstrap file. Returns undefined when errors were found. */
export function loadBootstrapFile(file: string, errs: ConfigErrors): BootstrapConfig | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    errs.error('', `cannot read ${file}: ${(err as Error).message}`);
    return undefined;
  }
  return loadBootstrapText(text, errs);
}

export function loadBootstrapText(text: string, errs: ConfigErrors): BootstrapConfig | undefined {
  const json = parseConfigText(text, errs);
  if (errs.hasErrors) return undefined;
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    errs.error('', 'a bootstrap must be a YAML/JSON object', CFG.SYNTAX);
    return undefined;
  }
  const proto = fromJson<envoy_config_bootstrap_v3_Bootstrap>(BOOTSTRAP_TYPE, json, '', errs);
  // Unknown extension types do not stop here: each position reports its own (all errors in one run).
  if (!proto || !errs.onlyUnclaimedExtensions) return undefined;
  const cfg = decodeBootstrap(proto, errs);
  return errs.hasErrors ? undefined : cfg;
}

const BOOTSTRAP_FIELDS = [
  'node', 'static_resources', 'dynamic_resources', 'admin', 'stats_flush_interval', 'stats_config', 'stats_sinks', 'hds_config',
  'layered_runtime', 'cluster_manager', 'overload_manager',
] as const;

/** Node fields weft sends or, like Envoy, replaces with its own (user_agent_*: Envoy sends "envoy" and its build). */
const NODE_FIELDS = ['id', 'cluster', 'metadata', 'locality', 'user_agent_name', 'user_agent_version', 'user_agent_build_version'];

export function decodeBootstrap(b: envoy_config_bootstrap_v3_Bootstrap, errs: ConfigErrors): BootstrapConfig {
  checkSupported(b, '', errs, BOOTSTRAP_FIELDS);
  const statsOptions = decodeStatsConfig(b.stats_config, 'stats_config', errs, decodeStringMatcher);
  // Push sinks (statsd, metrics_service, ...): weft serves /stats/prometheus to be scraped instead.
  (b.stats_sinks ?? []).forEach((s, i) => {
    const t = s.typed_config?.['@type'];
    errs.unsupported(joinPath('stats_sinks', i), `stats sink ${t ? t.replace('type.googleapis.com/', '') : `"${s.name ?? ''}"`}`);
  });
  const flush = b.stats_flush_interval ? durationMs(b.stats_flush_interval, 5000) : undefined;
  if (flush !== undefined && (flush < 1 || flush > 300_000)) errs.error('stats_flush_interval', 'must be between 1 ms and 300 s');
  const node: NodeIdentity = {
    id: b.node?.id ?? '',
    cluster: b.node?.cluster ?? '',
    metadata: (b.node?.metadata as Record<string, unknown> | undefined) ?? {},
    ...(b.node?.locality ? { locality: b.node.locality } : {}),
  };
  if (b.node) checkSupported(b.node, 'node', errs, NODE_FIELDS);
  const runtime = b.layered_runtime ? decodeLayeredRuntime(b.layered_runtime, 'layered_runtime', errs, node.cluster) : undefined;
  const overload = b.overload_manager ? decodeOverloadManager(b.overload_manager, 'overload_manager', errs) : undefined;
  let admin: BootstrapConfig['admin'];
  if (b.admin) {
    checkSupported(b.admin, 'admin', errs, ['address', 'access_log_path', 'access_log']);
    if (b.admin.access_log?.length) errs.unsupported('admin.access_log');
    const address = decodeSocketAddress(b.admin.address, 'admin.address', errs, { allowHostname: false, allowPortZero: true });
    if (address) admin = { address, ...(b.admin.access_log_path ? { accessLogPath: b.admin.access_log_path } : {}) };
  }
  const listeners: ListenerConfig[] = [];
  const clusters: ClusterConfig[] = [];
  const sr = b.static_resources;
  const hasAds = b.dynamic_resources?.ads_config !== undefined;
  const edsSources: { cluster: string; authority: string; path: string }[] = [];
  let secrets: StaticSecret[] = [];
  const pipeClusters = new Set<string>();
  if (sr) {
    checkSupported(sr, 'static_resources', errs, ['listeners', 'clusters', 'secrets']);
    secrets = decodeStaticSecrets(sr.secrets ?? [], 'static_resources.secrets', errs);
    const seenL = new Map<string, number>();
    (sr.listeners ?? []).forEach((l, i) => {
      const p = joinPath('static_resources.listeners', i);
      // Envoy names an unnamed static listener with a random UUID; only explicit names can clash.
      const cfg = decodeListener(l, p, errs, { allowRds: hasAds, generatedName: randomUUID() });
      if (!cfg) return;
      if (!l.name) {
        listeners.push(cfg);
        return;
      }
      const prev = seenL.get(cfg.name);
      if (prev !== undefined) errs.error(joinPath(p, 'name'), `duplicate listener name "${cfg.name}" (also static_resources.listeners[${prev}])`, CFG.DUPLICATE);
      seenL.set(cfg.name, i);
      listeners.push(cfg);
    });
    const addrs = new Map<string, string>();
    for (const l of listeners) {
      if (l.address.port === 0) continue;
      const k = `${l.address.host}:${l.address.port}`;
      const other = addrs.get(k);
      if (other) errs.error(`static_resources.listeners[${listeners.indexOf(l)}].address`, `listener "${l.name}" has the same address as "${other}"`);
      addrs.set(k, l.name);
    }
    const seenC = new Map<string, number>();
    (sr.clusters ?? []).forEach((c, i) => {
      const p = joinPath('static_resources.clusters', i);
      const cfg = decodeCluster(c, p, errs);
      if (!cfg) return;
      if (cfg.type === 'EDS') {
        const src = c.eds_cluster_config?.eds_config;
        const sp = joinPath(p, 'eds_cluster_config.eds_config');
        if (src?.api_config_source) {
          // The seed's form: EDS over its own gRPC stream (EndpointDiscoveryService) to a static cluster.
          const eds = decodeApiConfigSource(src.api_config_source, joinPath(sp, 'api_config_source'), errs);
          if (eds) edsSources.push({ ...eds, path: sp });
        } else if (hasAds) checkAdsConfigSource(src, sp, errs);
        else errs.error(joinPath(p, 'type'), 'EDS clusters need an xDS server: eds_config with api_config_source (gRPC), or dynamic_resources with ads_config');
      }
      if (hasPipeEndpoint(cfg.endpoints)) {
        pipeClusters.add(cfg.name);
        if (cfg.type !== 'STATIC') errs.error(joinPath(p, 'load_assignment'), `pipe (Unix socket) endpoints need a STATIC cluster (got ${cfg.type})`);
      }
      const prev = seenC.get(cfg.name);
      if (prev !== undefined) errs.error(joinPath(p, 'name'), `duplicate cluster name "${cfg.name}" (also static_resources.clusters[${prev}])`, CFG.DUPLICATE);
      seenC.set(cfg.name, i);
      clusters.push(cfg);
    });
    if (!hasAds) checkRouteClusters(listeners, new Set(clusters.map((c) => c.name)), errs);
    checkPipeClustersUnrouted(listeners, pipeClusters, errs);
  }
  if (sr) {
    const env = { staticSecrets: new Set(secrets.map((s) => s.name)), hasAds, staticClusters: new Set(clusters.map((c) => c.name)) };
    (sr.listeners ?? []).forEach((l, i) => checkSdsRefs(listenerSdsRefs(l, joinPath('static_resources.listeners', i)), env, errs));
    (sr.clusters ?? []).forEach((c, i) => checkSdsRefs(clusterSdsRefs(c, joinPath('static_resources.clusters', i)), env, errs));
  }
  let dynamic = b.dynamic_resources ? decodeDynamicResources(b.dynamic_resources, 'dynamic_resources', errs, new Set(clusters.map((c) => c.name))) : undefined;
  const staticNames = new Set(clusters.map((c) => c.name));
  for (const e of edsSources) {
    if (!staticNames.has(e.cluster)) errs.error(joinPath(e.path, 'api_config_source.grpc_services[0].envoy_grpc.cluster_name'), `cluster "${e.cluster}" must be defined in static_resources.clusters`, CFG.UNKNOWN_REFERENCE);
    if (e.cluster !== edsSources[0]!.cluster) errs.unsupported(e.path, 'EDS from more than one xDS cluster');
  }
  if (edsSources.length > 0) {
    if (dynamic) errs.unsupported(edsSources[0]!.path, 'api_config_source for EDS together with ads_config');
    else dynamic = { apiType: 'GRPC', cluster: edsSources[0]!.cluster, authority: edsSources[0]!.authority, lds: false, cds: false, initialFetchTimeoutMs: INITIAL_FETCH_TIMEOUT_MS, edsOnly: true };
  }
  let localClusterName: string | undefined;
  if (b.cluster_manager) {
    const cm = b.cluster_manager;
    checkSupported(cm, 'cluster_manager', errs, ['local_cluster_name']);
    if (cm.local_cluster_name) {
      localClusterName = cm.local_cluster_name;
      // Envoy requires the local cluster among the static clusters.
      if (!staticNames.has(localClusterName)) errs.error('cluster_manager.local_cluster_name', `local cluster "${localClusterName}" must be defined in static_resources.clusters`);
      else errs.warn('cluster_manager.local_cluster_name', 'accepted, but weft does no zone-aware routing: traffic is not kept in the local zone');
    }
  }
  const hds = b.hds_config ? decodeHdsConfig(b.hds_config, 'hds_config', errs, new Set(clusters.map((c) => c.name))) : undefined;
  const grpcClusters = new Set<string>([
    ...(dynamic && !dynamic.withoutAds ? [dynamic.cluster] : []),
    ...(hds ? [hds.cluster] : []),
    ...bootstrapSdsRefs(b).flatMap((r) => (r.ref.source.kind === 'api' ? [r.ref.source.clusterName] : [])),
  ]);
  checkGrpcClustersPlaintext(sr?.clusters ?? [], grpcClusters, errs);
  return { node, ...(admin ? { admin } : {}), listeners, clusters, ...(dynamic ? { dynamic } : {}), ...(hds ? { hds } : {}), ...(flush !== undefined ? { statsFlushIntervalMs: flush } : {}),
    ...(runtime ? { runtime, runtimeKeys: runtimeKeysNamedIn(b) } : {}),
    statsOptions,
    ...(localClusterName ? { localClusterName } : {}),
    ...(overload ? { overload } : {}),
    secrets,
    source: b,
  };
}

/** Whether a cluster's transport_socket is anything but plaintext (raw_buffer). */
export function hasSecureTransportSocket(c: envoy_config_cluster_v3_Cluster): boolean {
  const t = c.transport_socket?.typed_config?.['@type'];
  return t !== undefined && !t.endsWith('.RawBuffer');
}

/**
 * weft's gRPC streams (ADS, EDS, HDS, SDS) use plaintext channels: a service
 * cluster with a TLS transport_socket is refused by name rather than reached
 * without the TLS it asks for. Reach such servers over a pipe or plaintext.
 */
function checkGrpcClustersPlaintext(clusters: readonly envoy_config_cluster_v3_Cluster[], grpcClusters: ReadonlySet<string>, errs: ConfigErrors): void {
  clusters.forEach((c, i) => {
    if (!c.name || !grpcClusters.has(c.name) || !hasSecureTransportSocket(c)) return;
    errs.error(joinPath(joinPath('static_resources.clusters', i), 'transport_socket'), `cluster "${c.name}" serves a gRPC xDS/SDS stream: TLS on those streams is not supported by weft (use a pipe or plaintext)`, CFG.UNSUPPORTED_VALUE);
  });
}

/**
 * Pipe endpoints serve gRPC service clusters (xDS, SDS: Istio's sds-grpc);
 * weft's HTTP and TCP connection pools connect to IP addresses only, so a
 * route or tcp_proxy naming such a cluster is refused by name.
 */
function checkPipeClustersUnrouted(listeners: ListenerConfig[], pipeClusters: ReadonlySet<string>, errs: ConfigErrors): void {
  if (pipeClusters.size === 0) return;
  const why = (name: string) => `cluster "${name}" has pipe (Unix socket) endpoints: weft uses those only for gRPC services (xDS, SDS), not for proxied traffic`;
  listeners.forEach((l, li) => {
    l.filterChains.forEach((fc, ci) => {
      const base = `static_resources.listeners[${li}].filter_chains[${ci}]`;
      if (fc.terminal.kind === 'tcp') {
        for (const c of fc.terminal.tcp.clusters) if (pipeClusters.has(c.name)) errs.error(`${base}.filters`, why(c.name), CFG.UNSUPPORTED_VALUE);
      } else if (fc.terminal.kind === 'http') {
        for (const name of fc.terminal.hcm.routeTable?.clusterNames() ?? []) if (pipeClusters.has(name)) errs.error(`${base}.filters[0].typed_config.route_config`, why(name), CFG.UNSUPPORTED_VALUE);
      }
    });
  });
}

/** Envoy validates that routes of a static config name clusters that exist (validate_clusters). */
function checkRouteClusters(listeners: ListenerConfig[], clusters: Set<string>, errs: ConfigErrors): void {
  listeners.forEach((l, li) => {
    l.filterChains.forEach((fc, ci) => {
      const base = `static_resources.listeners[${li}].filter_chains[${ci}]`;
      if (fc.terminal.kind === 'tcp') {
        for (const c of fc.terminal.tcp.clusters) if (!clusters.has(c.name)) errs.error(`${base}.filters`, `tcp_proxy names unknown cluster "${c.name}"`, CFG.UNKNOWN_REFERENCE);
      } else if (fc.terminal.kind === 'http') {
        const rt = fc.terminal.hcm.routeTable;
        // validate_clusters defaults to true for inline route configs; false turns the check off.
        if (!rt || rt.validateClusters === false) return;
        for (const name of rt.clusterNames()) {
          if (!clusters.has(name)) errs.error(`${base}.filters[0].typed_config.route_config`, `route names unknown cluster "${name}" (defined clusters: ${[...clusters].join(', ') || 'none'})`, CFG.UNKNOWN_REFERENCE);
        }
      }
    });
  });
}
