// Gateways (proxy type `router`): one listener per HTTP server port
// (`0.0.0.0_<port>`) with an HCM over RDS `http.<port>`, whose virtual hosts
// come from the VirtualServices bound to the gateway, for the hosts where the
// server's `hosts` and the VirtualService's hosts meet. Routes of several
// VirtualServices for one host are merged, catch-alls last (as Istio merges
// for gateways). TLS servers are reported: the proxy has no TLS yet. The HCM
// strips the port from Host before matching, as Istio's gateways do with
// ISTIO_GATEWAY_STRIP_HOST_PORT, so virtual hosts list hosts without ports.
import type { Gateway, GatewayServer, VirtualService } from '../../api/networking.js';
import type { Accepted } from '../model/types.js';
import type { envoy_config_listener_v3_Listener, envoy_config_route_v3_Route, envoy_config_route_v3_RouteConfiguration, envoy_config_route_v3_VirtualHost } from '../../xds/gen/types.js';
import { accessLogs } from './access-log.js';
import { hcmFilter, outboundHttpFilters } from './build-hcm.js';
import { routeConfiguration } from './build-outbound-routes.js';
import { hostIntersection } from '../model/host-names.js';
import { socketAddress } from './locality-endpoints.js';
import { MESSAGE_CODES } from './messages.js';
import { configKey, gatewayRouteName, listenerName } from './names.js';
import { isCatchAllMatch } from './translate-route-match.js';
import type { TranslateContext } from './translate-context.js';
import { translateVirtualServiceRoutes } from './translate-virtual-service-routes.js';
import { resolvedHosts } from './virtual-service-index.js';

interface BoundServer {
  readonly gateway: Accepted<Gateway>;
  /** `<ns>/<name>`, the name VirtualServices bind to. */
  readonly gatewayName: string;
  readonly server: GatewayServer;
}

const HTTP_PROTOCOLS = new Set(['HTTP', 'HTTP2', 'GRPC', 'GRPC-WEB']);

/** HTTP servers of the proxy's gateways, by port (ascending); other servers are reported. */
export function gatewayHttpServers(ctx: TranslateContext): Map<number, BoundServer[]> {
  const byPort = new Map<number, BoundServer[]>();
  const gateways = [...ctx.push.gatewaysFor(ctx.proxy)].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const gateway of gateways) {
    const ns = gateway.obj.metadata.namespace ?? ctx.proxy.namespace;
    const gatewayName = `${ns}/${gateway.obj.metadata.name}`;
    const key = configKey('Gateway', gateway.obj.metadata.name, ns);
    (gateway.obj.spec.servers ?? []).forEach((server, i) => {
      const protocol = (server.port.protocol ?? '').toUpperCase();
      if (!HTTP_PROTOCOLS.has(protocol)) {
        ctx.messages.warn(MESSAGE_CODES.GATEWAY_UNSUPPORTED, key, `spec.servers[${i}].port.protocol`,
          `${protocol} servers are not yet served by weft gateways (no TLS in the proxy yet); port ${server.port.number} is not opened`);
        return;
      }
      if (server.tls && !server.tls.httpsRedirect) {
        ctx.messages.warn(MESSAGE_CODES.GATEWAY_UNSUPPORTED, key, `spec.servers[${i}].tls`, 'tls settings on an HTTP server are ignored (no TLS in weft\'s proxy yet)');
      }
      const list = byPort.get(server.port.number) ?? [];
      list.push({ gateway, gatewayName, server });
      byPort.set(server.port.number, list);
    });
  }
  return new Map([...byPort.entries()].sort((a, b) => a[0] - b[0]));
}

