// Outbound RouteConfigurations of a sidecar: one per HTTP port, named by the
// port ("9080"), with a virtual host per visible service on that port
// (`<host>:<port>`), routed by its VirtualService or by the default route; and
// in local mode one table, `weft_outbound_http`, for every service and port,
// used by apps through HTTP_PROXY. Unknown hosts get Istio's block_all (or
// allow_any) virtual host.
import { outboundTrafficMode } from './build-capture-listeners.js';
import type { ServiceModel } from '../model/types.js';
import type { envoy_config_route_v3_RouteConfiguration, envoy_config_route_v3_VirtualHost } from '../../xds/gen/types.js';
import { buildDefaultRoute } from './build-default-route.js';
import { NAMES, TRANSLATE_DEFAULTS } from './defaults.js';
import { MESSAGE_CODES } from './messages.js';
import { outboundRouteName } from './names.js';
import { durationFromMs, sortBy } from './proto-helpers.js';
import { isHttpProtocol, serviceKey, type TranslateContext } from './translate-context.js';
import type { RouteFlavor } from './translate-http-route.js';
import { translateVirtualServiceRoutes } from './translate-virtual-service-routes.js';
import { DomainClaims, localProxyDomains, serviceNames, sidecarDomains } from './virtual-host-domains.js';
import { buildVirtualServiceIndex, type VirtualServiceIndex } from './virtual-service-index.js';

/** Ports with an HTTP protocol among the proxy's visible services, ascending. */
export function outboundHttpPorts(ctx: TranslateContext): number[] {
  const ports = new Set<number>();
  for (const s of ctx.services) for (const p of s.ports) if (isHttpProtocol(p.protocol)) ports.add(p.port);
  return [...ports].sort((a, b) => a - b);
}

/** The sidecar's VirtualService index (the 'mesh' gateway). */
export function meshVirtualServices(ctx: TranslateContext): VirtualServiceIndex {
  return buildVirtualServiceIndex(ctx, ctx.push.virtualServices(ctx.proxy.namespace, NAMES.meshGateway));
}

const MESH_GATEWAYS: ReadonlySet<string> = new Set([NAMES.meshGateway]);

/** Routes for a service port: its VirtualService's, else the default route. */
export function serviceRoutes(ctx: TranslateContext, svc: ServiceModel, port: number, vsIndex: VirtualServiceIndex, flavor: RouteFlavor) {
  const vs = vsIndex.byService.get(svc.hostname);
  if (vs) {
    const routes = translateVirtualServiceRoutes(ctx, vs, { listenPort: port, gatewayNames: MESH_GATEWAYS, flavor });
    if (routes.length > 0) return routes;
  }
  return [buildDefaultRoute(ctx, svc, port, flavor)];
}

/** Sidecar route configuration "<port>". */
export function buildSidecarRouteConfig(ctx: TranslateContext, port: number, vsIndex: VirtualServiceIndex): envoy_config_route_v3_RouteConfiguration {
  const claims = new DomainClaims();
  const vhosts: envoy_config_route_v3_VirtualHost[] = [];
  for (const svc of ctx.services) {
    if (!svc.ports.some((p) => p.port === port && isHttpProtocol(p.protocol))) continue;
    const domains = claimDomains(ctx, claims, svc, sidecarDomains(serviceNames(svc, ctx.proxy.namespace, ctx.push.mesh.domainSuffix), port));
    if (domains.length === 0) continue;
    vhosts.push({ name: `${svc.hostname}:${port}`, domains, routes: serviceRoutes(ctx, svc, port, vsIndex, 'sidecar') });
  }
  return routeConfiguration(outboundRouteName(port), [...vhosts, unknownHostVirtualHost(ctx)]);
}

