// Entry points: (proxy, PushContext) → xDS resources in weft's canonical proto
// shape, plus translation messages. Pure and deterministic (every list sorted
// by resource name) so snapshots and golden files are stable. Per-type
// builders let the server recompute only what changed (EDS on endpoint churn).
import type { ProxyInfo, ProxyResources, PushContext } from '../model/types.js';
import type {
  envoy_config_cluster_v3_Cluster,
  envoy_config_endpoint_v3_ClusterLoadAssignment,
  envoy_config_listener_v3_Listener,
  envoy_config_route_v3_RouteConfiguration,
} from '../../xds/gen/types.js';
import { buildClusterLoadAssignments } from './build-endpoints.js';
import { buildGatewayListeners, buildGatewayRouteConfigs } from './build-gateway.js';
import { buildGrpcListeners, buildGrpcRouteConfigs } from './build-grpc.js';
import { buildInboundClusters } from './build-inbound-clusters.js';
import { buildInboundListeners } from './build-inbound-listeners.js';
import { buildLocalOutboundListener } from './build-local-outbound-listener.js';
import { buildOutboundClusters } from './build-outbound-clusters.js';
import { buildOutboundListeners } from './build-outbound-listeners.js';
import { buildVirtualOutboundListener } from './build-capture-listeners.js';
import { buildLocalProxyRouteConfig, buildSidecarRouteConfig, meshVirtualServices, outboundHttpPorts } from './build-outbound-routes.js';
import { MessageCollector, type TranslationMessage } from './messages.js';
import { sortBy } from './proto-helpers.js';
import { newTranslateContext, type TranslateContext } from './translate-context.js';
import { workloadTargets } from './workload-targets.js';

/** Resources of one type with what translation had to say about them. */
export interface Translated<T> {
  readonly resources: T[];
  readonly messages: TranslationMessage[];
}

/** Everything a proxy needs: listeners, routes, clusters, endpoints. */
export function translateProxy(proxy: ProxyInfo, push: PushContext): { resources: ProxyResources; messages: TranslationMessage[] } {
  const messages = new MessageCollector();
  const ctx = newTranslateContext(proxy, push, messages);
  const resources: ProxyResources = {
    listeners: listenersOf(ctx),
    routes: routesOf(ctx),
    clusters: clustersOf(ctx),
    endpoints: buildClusterLoadAssignments(ctx),
  };
  return { resources, messages: messages.list() };
}

export function buildClusters(proxy: ProxyInfo, push: PushContext): Translated<envoy_config_cluster_v3_Cluster> {
  return run(proxy, push, clustersOf);
}

/** EDS only: depends on the registry's endpoints and the DestinationRules' subsets. */
export function buildEndpoints(proxy: ProxyInfo, push: PushContext): Translated<envoy_config_endpoint_v3_ClusterLoadAssignment> {
  return run(proxy, push, buildClusterLoadAssignments);
}

export function buildListeners(proxy: ProxyInfo, push: PushContext): Translated<envoy_config_listener_v3_Listener> {
  return run(proxy, push, listenersOf);
}

export function buildRoutes(proxy: ProxyInfo, push: PushContext): Translated<envoy_config_route_v3_RouteConfiguration> {
  return run(proxy, push, routesOf);
}

function run<T>(proxy: ProxyInfo, push: PushContext, f: (ctx: TranslateContext) => T[]): Translated<T> {
  const messages = new MessageCollector();
  const resources = f(newTranslateContext(proxy, push, messages));
  return { resources, messages: messages.list() };
}

function clustersOf(ctx: TranslateContext): envoy_config_cluster_v3_Cluster[] {
  const outbound = buildOutboundClusters(ctx);
  if (ctx.proxy.type !== 'sidecar') return outbound;
  return sortBy([...outbound, ...buildInboundClusters(ctx, workloadTargets(ctx))], (c) => c.name ?? '');
}

function listenersOf(ctx: TranslateContext): envoy_config_listener_v3_Listener[] {
  switch (ctx.proxy.type) {
    case 'grpc':
      return sortBy(buildGrpcListeners(ctx), (l) => l.name ?? '');
    case 'router':
      return sortBy(buildGatewayListeners(ctx), (l) => l.name ?? '');
    case 'sidecar': {
      const vsIndex = meshVirtualServices(ctx);
      // Local mode replaces the per-port outbound listeners (they would all bind one machine's ports).
      const outbound = ctx.options.outboundHttpProxyPort !== undefined ? buildLocalOutboundListener(ctx) : buildOutboundListeners(ctx, vsIndex);
      if (ctx.options.capture) outbound.push(buildVirtualOutboundListener(ctx));
      return sortBy([...outbound, ...buildInboundListeners(ctx, workloadTargets(ctx))], (l) => l.name ?? '');
    }
  }
}

function routesOf(ctx: TranslateContext): envoy_config_route_v3_RouteConfiguration[] {
  switch (ctx.proxy.type) {
    case 'grpc':
      return sortBy(buildGrpcRouteConfigs(ctx), (r) => r.name ?? '');
    case 'router':
      return sortBy(buildGatewayRouteConfigs(ctx), (r) => r.name ?? '');
    case 'sidecar': {
      const vsIndex = meshVirtualServices(ctx);
      if (ctx.options.outboundHttpProxyPort !== undefined) return [buildLocalProxyRouteConfig(ctx, vsIndex)];
      return outboundHttpPorts(ctx).map((p) => buildSidecarRouteConfig(ctx, p, vsIndex));
    }
  }
}
