// The router: the last HTTP filter. It turns a matched route into an upstream
// request — cluster choice, rewrites, header mutations, host selection,
// circuit breaking, timeouts — and relays the response. Every failure becomes
// a local reply with Envoy's status and flag and weft's x-weft-error.
import type { ProxyContext } from '../context.js';
import { HeaderMap } from '../http/headers.js';
import type { ConnectionManager, HttpStream, TerminalFilter } from '../http/stream.js';
import { NC, NR } from '../access-log/response-flags.js';
import { UpstreamExchange } from './upstream-exchange.js';
import { ROUTER_DEFAULTS, type RouterFilterConfig } from './router-config.js';
import { routeView, type RouteView } from './route-view.js';


export class Router implements TerminalFilter {
  readonly cfg: RouterFilterConfig;
  constructor(readonly ctx: ProxyContext, readonly hcm: ConnectionManager, cfg: RouterFilterConfig | undefined) {
    this.cfg = cfg ?? ROUTER_DEFAULTS;
  }

  decodeHeaders(s: HttpStream): void {
    const m = s.route;
    const stats = this.hcm.stats;
    stats.rqTotal.inc();
    if (!m) {
      stats.noRoute.inc();
      const table = this.hcm.routeTable();
      s.sendLocalReply({
        status: 404, flag: NR, code: 'WEFT_NO_ROUTE', details: 'route_not_found', body: '',
        cause: `no route matched ${s.method} ${s.authority}${s.path}`,
        source: `route_config=${table?.name ?? '(none)'}`,
      });
      return;
    }
    const rv = routeView(m);
    if (rv.directResponse) {
      stats.rqDirectResponse.inc();
      const h = new HeaderMap();
      rv.applyResponseHeaders(h, s, undefined);
      const body = rv.directResponse.body;
      s.info.responseCodeDetails = 'direct_response';
      if (body.length) {
        h.set('content-type', h.get('content-type') ?? 'text/plain');
        h.set('content-length', String(body.length));
        s.encodeHeaders(rv.directResponse.status, h, s.method === 'HEAD');
        if (s.method !== 'HEAD') s.encodeData(body, true);
      } else {
        h.set('content-length', '0');
        s.encodeHeaders(rv.directResponse.status, h, true);
      }
      return;
    }
    if (rv.redirect) {
      stats.rqRedirect.inc();
      const h = new HeaderMap();
      h.set('location', rv.redirect.location(s));
      rv.applyResponseHeaders(h, s, undefined);
      h.set('content-length', '0');
      s.info.responseCodeDetails = 'direct_response';
      s.encodeHeaders(rv.redirect.status, h, true);
      return;
    }
    const clusterName = rv.pickCluster(s, this.hcm.random());
    const cluster = clusterName ? this.ctx.clusters.get(clusterName) : undefined;
    s.info.upstreamCluster = clusterName;
    if (!cluster) {
      stats.noCluster.inc();
      s.sendLocalReply({
        status: rv.clusterNotFoundStatus, flag: NC, code: 'WEFT_NO_CLUSTER', details: 'cluster_not_found', body: '',
        cause: clusterName ? `cluster "${clusterName}" does not exist` : 'no cluster selected (cluster_header missing?)',
        source: rv.source,
      });
      return;
    }
    new UpstreamExchange(this, s, rv, cluster).start();
  }
}