export function buildGatewayListeners(ctx: TranslateContext): envoy_config_listener_v3_Listener[] {
  const out: envoy_config_listener_v3_Listener[] = [];
  for (const [port, servers] of gatewayHttpServers(ctx)) {
    const bind = servers.find((s) => s.server.bind)?.server.bind ?? '0.0.0.0';
    out.push({
      name: listenerName(bind, port),
      address: socketAddress(bind, port),
      traffic_direction: 'OUTBOUND',
      filter_chains: [{ filters: [hcmFilter({ statPrefix: `outbound_${bind}_${port}`, rds: gatewayRouteName(port), filters: outboundHttpFilters(), useRemoteAddress: true, stripAnyHostPort: true, accessLog: accessLogs(ctx) })] }],
    });
  }
  return out;
}

export function buildGatewayRouteConfigs(ctx: TranslateContext): envoy_config_route_v3_RouteConfiguration[] {
  const out: envoy_config_route_v3_RouteConfiguration[] = [];
  for (const [port, servers] of gatewayHttpServers(ctx)) {
    const vhosts = new Map<string, { routes: envoy_config_route_v3_Route[]; redirect: boolean; from: Set<Accepted<VirtualService>> }>();
    for (const bs of servers) {
      const gwNs = bs.gateway.obj.metadata.namespace ?? ctx.proxy.namespace;
      const routeCache = new Map<Accepted<VirtualService>, envoy_config_route_v3_Route[]>();
      for (const vs of ctx.push.virtualServices(ctx.proxy.namespace, bs.gatewayName)) {
        const vsNs = vs.obj.metadata.namespace ?? ctx.proxy.namespace;
        for (const serverHost of bs.server.hosts ?? []) {
          const { ns, host } = splitServerHost(serverHost);
          if (ns !== '*' && (ns === '.' ? gwNs : ns) !== vsNs) continue;
          for (const vsHost of resolvedHosts(ctx, vs)) {
            const domainHost = hostIntersection(host, vsHost);
            if (!domainHost) continue;
            let routes = routeCache.get(vs);
            if (!routes) {
              routes = translateVirtualServiceRoutes(ctx, vs, { listenPort: port, gatewayNames: new Set([bs.gatewayName]), flavor: 'gateway' });
              routeCache.set(vs, routes);
            }
            if (routes.length === 0) continue;
            const entry = vhosts.get(domainHost) ?? { routes: [], redirect: false, from: new Set() };
            if (!entry.from.has(vs)) {
              entry.routes = combineRoutes(entry.routes, routes);
              entry.from.add(vs);
            }
            entry.redirect ||= bs.server.tls?.httpsRedirect === true;
            vhosts.set(domainHost, entry);
          }
        }
      }
    }
    const list: envoy_config_route_v3_VirtualHost[] = [...vhosts.entries()].map(([host, e]) => ({
      name: `${host}:${port}`,
      // The HCM strips the port before matching (strip_any_host_port), so the host alone matches
      // `host` and `host:<any port>`, and wildcards stay valid (`*.a.com:*` is not a domain Envoy takes).
      domains: [host],
      routes: e.routes,
      ...(e.redirect ? { require_tls: 'ALL' as const } : {}),
    }));
    if (list.length === 0) {
      // Istio answers a gateway port without virtual hosts with 404 from a blackhole host.
      list.push({ name: `blackhole:${port}`, domains: ['*'], routes: [{ name: 'default', match: { prefix: '/' }, direct_response: { status: 404 } }] });
    }
    out.push(routeConfiguration(gatewayRouteName(port), list));
  }
  return out;
}

/** `ns/host` of a Gateway server: `*` any namespace (the default), `.` the gateway's own. */
function splitServerHost(h: string): { ns: string; host: string } {
  const i = h.indexOf('/');
  return i < 0 ? { ns: '*', host: h } : { ns: h.slice(0, i), host: h.slice(i + 1) };
}

/** Istio's CombineVHostRoutes: routes in order, catch-all routes moved to the end. */
function combineRoutes(a: envoy_config_route_v3_Route[], b: envoy_config_route_v3_Route[]): envoy_config_route_v3_Route[] {
  const all = [...a, ...b];
  return [...all.filter((r) => !isCatchAllMatch(r.match ?? {})), ...all.filter((r) => isCatchAllMatch(r.match ?? {}))];
}
