// Simulation of translated config through weft's own proxy (as Istio's
// pilot/pkg/simulation): resources are decoded by the proxy's decoders, then
// requests are matched by the proxy's RouteTable and the result says where
// they land. Test support only.
import { ConfigErrors } from '../../common/errors.js';
import { HeaderMap } from '../../proxy/http/headers.js';
import { decodeHttpFault, type FaultSettings } from '../../proxy/filters/fault/decode.js';
import type { RetryPolicy } from '../../proxy/route/retry-policy.js';
import type { RouteTable } from '../../proxy/route/route-table.js';
import { portStart } from '../../proxy/route/domain-index.js';
import type { AnyMessage } from '../../xds/gen/types.js';
import type { ProxyResources } from '../model/types.js';
import { decodeWithProxy, type DecodedProxy } from './test-proxy-decode.js';

export interface SimRequest {
  authority: string;
  path?: string;
  method?: string;
  headers?: Record<string, string>;
  /** The request's random value (weighted clusters, runtime fractions). */
  rand?: number;
}

export interface SimResult {
  /** Route name ('' when unnamed), or undefined: no route (NR). */
  readonly routeName: string;
  readonly virtualHost: string;
  readonly cluster: string | undefined;
  readonly timeoutMs: number;
  readonly retry: RetryPolicy | undefined;
  readonly fault: FaultSettings | undefined;
  readonly directResponseStatus: number | undefined;
  readonly redirect: boolean;
  readonly rewrittenPath: string | undefined;
  readonly hostRewrite: string | undefined;
  readonly mirrors: readonly string[];
}

export class Simulation {
  readonly decoded: DecodedProxy;

  constructor(resources: ProxyResources) {
    this.decoded = decodeWithProxy(resources);
  }

  /** The route table a listener's HTTP connection manager uses (RDS by name, or inline). */
  tableForListener(listener: string): RouteTable {
    const l = this.decoded.listeners.get(listener);
    if (!l) throw new Error(`no listener ${listener} (have ${[...this.decoded.listeners.keys()].join(', ')})`);
    const t = l.filterChains[0]?.terminal;
    if (t?.kind !== 'http') throw new Error(`listener ${listener} is not HTTP`);
    if (t.hcm.routeTable) return t.hcm.routeTable;
    const rt = this.decoded.routes.get(t.hcm.rdsName ?? '');
    if (!rt) throw new Error(`listener ${listener} loads route configuration ${t.hcm.rdsName}, which was not built`);
    return rt;
  }

  /** Where a request to `listener` lands; undefined when no route matches. Host port stripping is the HCM's, as in the proxy. */
  route(listener: string, req: SimRequest): SimResult | undefined {
    const l = this.decoded.listeners.get(listener);
    const t = l?.filterChains[0]?.terminal;
    let authority = req.authority;
    if (t?.kind === 'http') {
      const p = portStart(authority);
      const strip = t.hcm.stripPortMode === 'any' || (t.hcm.stripPortMode === 'matching' && authority.slice(p + 1) === String(l!.address.port));
      if (p >= 0 && strip) authority = authority.slice(0, p);
    }
    return routeThrough(this.tableForListener(listener), { ...req, authority });
  }
}

export function routeThrough(table: RouteTable, req: SimRequest): SimResult | undefined {
  const h = new HeaderMap();
  for (const [k, v] of Object.entries(req.headers ?? {})) h.add(k.toLowerCase(), v);
  const m = table.route({ method: req.method ?? 'GET', path: req.path ?? '/', authority: req.authority, scheme: 'http', headers: h }, req.rand ?? 0);
  if (!m) return undefined;
  const a = m.route.action;
  const picked = m.route.pickCluster(m.view, m.rand);
  const faultAny = m.route.perFilterConfig('envoy.filters.http.fault') as AnyMessage | undefined;
  const fault = faultAny ? decodeHttpFault(faultAny as Parameters<typeof decodeHttpFault>[0], 'fault', new ConfigErrors()) : undefined;
  return {
    routeName: m.route.name,
    virtualHost: m.vhost.name,
    cluster: picked?.name,
    timeoutMs: a.kind === 'forward' ? a.timeoutMs : 0,
    retry: a.kind === 'forward' ? a.retry : undefined,
    fault,
    directResponseStatus: a.kind === 'direct_response' ? a.status : undefined,
    redirect: a.kind === 'redirect',
    rewrittenPath: m.route.rewritePath(m.view),
    hostRewrite: m.route.rewriteHost(m.view, picked),
    mirrors: a.kind === 'forward' ? a.requestMirrorPolicies.map((p) => p.cluster ?? '') : [],
  };
}

/** How many of `n` requests (rand 0..n-1) land on each cluster. */
export function distribution(sim: Simulation, listener: string, req: SimRequest, n = 100): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const r = sim.route(listener, { ...req, rand: i });
    const c = r?.cluster ?? 'NR';
    out[c] = (out[c] ?? 0) + 1;
  }
  return out;
}
