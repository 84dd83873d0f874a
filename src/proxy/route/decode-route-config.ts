// The one boundary where an envoy.config.route.v3.RouteConfiguration becomes a
// RouteTable. Every problem is reported with its field path and decoding goes
// on, so one run lists every error; the caller refuses the table when
// errs.hasErrors (and keeps its last good one).
import { httpFilterForPerRouteType, HTTP_FILTERS } from '../extensions/http-filters.js';
import { shortType } from '../extensions/registration.js';
import { decodeRetryPolicy } from './retry-policy.js';
import { decodeMirrorPolicies } from './mirror-policy.js';
import { CFG, ConfigErrors, joinPath } from '../../common/errors.js';
import { checkSupported } from '../config/support.js';
import type {
  AnyMessage,
  envoy_config_route_v3_FilterConfig,
  envoy_config_route_v3_HedgePolicy,
  envoy_config_route_v3_RetryPolicy,
  envoy_config_route_v3_Route,
  envoy_config_route_v3_RouteAction_RequestMirrorPolicy,
  envoy_config_route_v3_RouteConfiguration,
  envoy_config_route_v3_VirtualHost,
} from '../../xds/gen/types.js';
import { decodeDirectResponse, decodeRouteAction } from './decode-route-action.js';
import { DomainIndex } from './domain-index.js';
import { decodeHeaderMutation, decodeHeaderNames, HeaderMutation } from './header-mutation.js';
import { decodeRedirect, Redirect } from './redirect.js';
import { DEFAULT_MAX_DIRECT_RESPONSE_BODY_BYTES } from './route-defaults.js';
import { Route, RouteActionKind, TlsRequirement, VirtualHost } from './route-entry.js';
import { decodeRouteMatch, RouteMatcher } from './route-match.js';
import { RouteTable } from './route-table.js';
import type { WeightedClusterEntry } from './weighted-clusters.js';

/** Table-level context every virtual host and route needs while decoding. */
interface TableContext {
  readonly mostSpecificWins: boolean;
  readonly maxBodyBytes: number;
  readonly perFilter: ReadonlyMap<string, AnyMessage>;
  readonly requestHeaders: HeaderMutation;
  readonly responseHeaders: HeaderMutation;
}

const TLS_REQUIREMENTS: readonly TlsRequirement[] = ['NONE', 'EXTERNAL_ONLY', 'ALL'];

/** Decodes a RouteConfiguration at `path`; check `errs.hasErrors` before using the result. */
export function decodeRouteConfiguration(rc: envoy_config_route_v3_RouteConfiguration, path: string, errs: ConfigErrors): RouteTable {
  checkSupported(rc, path, errs, [
    'name', 'virtual_hosts', 'request_headers_to_add', 'request_headers_to_remove',
    'response_headers_to_add', 'response_headers_to_remove', 'internal_only_headers',
    'validate_clusters', 'most_specific_header_mutations_wins', 'max_direct_response_body_size_bytes',
    'typed_per_filter_config', 'ignore_port_in_host_matching',
  ]);
  const ctx: TableContext = {
    mostSpecificWins: rc.most_specific_header_mutations_wins === true,
    maxBodyBytes: rc.max_direct_response_body_size_bytes?.value ?? DEFAULT_MAX_DIRECT_RESPONSE_BODY_BYTES,
    perFilter: perFilterMap(rc.typed_per_filter_config, path, errs),
    requestHeaders: decodeHeaderMutation(rc.request_headers_to_add, joinPath(path, 'request_headers_to_add'), rc.request_headers_to_remove, joinPath(path, 'request_headers_to_remove'), errs),
    responseHeaders: decodeHeaderMutation(rc.response_headers_to_add, joinPath(path, 'response_headers_to_add'), rc.response_headers_to_remove, joinPath(path, 'response_headers_to_remove'), errs),
  };
  const domains = new DomainIndex<VirtualHost>(rc.ignore_port_in_host_matching === true);
  const virtualHosts: VirtualHost[] = [];
  (rc.virtual_hosts ?? []).forEach((vh, i) => {
    virtualHosts.push(decodeVirtualHost(vh, joinPath(joinPath(path, 'virtual_hosts'), i), errs, ctx, domains));
  });
  return new RouteTable({
    name: rc.name ?? '',
    virtualHosts,
    domains,
    internalOnlyHeaders: decodeHeaderNames(rc.internal_only_headers, joinPath(path, 'internal_only_headers'), errs),
    validateClusters: rc.validate_clusters?.value,
    mostSpecificHeaderMutationsWins: ctx.mostSpecificWins,
    maxDirectResponseBodyBytes: ctx.maxBodyBytes,
    typedPerFilterConfig: ctx.perFilter,
    requestHeaders: ctx.requestHeaders,
    responseHeaders: ctx.responseHeaders,
  });
}

