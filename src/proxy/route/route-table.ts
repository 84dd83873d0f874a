// The compiled RouteConfiguration: an immutable table the connection manager
// swaps atomically when RDS (or static config) changes. Requests in flight keep
// the table they started with.
import type { AnyMessage } from '../../xds/gen/types.js';
import { DomainIndex } from './domain-index.js';
import type { HeaderMutation } from './header-mutation.js';
import { normalizeRandom, RANDOM_VALUE_RANGE } from './route-defaults.js';
import type { RouteMatchResult, VirtualHost } from './route-entry.js';
import { RequestView, RouteRequest } from './route-request.js';

export type { RouteMatchResult } from './route-entry.js';

/** Table-level settings and content, as decoded. */
export interface RouteTableInit {
  name: string;
  virtualHosts: readonly VirtualHost[];
  domains: DomainIndex<VirtualHost>;
  internalOnlyHeaders: readonly string[];
  validateClusters: boolean | undefined;
  mostSpecificHeaderMutationsWins: boolean;
  maxDirectResponseBodyBytes: number;
  typedPerFilterConfig: ReadonlyMap<string, AnyMessage>;
  requestHeaders: HeaderMutation;
  responseHeaders: HeaderMutation;
}

export class RouteTable {
  readonly name: string;
  readonly virtualHosts: readonly VirtualHost[];
  /** Lower-cased headers the connection manager strips from external requests. */
  readonly internalOnlyHeaders: readonly string[];
  /** As configured; undefined means the connection manager's default (true for static, false for RDS). */
  readonly validateClusters: boolean | undefined;
  readonly mostSpecificHeaderMutationsWins: boolean;
  readonly maxDirectResponseBodyBytes: number;
  /** This level's own typed_per_filter_config. */
  readonly typedPerFilterConfig: ReadonlyMap<string, AnyMessage>;
  /** This level's own header mutations (routes hold the full chains). */
  readonly requestHeaders: HeaderMutation;
  readonly responseHeaders: HeaderMutation;
  private readonly domains: DomainIndex<VirtualHost>;

  constructor(init: RouteTableInit) {
    this.name = init.name;
    this.virtualHosts = init.virtualHosts;
    this.domains = init.domains;
    this.internalOnlyHeaders = init.internalOnlyHeaders;
    this.validateClusters = init.validateClusters;
    this.mostSpecificHeaderMutationsWins = init.mostSpecificHeaderMutationsWins;
    this.maxDirectResponseBodyBytes = init.maxDirectResponseBodyBytes;
    this.typedPerFilterConfig = init.typedPerFilterConfig;
    this.requestHeaders = init.requestHeaders;
    this.responseHeaders = init.responseHeaders;
  }

  /** The virtual host for a Host/:authority value, or undefined. */
  selectVirtualHost(authority: string): VirtualHost | undefined {
    return this.domains.find(authority);
  }

  /**
   * The first route (in config order) of the selected virtual host that
   * matches, or undefined (NR: no route). `rand` is the request's random value
   * (non-negative integer) used by runtime_fraction and, via the result, by
   * weighted clusters; injected in tests, random otherwise. A float in [0, 1)
   * is accepted too and scaled (see normalizeRandom).
   */
  route(req: RouteRequest, rand: number = Math.floor(Math.random() * RANDOM_VALUE_RANGE)): RouteMatchResult | undefined {
    const vhost = this.domains.find(req.authority);
    if (!vhost) return undefined;
    rand = normalizeRandom(rand);
    const view = new RequestView(req);
    if (vhost.requireTls !== 'NONE' && needsTlsRedirect(vhost.requireTls, req)) {
      return { route: vhost.tlsRedirectRoute, vhost, view, rand };
    }
    for (const route of vhost.routes) {
      if (route.match.matches(view, rand)) return { route, vhost, view, rand };
    }
    return undefined;
  }

  /** Every cluster named statically by a forwarding route or weighted entry (for validate_clusters). */
  clusterNames(): Set<string> {
    const out = new Set<string>();
    for (const vh of this.virtualHosts) {
      for (const r of vh.routes) {
        if (r.action.kind !== 'forward') continue;
        const c = r.action.cluster;
        if (c.kind === 'cluster') out.add(c.name);
        else if (c.kind === 'weighted') for (const w of c.clusters) if (w.name !== undefined) out.add(w.name);
      }
    }
    return out;
  }
}

// Envoy decides on x-forwarded-proto (which the connection manager always sets);
// EXTERNAL_ONLY exempts requests marked internal with x-envoy-internal: true.
function needsTlsRedirect(req: 'EXTERNAL_ONLY' | 'ALL', r: RouteRequest): boolean {
  const proto = r.headers.get('x-forwarded-proto') ?? r.scheme;
  if (proto === 'https') return false;
  if (req === 'ALL') return true;
  return r.headers.get('x-envoy-internal') !== 'true';
}
