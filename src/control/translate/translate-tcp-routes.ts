// VirtualService tcp/tls routes → a tcp_proxy's destination, as Istio's
// buildSidecarOutboundTCPTLSFilterChainOpts does per listener: the first route
// whose match applies (port, source labels/namespace, gateways) wins; one
// destination → cluster, several → weighted_clusters.
import type { L4MatchAttributes, RouteDestination, TLSMatchAttributes, VirtualService } from '../../api/networking.js';
import type { Accepted } from '../model/types.js';
import type { AnyMessage, envoy_config_accesslog_v3_AccessLog } from '../../xds/gen/types.js';
import { labelsMatch } from './locality-endpoints.js';
import { MESSAGE_CODES } from './messages.js';
import { anyOf, TYPE_URLS } from './proto-helpers.js';
import { resolveDestination } from './resolve-destination.js';
import { vsKey } from './translate-http-route.js';
import { qualifyGateway } from './translate-virtual-service-routes.js';
import type { TranslateContext } from './translate-context.js';

export interface TcpTarget {
  /** The single cluster, or the weighted list. */
  readonly clusters: readonly { name: string; weight: number }[];
}

function l4Applies(ctx: TranslateContext, m: L4MatchAttributes | TLSMatchAttributes, port: number, gateways: ReadonlySet<string>, vsNs: string, sni: string | undefined): boolean {
  if (m.port && m.port !== port) return false;
  if (m.gateways && m.gateways.length > 0 && !m.gateways.some((g) => gateways.has(qualifyGateway(g, vsNs)))) return false;
  if (!labelsMatch(m.sourceLabels, ctx.proxy.labels)) return false;
  if (m.sourceNamespace && m.sourceNamespace !== ctx.proxy.namespace) return false;
  if (sni !== undefined && 'sniHosts' in m && m.sniHosts && m.sniHosts.length > 0 && !m.sniHosts.includes(sni)) return false;
  return true;
}

/** The destination of TCP (or, with `sni`, TLS) traffic to `port` routed by `vs`, or undefined when no route applies. */
export function translateL4Routes(ctx: TranslateContext, vs: Accepted<VirtualService>, port: number, gateways: ReadonlySet<string>, sni?: string): TcpTarget | undefined {
  const vsNs = vs.obj.metadata.namespace ?? ctx.proxy.namespace;
  const key = vsKey(vs);
  const kind = sni === undefined ? 'tcp' : 'tls';
  const routes = sni === undefined ? vs.obj.spec.tcp ?? [] : vs.obj.spec.tls ?? [];
  for (let i = 0; i < routes.length; i++) {
    const r = routes[i]!;
    const matches: (L4MatchAttributes | TLSMatchAttributes)[] = r.match ?? [];
    const hit = matches.length === 0 || matches.some((m) => l4Applies(ctx, m, port, gateways, vsNs, sni));
    if (!hit) continue;
    matches.forEach((m, j) => {
      const subnets = ('destinationSubnets' in m && m.destinationSubnets?.length) || ('sourceSubnet' in m && m.sourceSubnet);
      if (subnets) ctx.messages.warn(MESSAGE_CODES.FIELD_IGNORED, key, `spec.${kind}[${i}].match[${j}]`, 'destinationSubnets/sourceSubnet are not yet matched by weft; the route applies regardless of addresses');
    });
    const clusters = weighted(ctx, r.route ?? [], vsNs, port, key, `spec.${kind}[${i}]`);
    if (clusters.length === 0) {
      ctx.messages.warn(MESSAGE_CODES.FIELD_IGNORED, key, `spec.${kind}[${i}].route`, 'no destination with a weight; the route is left out');
      continue;
    }
    return { clusters };
  }
  return undefined;
}

/**
 * The tls routes of `vs` on a gateway's PASSTHROUGH server (Istio's
 * buildGatewayNetworkFiltersFromTLSRoutes): one entry per match that applies
 * to the server's port and gateway, each with that match's sniHosts (the
 * filter chain's server_names) and the route's destination. Unlike a
 * sidecar, which looks up one SNI, a gateway builds a chain per match.
 */
export function translateGatewayTlsRoutes(
  ctx: TranslateContext, vs: Accepted<VirtualService>, port: number, gateways: ReadonlySet<string>,
): { sniHosts: string[]; target: TcpTarget; path: string }[] {
  const vsNs = vs.obj.metadata.namespace ?? ctx.proxy.namespace;
  const key = vsKey(vs);
  const out: { sniHosts: string[]; target: TcpTarget; path: string }[] = [];
  (vs.obj.spec.tls ?? []).forEach((r, i) => {
    if ((r.route ?? []).length === 0) return;
    (r.match ?? []).forEach((m, j) => {
      if (!l4Applies(ctx, m, port, gateways, vsNs, undefined)) return;
      const path = `spec.tls[${i}].match[${j}]`;
      if (m.destinationSubnets?.length) ctx.messages.warn(MESSAGE_CODES.FIELD_IGNORED, key, path, 'destinationSubnets are not yet matched by weft; the route applies regardless of addresses');
      const clusters = weighted(ctx, r.route ?? [], vsNs, port, key, `spec.tls[${i}]`);
      if (clusters.length === 0) return;
      out.push({ sniHosts: [...(m.sniHosts ?? [])], target: { clusters }, path });
    });
  });
  return out;
}

function weighted(ctx: TranslateContext, dests: readonly RouteDestination[], vsNs: string, port: number, key: string, path: string) {
  if (dests.length === 1) {
    return [{ name: resolveDestination(ctx, dests[0]!.destination, vsNs, port, key, `${path}.route[0].destination`).cluster, weight: 1 }];
  }
  return dests.flatMap((d, j) => (d.weight ? [{ name: resolveDestination(ctx, d.destination, vsNs, port, key, `${path}.route[${j}].destination`).cluster, weight: d.weight }] : []));
}

/** A tcp_proxy network filter for a target (stat_prefix: the cluster, as Istio). */
export function tcpProxyFilter(
  target: TcpTarget, statPrefix?: string, accessLog?: envoy_config_accesslog_v3_AccessLog[],
): { name: string; typed_config: AnyMessage } {
  const c = target.clusters;
  const log = accessLog ? { access_log: accessLog } : {};
  const cfg = c.length === 1
    ? { stat_prefix: statPrefix ?? c[0]!.name, cluster: c[0]!.name, ...log }
    : { stat_prefix: statPrefix ?? 'tcp_weighted', weighted_clusters: { clusters: c.map((x) => ({ name: x.name, weight: x.weight })) }, ...log };
  return { name: 'envoy.filters.network.tcp_proxy', typed_config: anyOf(TYPE_URLS.tcpProxy, cfg) };
}
