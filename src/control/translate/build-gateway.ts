// Gateways (proxy type `router`), as Istio's buildGatewayListeners: one
// listener per server port (`<bind>_<port>`). A port serves either plain-text
// HTTP servers, merged into one filter chain with an HCM over RDS
// `http.<port>`, or TLS/TCP servers, one filter chain per server (Istio's
// "cannot have a mix of http and https server on same port"; the first
// server's kind wins, later ones are reported):
//   HTTPS terminating (SIMPLE, MUTUAL, OPTIONAL_MUTUAL, ISTIO_MUTUAL): a
//     chain matching the server's hosts as SNI, TLS terminated
//     (build-gateway-tls.ts), an HCM over RDS `https.<port>.<portName>.<gw>.<ns>`;
//   PASSTHROUGH (HTTPS or TLS): a chain per VirtualService `tls` route match,
//     server_names from its sniHosts, tcp_proxy to its destination, no
//     termination;
//   TLS terminating: the server's SNI chain with TLS, tcp_proxy by `tcp` routes;
//   TCP: one chain, tcp_proxy by `tcp` routes.
// A TLS port gets the tls_inspector (it reads the SNI). Virtual hosts come
// from the VirtualServices bound to the gateway, for the hosts where the
// server's `hosts` and the VirtualService's hosts meet; routes of several
// VirtualServices for one host are merged, catch-alls last (as Istio merges
// for gateways). The HCM strips the port from Host before matching, as
// Istio's gateways do with ISTIO_GATEWAY_STRIP_HOST_PORT, so virtual hosts
// list hosts without ports. httpsRedirect on an HTTP server makes its
// virtual hosts require TLS (Envoy answers 301 to https://).
import type { Gateway, GatewayServer, VirtualService } from '../../api/networking.js';
import type { Accepted } from '../model/types.js';
import type {
  envoy_config_listener_v3_Filter, envoy_config_listener_v3_FilterChain, envoy_config_listener_v3_Listener,
  envoy_config_route_v3_Route, envoy_config_route_v3_RouteConfiguration, envoy_config_route_v3_VirtualHost,
} from '../../xds/gen/types.js';
import { accessLogs, listenerTelemetry } from './access-log.js';
import { securityHttpFilters, securityNetworkFilters } from './authz-filters.js';
import { buildGatewayTlsContext, downstreamTlsSocket, isPassthroughServer, serverSniHosts } from './build-gateway-tls.js';
import { hcmFilter, outboundHttpFilters } from './build-hcm.js';
import { routeConfiguration } from './build-outbound-routes.js';
import { hostIntersection } from '../model/host-names.js';
import { socketAddress } from './locality-endpoints.js';
import { MESSAGE_CODES } from './messages.js';
import { configKey, gatewayHttpsRouteName, gatewayRouteName, listenerName } from './names.js';
import { anyOf, FILTER_NAMES, TYPE_URLS } from './proto-helpers.js';
import { isCatchAllMatch } from './translate-route-match.js';
import type { TranslateContext } from './translate-context.js';
import { tcpProxyFilter, translateGatewayTlsRoutes, translateL4Routes } from './translate-tcp-routes.js';
import { translateVirtualServiceRoutes } from './translate-virtual-service-routes.js';
import { resolvedHosts } from './virtual-service-index.js';

/** What a server is served as. */
type ServerKind = 'http' | 'https' | 'passthrough' | 'tls' | 'tcp';

export interface BoundServer {
  readonly gateway: Accepted<Gateway>;
  /** `<ns>/<name>`, the name VirtualServices bind to. */
  readonly gatewayName: string;
  readonly server: GatewayServer;
  readonly kind: ServerKind;
  /** "Gateway <name>.<ns>", for messages. */
  readonly key: string;
  /** spec.servers[i] */
  readonly path: string;
}

const HTTP_PROTOCOLS = new Set(['HTTP', 'HTTP2', 'GRPC', 'GRPC-WEB']);