const FILTER_CONFIG_TYPE_URL = 'type.googleapis.com/envoy.config.route.v3.FilterConfig';

/**
 * typed_per_filter_config, validated at config time as Envoy does: each
 * entry's type must be one a weft HTTP filter reads per route, and its
 * content must decode. An entry wrapped in envoy.config.route.v3.FilterConfig
 * with is_optional is dropped when weft does not know its type. Whether the
 * named filter is in a chain is not checked (a route table can serve several
 * connection managers over RDS): an entry no filter asks for is never used.
 */
function perFilterMap(m: Record<string, AnyMessage> | undefined, path?: string, errs?: ConfigErrors): ReadonlyMap<string, AnyMessage> {
  const out = new Map<string, AnyMessage>();
  for (const [name, entry] of Object.entries(m ?? {})) {
    // The codec's map key path, so an unknown type it met is claimed here.
    const p = path === undefined ? '' : `${joinPath(path, 'typed_per_filter_config')}[${JSON.stringify(name)}]`;
    let any: AnyMessage | undefined = entry;
    let anyPath = p;
    let optional = false;
    if (entry['@type'] === FILTER_CONFIG_TYPE_URL) {
      const fc = entry as AnyMessage & envoy_config_route_v3_FilterConfig;
      if (errs) checkSupported(fc, p, errs, ['config', 'is_optional']);
      optional = fc.is_optional === true;
      any = fc.config;
      anyPath = joinPath(p, 'config');
      if (!any) {
        errs?.required(anyPath);
        continue;
      }
    }
    errs?.claimExtension(anyPath);
    const reg = httpFilterForPerRouteType(any['@type']);
    if (!reg) {
      if (!optional && errs) errs.unsupportedExtension(anyPath, `per-route config of type "${shortType(any['@type'])}" is not supported by weft (supported here: ${HTTP_FILTERS.registrations.filter((r) => r.perRoute).map((r) => r.name).join(', ')})`);
      continue;
    }
    if (errs) reg.perRoute!.decode(any, anyPath, errs);
    out.set(name, any);
  }
  return out;
}

function merged(...maps: ReadonlyMap<string, AnyMessage>[]): ReadonlyMap<string, AnyMessage> {
  const nonEmpty = maps.filter((m) => m.size > 0);
  if (nonEmpty.length <= 1) return nonEmpty[0] ?? maps[0]!;
  const out = new Map<string, AnyMessage>();
  for (const m of nonEmpty) for (const [k, v] of m) out.set(k, v);
  return out;
}

class DecodedVirtualHost implements VirtualHost {
  routes: Route[] = [];
  tlsRedirectRoute!: Route;
  private readonly effectivePerFilter: ReadonlyMap<string, AnyMessage>;

  constructor(
    readonly name: string,
    readonly domains: readonly string[],
    readonly requireTls: TlsRequirement,
    readonly includeRequestAttemptCount: boolean,
    readonly includeAttemptCountInResponse: boolean,
    readonly retryPolicy: envoy_config_route_v3_RetryPolicy | undefined,
    readonly hedgePolicy: envoy_config_route_v3_HedgePolicy | undefined,
    readonly requestMirrorPolicies: readonly envoy_config_route_v3_RouteAction_RequestMirrorPolicy[],
    readonly typedPerFilterConfig: ReadonlyMap<string, AnyMessage>,
    readonly requestHeaders: HeaderMutation,
    readonly responseHeaders: HeaderMutation,
    tablePerFilter: ReadonlyMap<string, AnyMessage>,
  ) {
    this.effectivePerFilter = merged(tablePerFilter, typedPerFilterConfig);
  }