/** Local mode: `weft_outbound_http`, every visible HTTP service port in one table, domains with ports. */
export function buildLocalProxyRouteConfig(ctx: TranslateContext, vsIndex: VirtualServiceIndex): envoy_config_route_v3_RouteConfiguration {
  const claims = new DomainClaims();
  const vhosts: envoy_config_route_v3_VirtualHost[] = [];
  for (const svc of ctx.services) {
    const names = serviceNames(svc, ctx.proxy.namespace, ctx.push.mesh.domainSuffix);
    for (const p of svc.ports) {
      if (!isHttpProtocol(p.protocol)) continue;
      const domains = claimDomains(ctx, claims, svc, localProxyDomains(names, p.port));
      if (domains.length === 0) continue;
      vhosts.push({ name: `${svc.hostname}:${p.port}`, domains, routes: serviceRoutes(ctx, svc, p.port, vsIndex, 'sidecar') });
    }
  }
  return routeConfiguration(NAMES.localOutboundHttp, [...vhosts, unknownHostVirtualHost(ctx)]);
}

function claimDomains(ctx: TranslateContext, claims: DomainClaims, svc: ServiceModel, wanted: string[]): string[] {
  const { kept, dropped } = claims.claim(wanted);
  if (dropped.length > 0) {
    ctx.messages.info(MESSAGE_CODES.PORT_CONFLICT, serviceKey(svc), 'hosts',
      `names ${dropped.join(', ')} already belong to another service in the same route table; they are left out for ${svc.hostname}`);
  }
  return kept;
}

/** A RouteConfiguration with Istio's table settings; virtual hosts sorted by name. */
export function routeConfiguration(name: string, vhosts: envoy_config_route_v3_VirtualHost[]): envoy_config_route_v3_RouteConfiguration {
  return {
    name,
    virtual_hosts: sortBy(vhosts, (v) => v.name ?? ''),
    validate_clusters: { value: false },
    max_direct_response_body_size_bytes: { value: TRANSLATE_DEFAULTS.maxDirectResponseBodyBytes },
  };
}

/**
 * What a sidecar answers for hosts it does not know. REGISTRY_ONLY: Istio's
 * block_all (502). ALLOW_ANY: with traffic capture, Istio's allow_any route to
 * PassthroughCluster (on to the original destination); without capture there
 * is no original destination to pass to, so weft answers 502 with the reason.
 */
export function unknownHostVirtualHost(ctx: TranslateContext): envoy_config_route_v3_VirtualHost {
  const mode = outboundTrafficMode(ctx);
  if (mode === 'REGISTRY_ONLY') {
    return { name: NAMES.blockAll, domains: ['*'], routes: [{ name: NAMES.blockAll, match: { prefix: '/' }, direct_response: { status: 502 } }] };
  }
  if (ctx.options.capture) {
    return { name: NAMES.allowAny, domains: ['*'], routes: [{ name: NAMES.allowAny, match: { prefix: '/' }, route: { cluster: NAMES.passthroughCluster, timeout: durationFromMs(0) } }] };
  }
  ctx.messages.info(MESSAGE_CODES.PASSTHROUGH_UNSUPPORTED, `Proxy ${ctx.proxy.id}`, 'outboundTrafficPolicy',
    'ALLOW_ANY passthrough to hosts outside the registry needs ORIGINAL_DST, which weft\'s proxy does not support; such requests get 502 (add a ServiceEntry for external hosts)');
  return {
    name: NAMES.allowAny,
    domains: ['*'],
    routes: [{
      name: NAMES.allowAny,
      match: { prefix: '/' },
      direct_response: { status: 502, body: { inline_string: 'weft: this host is not in the service registry, and passthrough (outboundTrafficPolicy ALLOW_ANY) is not supported yet; add a ServiceEntry for it\n' } },
    }],
  };
}

/** Route configuration names referenced by outbound HTTP listeners (sorted). */
export function sidecarRouteNames(ctx: TranslateContext): string[] {
  return outboundHttpPorts(ctx).map(outboundRouteName);
}

