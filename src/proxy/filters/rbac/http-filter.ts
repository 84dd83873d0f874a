// envoy.filters.http.rbac: each request is checked against the shadow and
// enforced rules when its head arrives; a denied request gets Envoy's 403
// `RBAC: access denied` with details rbac_access_denied_matched_policy[<name>]
// and weft's x-weft-error naming the policy. A route's RBACPerRoute replaces
// the filter's rules (an empty one turns the filter off on that route);
// stats stay the listener filter's.
import type { AnyMessage, envoy_extensions_filters_http_rbac_v3_RBACPerRoute } from '../../../xds/gen/types.js';
import { CONTINUE, STOP, type FilterStatus, type FilterStream, type HttpFilter, type HttpFilterFactory } from '../../http/filter.js';
import { rbacResponseDetail } from '../../rbac/rbac-engine.js';
import { RbacInput } from '../../rbac/rbac-input.js';
import { RequestView } from '../../route/route-request.js';
import { PerRouteConfigs } from '../common/per-route.js';
import { decodeHttpRbacPerRoute, type RbacSettings } from './decode.js';
import { DENIED_BODY, HTTP_RBAC_PER_ROUTE_TYPE_URL } from './defaults.js';
import { checkRbac } from './rbac-check.js';
import { RbacStats } from './rbac-stats.js';

const HTTP_RBAC_NAME = 'envoy.filters.http.rbac';

/** RBACPerRoute entries, decoded once per config object (the registration's perRoute.decode). */
export const rbacPerRoute = new PerRouteConfigs<RbacSettings>([HTTP_RBAC_PER_ROUTE_TYPE_URL], (cfg: AnyMessage, path, errs) => decodeHttpRbacPerRoute(cfg as envoy_extensions_filters_http_rbac_v3_RBACPerRoute, path, errs));

/** The listener-level filter (one per http_filters entry). */
export class RbacFilterFactory implements HttpFilterFactory {
  private stats: RbacStats | undefined;
  private listenerFilter: RbacFilter | undefined;

  constructor(readonly name: string, readonly settings: RbacSettings, private readonly hcmStatPrefix: string) {}

  create(stream: FilterStream): HttpFilter | undefined {
    const perRoute = rbacPerRoute.forStream(stream, this.name);
    // null: an invalid entry (route decoding refuses those, so a live table never has one).
    if (perRoute === null) return undefined;
    const settings = perRoute ?? this.settings;
    if (!settings.rules && !settings.shadowRules) return undefined;
    // Bound on first use: decoders do not see the stats store.
    const store = stream.hcm.ctx.stats;
    if (!this.stats || this.stats.store !== store) {
      this.stats = new RbacStats(store, `http.${this.hcmStatPrefix}.`, this.settings.rulesStatPrefix, this.settings.shadowRulesStatPrefix);
      this.listenerFilter = undefined;
    }
    // The filter keeps nothing per stream: the listener's settings share one instance.
    if (!perRoute) return (this.listenerFilter ??= new RbacFilter(settings, this.stats, `http_filter=${this.name}`));
    return new RbacFilter(settings, this.stats, `http_filter=${this.name}; ${stream.route!.route.describe()}`);
  }
}

/** Stateless: one instance may serve many streams at once. */
class RbacFilter implements HttpFilter {
  constructor(private readonly settings: RbacSettings, private readonly stats: RbacStats, private readonly source: string) {}

  decodeHeaders(stream: FilterStream): FilterStatus {
    const input = new RbacInput(stream.conn, stream.route?.view ?? new RequestView(stream), stream.info.dynamicMetadata);
    const r = checkRbac(this.settings, this.stats, input, stream.info, HTTP_RBAC_NAME);
    if (!r || r.allowed) return CONTINUE;
    const why = r.policy === undefined ? 'no ALLOW policy matched' : `DENY policy "${r.policy}" matched`;
    stream.sendLocalReply({
      status: 403,
      code: 'WEFT_RBAC_DENIED',
      // Envoy sets no response flag for an RBAC denial: the details say it.
      flag: 0,
      cause: `RBAC: access denied (${why})`,
      source: this.source,
      body: DENIED_BODY,
      details: rbacResponseDetail(r.policy),
    });
    return STOP;
  }
}