  perFilterConfig(filterName: string): AnyMessage | undefined {
    return this.effectivePerFilter.get(filterName);
  }

  /** Merged per-filter config for a route of this host. */
  perFilterFor(route: ReadonlyMap<string, AnyMessage>): ReadonlyMap<string, AnyMessage> {
    return merged(this.effectivePerFilter, route);
  }
}

function decodeVirtualHost(vh: envoy_config_route_v3_VirtualHost, path: string, errs: ConfigErrors, ctx: TableContext, domains: DomainIndex<VirtualHost>): VirtualHost {
  checkSupported(vh, path, errs, [
    'name', 'domains', 'routes', 'require_tls',
    'request_headers_to_add', 'request_headers_to_remove', 'response_headers_to_add', 'response_headers_to_remove',
    'retry_policy', 'hedge_policy', 'typed_per_filter_config',
    'include_request_attempt_count', 'include_attempt_count_in_response', 'request_mirror_policies',
  ]);
  if (!vh.name) errs.required(joinPath(path, 'name'), 'name is required');
  let requireTls: TlsRequirement = 'NONE';
  if (vh.require_tls !== undefined) {
    if (TLS_REQUIREMENTS.includes(vh.require_tls)) requireTls = vh.require_tls;
    else errs.error(joinPath(path, 'require_tls'), `unknown value ${String(vh.require_tls)}`);
  }
  if (vh.retry_policy) decodeRetryPolicy(vh.retry_policy, joinPath(path, 'retry_policy'), errs);
  if (vh.request_mirror_policies) decodeMirrorPolicies(vh.request_mirror_policies, joinPath(path, 'request_mirror_policies'), errs);
  if (vh.hedge_policy) errs.unsupported(joinPath(path, 'hedge_policy'));
  const host = new DecodedVirtualHost(
    vh.name ?? '',
    vh.domains ?? [],
    requireTls,
    vh.include_request_attempt_count === true,
    vh.include_attempt_count_in_response === true,
    vh.retry_policy,
    vh.hedge_policy,
    vh.request_mirror_policies ?? [],
    perFilterMap(vh.typed_per_filter_config, path, errs),
    decodeHeaderMutation(vh.request_headers_to_add, joinPath(path, 'request_headers_to_add'), vh.request_headers_to_remove, joinPath(path, 'request_headers_to_remove'), errs),
    decodeHeaderMutation(vh.response_headers_to_add, joinPath(path, 'response_headers_to_add'), vh.response_headers_to_remove, joinPath(path, 'response_headers_to_remove'), errs),
    ctx.perFilter,
  );
  const domainsPath = joinPath(path, 'domains');
  if (!vh.domains || vh.domains.length === 0) errs.required(domainsPath, 'at least one domain is required');
  (vh.domains ?? []).forEach((d, i) => {
    const problem = domains.add(d, host);
    if (problem) errs.error(joinPath(domainsPath, i), problem, domains.taken(d) ? CFG.DUPLICATE : CFG.INVALID_VALUE);
  });
  (vh.routes ?? []).forEach((r, i) => {
    const route = decodeRoute(r, joinPath(joinPath(path, 'routes'), i), errs, ctx, host);
    if (route) host.routes.push(route);
  });
  host.tlsRedirectRoute = new Route(host, {
    name: '',
    match: new RouteMatcher('prefix', '', true, undefined, [], [], false, undefined),
    action: { kind: 'redirect', redirect: Redirect.TLS },
    decorator: undefined,
    metadata: undefined,
    typedPerFilterConfig: new Map(),
    effectivePerFilterConfig: host.perFilterFor(new Map()),
    requestHeaders: HeaderMutation.EMPTY,
    responseHeaders: HeaderMutation.EMPTY,
    weightedRequestHeaders: new Map(),
    weightedResponseHeaders: new Map(),
  });
  return host;
}