/** How a server is served, or why it is not (with the field to blame). */
function serverKind(server: GatewayServer): { kind: ServerKind } | { unsupported: string; field: string } {
  const protocol = (server.port.protocol ?? '').toUpperCase();
  if (HTTP_PROTOCOLS.has(protocol)) return { kind: 'http' };
  if (protocol === 'TCP') return { kind: 'tcp' };
  if (protocol !== 'HTTPS' && protocol !== 'TLS') return { unsupported: `${protocol} servers are not served by weft gateways (HTTP, HTTPS, TLS and TCP are)`, field: 'port.protocol' };
  if (server.tls?.mode === 'AUTO_PASSTHROUGH') {
    return { unsupported: 'tls mode AUTO_PASSTHROUGH is not supported by weft gateways: it routes by SNI to `outbound_.<port>_.<subset>_.<host>` clusters, which weft does not build', field: 'tls.mode' };
  }
  if (isPassthroughServer(server)) return { kind: 'passthrough' };
  return { kind: protocol === 'HTTPS' ? 'https' : 'tls' };
}

/** The servers of the proxy's gateways, by port (ascending), in gateway then server order; servers weft cannot serve are reported. */
export function gatewayServers(ctx: TranslateContext): Map<number, BoundServer[]> {
  const byPort = new Map<number, BoundServer[]>();
  const gateways = [...ctx.push.gatewaysFor(ctx.proxy)].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const gateway of gateways) {
    const ns = gateway.obj.metadata.namespace ?? ctx.proxy.namespace;
    const gatewayName = `${ns}/${gateway.obj.metadata.name}`;
    const key = configKey('Gateway', gateway.obj.metadata.name, ns);
    (gateway.obj.spec.servers ?? []).forEach((server, i) => {
      const path = `spec.servers[${i}]`;
      const k = serverKind(server);
      if ('unsupported' in k) {
        ctx.messages.warn(MESSAGE_CODES.GATEWAY_UNSUPPORTED, key, `${path}.${k.field}`, `${k.unsupported}; port ${server.port.number} is not opened for this server`);
        return;
      }
      const kind = k.kind;
      const list = byPort.get(server.port.number) ?? [];
      const first = list[0];
      // Istio: plain-text HTTP and TLS/TCP servers cannot share a port; a plain TCP server cannot share one at all.
      const clash = first && ((first.kind === 'http') !== (kind === 'http') || (kind !== 'http' && (first.kind === 'tcp' || kind === 'tcp')));
      if (clash) {
        ctx.messages.warn(MESSAGE_CODES.GATEWAY_CONFLICT, key, `${path}.port`,
          `port ${server.port.number} is already served as ${first.kind.toUpperCase()} by ${first.key} ${first.path}; a ${kind.toUpperCase()} server cannot share it, so this server is left out`);
        return;
      }
      list.push({ gateway, gatewayName, server, kind, key, path });
      byPort.set(server.port.number, list);
    });
  }
  return new Map([...byPort.entries()].sort((a, b) => a[0] - b[0]));
}

export function buildGatewayListeners(ctx: TranslateContext): envoy_config_listener_v3_Listener[] {
  const out: envoy_config_listener_v3_Listener[] = [];
  for (const [port, servers] of gatewayServers(ctx)) {
    const bind = servers.find((s) => s.server.bind)?.server.bind ?? '0.0.0.0';
    const statPrefix = `outbound_${bind}_${port}`;
    let chains: envoy_config_listener_v3_FilterChain[];
    if (servers[0]!.kind === 'http') {
      chains = [{ filters: [hcmFilter({ statPrefix, rds: gatewayRouteName(port), filters: [...securityHttpFilters(ctx), ...outboundHttpFilters()], useRemoteAddress: true, stripAnyHostPort: true, ...listenerTelemetry(ctx) })] }];
    } else {
      chains = tlsPortChains(ctx, port, servers, statPrefix).chains;
      if (chains.length === 0) {
        ctx.messages.warn(MESSAGE_CODES.GATEWAY_UNSUPPORTED, servers[0]!.key, `${servers[0]!.path}`, `port ${port}: no server has a route (VirtualService tcp or tls routes bound to the gateway); the port is not opened`);
        continue;
      }
    }
    const needsInspector = chains.some((c) => c.transport_socket || (c.filter_chain_match?.server_names ?? []).length > 0);
    out.push({
      name: listenerName(bind, port),
      address: socketAddress(bind, port),
      traffic_direction: 'OUTBOUND',
      ...(needsInspector ? { listener_filters: [{ name: FILTER_NAMES.tlsInspector, typed_config: anyOf(TYPE_URLS.tlsInspector) }] } : {}),
      filter_chains: chains,
    });
  }
  return out;
}

