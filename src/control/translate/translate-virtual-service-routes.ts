// A VirtualService's http section → the Envoy routes for one port and one
// caller, as Istio's BuildHTTPRoutesForVirtualService: one route per match (a
// route without matches is one catch-all), in order; matches for another
// port, other source labels/namespace or other gateways are left out here, at
// translation time; nothing after a catch-all is emitted (it could never match).
import type { HTTPMatchRequest, VirtualService } from '../../api/networking.js';
import type { Accepted } from '../model/types.js';
import type { envoy_config_route_v3_Route } from '../../xds/gen/types.js';
import { NAMES } from './defaults.js';
import { labelsMatch } from './locality-endpoints.js';
import { translateHttpRoute, type RouteFlavor } from './translate-http-route.js';
import { isCatchAllMatch } from './translate-route-match.js';
import type { TranslateContext } from './translate-context.js';

export interface VsRoutesOptions {
  readonly listenPort: number;
  /** Gateways the routes are for: {'mesh'} for sidecars, {'<ns>/<name>'} for a gateway. */
  readonly gatewayNames: ReadonlySet<string>;
  readonly flavor: RouteFlavor;
}

export function translateVirtualServiceRoutes(ctx: TranslateContext, vs: Accepted<VirtualService>, o: VsRoutesOptions): envoy_config_route_v3_Route[] {
  const out: envoy_config_route_v3_Route[] = [];
  const vsNs = vs.obj.metadata.namespace ?? ctx.proxy.namespace;
  const http = vs.obj.spec.http ?? [];
  for (let ri = 0; ri < http.length; ri++) {
    const r = http[ri]!;
    const matches: (HTTPMatchRequest | undefined)[] = r.match && r.match.length > 0 ? r.match : [undefined];
    let catchAll = !r.match || r.match.length === 0;
    for (const m of matches) {
      if (m && !matchApplies(ctx, m, o, vsNs)) continue;
      const route = translateHttpRoute(ctx, { vs, route: r, routeIndex: ri, match: m, listenPort: o.listenPort, flavor: o.flavor });
      if (!route) continue;
      out.push(route);
      if (route.match && isCatchAllMatch(route.match)) {
        catchAll = true;
        break;
      }
    }
    if (catchAll) break;
  }
  return out;
}

/** Istio's port and source checks (sourceMatchHTTP) for one match. */
export function matchApplies(ctx: TranslateContext, m: HTTPMatchRequest, o: VsRoutesOptions, vsNamespace: string): boolean {
  if (m.port && m.port !== o.listenPort) return false;
  if (m.gateways && m.gateways.length > 0) {
    return m.gateways.some((g) => o.gatewayNames.has(qualifyGateway(g, vsNamespace)));
  }
  if (!labelsMatch(m.sourceLabels, ctx.proxy.labels)) return false;
  return !m.sourceNamespace || m.sourceNamespace === ctx.proxy.namespace;
}

/** A gateway reference as `<ns>/<name>` ('mesh' stays 'mesh'); short and `./` names are in the VirtualService's namespace. */
export function qualifyGateway(g: string, vsNamespace: string): string {
  if (g === NAMES.meshGateway) return g;
  if (g.startsWith('./')) return `${vsNamespace}/${g.slice(2)}`;
  if (g.includes('/')) return g;
  return `${vsNamespace}/${g}`;
}
