// /config_dump: Envoy's admin.v3.ConfigDump shape (bootstrap, clusters,
// listeners, routes, secrets), each resource in proto3 JSON with its version.
import { toJson } from '../../xds/codec.js';
import type { AdminRuntime } from '../runtime.js';
import { secretsConfigDump } from './secrets-dump.js';

const T = 'type.googleapis.com/envoy.admin.v3.';

export function configDump(p: AdminRuntime, resource?: string): unknown {
  const lastUpdated = new Date(p.configAppliedAt).toISOString();
  const bootstrap = { '@type': `${T}BootstrapConfigDump`, bootstrap: toJson('envoy.config.bootstrap.v3.Bootstrap', p.bootstrap.source), last_updated: lastUpdated };
  const dyn = p.dynamicState();
  const clusters = {
    '@type': `${T}ClustersConfigDump`,
    ...(dyn.cdsVersion !== undefined ? { version_info: dyn.cdsVersion } : {}),
    static_clusters: p.bootstrap.clusters.map((c) => ({ cluster: { '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster', ...(toJson('envoy.config.cluster.v3.Cluster', c.source) as object) }, last_updated: lastUpdated })),
    dynamic_active_clusters: dyn.clusters.map((c) => ({ version_info: c.version, cluster: { '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster', ...(toJson('envoy.config.cluster.v3.Cluster', c.source) as object) }, last_updated: c.lastUpdated })),
  };
  const listeners = {
    '@type': `${T}ListenersConfigDump`,
    ...(dyn.ldsVersion !== undefined ? { version_info: dyn.ldsVersion } : {}),
    static_listeners: p.bootstrap.listeners.map((l) => ({ listener: { '@type': 'type.googleapis.com/envoy.config.listener.v3.Listener', ...(toJson('envoy.config.listener.v3.Listener', l.source) as object) }, last_updated: lastUpdated })),
    dynamic_listeners: dyn.listeners.map((l) => ({ name: l.name, active_state: { version_info: l.version, listener: { '@type': 'type.googleapis.com/envoy.config.listener.v3.Listener', ...(toJson('envoy.config.listener.v3.Listener', l.source) as object) }, last_updated: l.lastUpdated } })),
  };
  const routes = {
    '@type': `${T}RoutesConfigDump`,
    dynamic_route_configs: dyn.routes.map((r) => ({ version_info: r.version, route_config: { '@type': 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration', ...(toJson('envoy.config.route.v3.RouteConfiguration', r.source) as object) }, last_updated: r.lastUpdated })),
  };
  const all = [bootstrap, clusters, listeners, routes, secretsConfigDump(p.secretStatuses())];
  if (resource) {
    // Envoy types each entry of a ?resource= dump by its message.
    const entryTypes: Record<string, string> = {
      static_clusters: 'ClustersConfigDump.StaticCluster',
      dynamic_active_clusters: 'ClustersConfigDump.DynamicCluster',
      static_listeners: 'ListenersConfigDump.StaticListener',
      dynamic_listeners: 'ListenersConfigDump.DynamicListener',
      dynamic_route_configs: 'RoutesConfigDump.DynamicRouteConfig',
      static_secrets: 'SecretsConfigDump.StaticSecret',
      dynamic_active_secrets: 'SecretsConfigDump.DynamicSecret',
      dynamic_warming_secrets: 'SecretsConfigDump.DynamicSecret',
    };
    const t = entryTypes[resource];
    if (!t) return undefined;
    const out: unknown[] = [];
    for (const d of all) {
      const v = (d as Record<string, unknown>)[resource];
      if (Array.isArray(v)) for (const e of v) out.push({ '@type': `${T}${t}`, ...(e as object) });
    }
    return { configs: out };
  }
  return { configs: all };
}