/**
 * The filter chains of a port of TLS/TCP servers, one per server (or per tls
 * route match for PASSTHROUGH); no two match the same SNI. Also the HTTPS
 * servers that got a chain: only those get a route configuration.
 */
function tlsPortChains(ctx: TranslateContext, port: number, servers: readonly BoundServer[], statPrefix: string): { chains: envoy_config_listener_v3_FilterChain[]; https: BoundServer[] } {
  const chains: envoy_config_listener_v3_FilterChain[] = [];
  const https: BoundServer[] = [];
  // SNI name (or '' for "any") → who claimed it first: Envoy refuses two chains with one match.
  const claimed = new Map<string, string>();
  const claim = (names: readonly string[], who: string, key: string, path: string): boolean => {
    const wanted = names.length ? names : [''];
    const taken = wanted.filter((n) => claimed.has(n));
    if (taken.length) {
      ctx.messages.warn(MESSAGE_CODES.GATEWAY_CONFLICT, key, path,
        `port ${port}: SNI ${taken.map((n) => (n ? `"${n}"` : '(any name)')).join(', ')} is already served by ${claimed.get(taken[0]!)}; this filter chain is left out (Envoy refuses two chains with the same match)`);
      return false;
    }
    for (const n of wanted) claimed.set(n, who);
    return true;
  };
  for (const bs of servers) {
    const who = `${bs.key} ${bs.path}`;
    if (bs.kind === 'passthrough') {
      for (const vs of boundVirtualServices(ctx, bs)) {
        for (const r of translateGatewayTlsRoutes(ctx, vs, port, new Set([bs.gatewayName]))) {
          const vsKey = `VirtualService ${vs.obj.metadata.name}.${vs.obj.metadata.namespace ?? ctx.proxy.namespace}`;
          if (!claim(r.sniHosts, `${vsKey} ${r.path}`, vsKey, r.path)) continue;
          chains.push({
            ...(r.sniHosts.length ? { filter_chain_match: { server_names: r.sniHosts } } : {}),
            filters: [...securityNetworkFilters(ctx), tcpProxyFilter(r.target, undefined, accessLogs(ctx))],
          });
        }
      }
      continue;
    }
    const sni = bs.kind === 'tcp' ? [] : serverSniHosts(bs.server);
    let filter: envoy_config_listener_v3_Filter;
    if (bs.kind === 'https') {
      filter = hcmFilter({ statPrefix, rds: gatewayHttpsRouteName(bs.server, bs.gateway.obj.metadata.name, bs.gatewayName.split('/')[0]!), filters: [...securityHttpFilters(ctx), ...outboundHttpFilters()], useRemoteAddress: true, stripAnyHostPort: true, ...listenerTelemetry(ctx) });
    } else {
      const target = tcpTarget(ctx, bs, port);
      if (!target) {
        ctx.messages.warn(MESSAGE_CODES.GATEWAY_UNSUPPORTED, bs.key, bs.path, `no VirtualService tcp route bound to this gateway matches port ${port} and the server's hosts; the server has no filter chain`);
        continue;
      }
      filter = tcpProxyFilter(target, undefined, accessLogs(ctx));
    }
    if (!claim(sni, who, bs.key, bs.path)) continue;
    if (bs.kind === 'https') https.push(bs);
    chains.push({
      ...(sni.length ? { filter_chain_match: { server_names: sni } } : {}),
      filters: [filter],
      ...(bs.kind !== 'tcp' ? { transport_socket: downstreamTlsSocket(buildGatewayTlsContext(bs.server.tls!, bs.kind === 'tls')) } : {}),
    });
  }
  return { chains, https };
}