function decodeRoute(r: envoy_config_route_v3_Route, path: string, errs: ConfigErrors, ctx: TableContext, vhost: DecodedVirtualHost): Route | undefined {
  checkSupported(r, path, errs, [
    'name', 'match', 'route', 'redirect', 'direct_response',
    'request_headers_to_add', 'request_headers_to_remove', 'response_headers_to_add', 'response_headers_to_remove',
    'typed_per_filter_config', 'decorator', 'metadata',
  ]);
  const match = decodeRouteMatch(r.match, joinPath(path, 'match'), errs);
  const actions = (['route', 'redirect', 'direct_response', 'filter_action', 'non_forwarding_action'] as const).filter((k) => r[k] !== undefined);
  let action: RouteActionKind | undefined;
  if (actions.length === 0) {
    errs.required(path, 'one of route, redirect, direct_response is required');
  } else if (actions.length > 1) {
    errs.error(path, `only one of route, redirect, direct_response may be set (found ${actions.join(', ')})`, CFG.CONFLICT);
  } else if (r.route) {
    action = decodeRouteAction(r.route, joinPath(path, 'route'), errs, vhost);
  } else if (r.redirect) {
    const redirect = decodeRedirect(r.redirect, joinPath(path, 'redirect'), errs);
    if (redirect) action = { kind: 'redirect', redirect };
  } else if (r.direct_response) {
    action = decodeDirectResponse(r.direct_response, joinPath(path, 'direct_response'), errs, ctx.maxBodyBytes);
  }
  let decorator: { operation: string; propagate: boolean | undefined } | undefined;
  if (r.decorator) {
    const dPath = joinPath(path, 'decorator');
    checkSupported(r.decorator, dPath, errs, ['operation', 'propagate']);
    if (!r.decorator.operation) errs.required(joinPath(dPath, 'operation'), 'operation is required');
    decorator = { operation: r.decorator.operation ?? '', propagate: r.decorator.propagate?.value };
  }
  const reqHeaders = decodeHeaderMutation(r.request_headers_to_add, joinPath(path, 'request_headers_to_add'), r.request_headers_to_remove, joinPath(path, 'request_headers_to_remove'), errs);
  const respHeaders = decodeHeaderMutation(r.response_headers_to_add, joinPath(path, 'response_headers_to_add'), r.response_headers_to_remove, joinPath(path, 'response_headers_to_remove'), errs);
  if (!match || !action) return undefined;

  // Envoy applies the most specific level first and lets later (less specific)
  // levels override, unless most_specific_header_mutations_wins reverses that.
  const chain = (levels: HeaderMutation[]) => HeaderMutation.concat(ctx.mostSpecificWins ? [...levels].reverse() : levels);
  const requestHeaders = chain([reqHeaders, vhost.requestHeaders, ctx.requestHeaders]);
  const responseHeaders = chain([respHeaders, vhost.responseHeaders, ctx.responseHeaders]);
  const weightedRequestHeaders = new Map<WeightedClusterEntry, HeaderMutation>();
  const weightedResponseHeaders = new Map<WeightedClusterEntry, HeaderMutation>();
  if (action.kind === 'forward' && action.cluster.kind === 'weighted') {
    for (const w of action.cluster.clusters) {
      weightedRequestHeaders.set(w, chain([w.requestHeaders, reqHeaders, vhost.requestHeaders, ctx.requestHeaders]));
      weightedResponseHeaders.set(w, chain([w.responseHeaders, respHeaders, vhost.responseHeaders, ctx.responseHeaders]));
    }
  }
  const own = perFilterMap(r.typed_per_filter_config, path, errs);
  return new Route(vhost, {
    name: r.name ?? '',
    match,
    action,
    decorator,
    metadata: r.metadata,
    typedPerFilterConfig: own,
    effectivePerFilterConfig: vhost.perFilterFor(own),
    requestHeaders,
    responseHeaders,
    weightedRequestHeaders,
    weightedResponseHeaders,
  });
}
