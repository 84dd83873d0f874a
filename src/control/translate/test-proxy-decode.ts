// Runs translated resources through weft's own proxy decoders, the way the
// xDS client does, so tests can assert that everything translation emits is
// accepted (zero errors). Test support only.
import { ConfigErrors } from '../../common/errors.js';
import { decodeCluster, decodeLoadAssignment, type ClusterConfig } from '../../proxy/config/cluster.js';
import { decodeListener, type ListenerConfig } from '../../proxy/config/listener.js';
import { decodeRouteConfiguration } from '../../proxy/route/decode-route-config.js';
import type { RouteTable } from '../../proxy/route/route-table.js';
import type { ProxyResources } from '../model/types.js';
import type {
  envoy_config_cluster_v3_Cluster,
  envoy_config_endpoint_v3_ClusterLoadAssignment,
  envoy_config_listener_v3_Listener,
  envoy_config_route_v3_RouteConfiguration,
} from '../../xds/gen/types.js';

export interface DecodedProxy {
  readonly listeners: Map<string, ListenerConfig>;
  readonly routes: Map<string, RouteTable>;
  readonly clusters: Map<string, ClusterConfig>;
  readonly errors: string[];
  readonly warnings: string[];
}

/** Decodes every resource; `errors` lists every refusal as `path: message`. */
export function decodeWithProxy(r: ProxyResources): DecodedProxy {
  const errs = new ConfigErrors();
  const listeners = new Map<string, ListenerConfig>();
  const routes = new Map<string, RouteTable>();
  const clusters = new Map<string, ClusterConfig>();
  for (const l of r.listeners as envoy_config_listener_v3_Listener[]) {
    const c = decodeListener(l, `listener[${l.name}]`, errs, { allowRds: true });
    if (c) listeners.set(c.name, c);
  }
  for (const rc of r.routes as envoy_config_route_v3_RouteConfiguration[]) {
    routes.set(rc.name ?? '', decodeRouteConfiguration(rc, `route[${rc.name}]`, errs));
  }
  for (const c of r.clusters as envoy_config_cluster_v3_Cluster[]) {
    const cc = decodeCluster(c, `cluster[${c.name}]`, errs);
    if (cc) clusters.set(cc.name, cc);
  }
  for (const la of r.endpoints as envoy_config_endpoint_v3_ClusterLoadAssignment[]) {
    decodeLoadAssignment(la, `endpoints[${la.cluster_name}]`, errs, false);
  }
  const fmt = (i: { path: string; message: string }) => `${i.path}: ${i.message}`;
  return { listeners, routes, clusters, errors: errs.errors.map(fmt), warnings: errs.warnings.map(fmt) };
}