/** The destination of a TCP or terminating TLS server: the first `tcp` route of a bound VirtualService that applies (Istio's buildGatewayNetworkFiltersFromTCPRoutes). */
function tcpTarget(ctx: TranslateContext, bs: BoundServer, port: number) {
  for (const vs of boundVirtualServices(ctx, bs)) {
    const t = translateL4Routes(ctx, vs, port, new Set([bs.gatewayName]));
    if (t) return t;
  }
  return undefined;
}

/** VirtualServices bound to the server's gateway with a host that meets one of the server's hosts. */
function boundVirtualServices(ctx: TranslateContext, bs: BoundServer): Accepted<VirtualService>[] {
  return ctx.push.virtualServices(ctx.proxy.namespace, bs.gatewayName).filter((vs) => matchingHosts(ctx, bs, vs).length > 0);
}

/** The hosts where the server's hosts (`ns/host`) and the VirtualService's hosts meet. */
function matchingHosts(ctx: TranslateContext, bs: BoundServer, vs: Accepted<VirtualService>): string[] {
  const gwNs = bs.gateway.obj.metadata.namespace ?? ctx.proxy.namespace;
  const vsNs = vs.obj.metadata.namespace ?? ctx.proxy.namespace;
  const out: string[] = [];
  for (const serverHost of bs.server.hosts ?? []) {
    const { ns, host } = splitServerHost(serverHost);
    if (ns !== '*' && (ns === '.' ? gwNs : ns) !== vsNs) continue;
    for (const vsHost of resolvedHosts(ctx, vs)) {
      const h = hostIntersection(host, vsHost);
      if (h) out.push(h);
    }
  }
  return out;
}

export function buildGatewayRouteConfigs(ctx: TranslateContext): envoy_config_route_v3_RouteConfiguration[] {
  const out: envoy_config_route_v3_RouteConfiguration[] = [];
  for (const [port, servers] of gatewayServers(ctx)) {
    if (servers[0]!.kind === 'http') {
      out.push(routeConfiguration(gatewayRouteName(port), virtualHosts(ctx, port, servers)));
      continue;
    }
    const statPrefix = `outbound_${servers.find((s) => s.server.bind)?.server.bind ?? '0.0.0.0'}_${port}`;
    for (const bs of tlsPortChains(ctx, port, servers, statPrefix).https) {
      out.push(routeConfiguration(gatewayHttpsRouteName(bs.server, bs.gateway.obj.metadata.name, bs.gatewayName.split('/')[0]!), virtualHosts(ctx, port, [bs])));
    }
  }
  // Two HTTPS servers share a route name only where Istio would give them one (a port name repeated in one gateway, which validation refuses): keep the first.
  const seen = new Set<string>();
  return out.filter((r) => !seen.has(r.name ?? '') && seen.add(r.name ?? ''));
}

/** The virtual hosts of `servers` on `port` (a 404 blackhole when there are none, as Istio). */
function virtualHosts(ctx: TranslateContext, port: number, servers: readonly BoundServer[]): envoy_config_route_v3_VirtualHost[] {
  const vhosts = new Map<string, { routes: envoy_config_route_v3_Route[]; redirect: boolean; from: Set<Accepted<VirtualService>> }>();
  for (const bs of servers) {
    const routeCache = new Map<Accepted<VirtualService>, envoy_config_route_v3_Route[]>();
    for (const vs of ctx.push.virtualServices(ctx.proxy.namespace, bs.gatewayName)) {
      for (const domainHost of matchingHosts(ctx, bs, vs)) {
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
        entry.redirect ||= bs.kind === 'http' && bs.server.tls?.httpsRedirect === true;
        vhosts.set(domainHost, entry);
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
  return list;
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
