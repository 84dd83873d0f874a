// Compiled runtime routes: what the router reads on every request. Everything
// here is immutable and fully resolved at decode time: merged per-filter config,
// header mutation chains in application order, compiled matchers and rewrites.
import type {
  AnyMessage,
  envoy_config_core_v3_Metadata,
  envoy_config_route_v3_HedgePolicy,
  envoy_config_route_v3_RetryPolicy,
  envoy_config_route_v3_RouteAction_MaxStreamDuration,
  envoy_config_route_v3_RouteAction_RequestMirrorPolicy,
  google_protobuf_Duration,
} from '../../xds/gen/types.js';
import type { HeaderMap } from '../http/headers.js';
import type { HeaderFormatContext } from './header-formatter.js';
import { HeaderMutation } from './header-mutation.js';
import type { HashPolicy } from './hash-policy.js';
import { PathRewrite, rewritePath } from './path-rewrite.js';
import type { RegexSubstitution } from './re2-regex.js';
import type { Redirect } from './redirect.js';
import type { RetryPolicy } from './retry-policy.js';
import type { MirrorPolicy } from './mirror-policy.js';
import type { RouteMatcher } from './route-match.js';
import { RequestView, RouteRequest } from './route-request.js';
import { ClusterSpecifier, pickCluster, PickedCluster, WeightedClusterEntry } from './weighted-clusters.js';

export type TlsRequirement = 'NONE' | 'EXTERNAL_ONLY' | 'ALL';

/** How the upstream Host/:authority is rewritten. */
export type HostRewrite =
  | { readonly kind: 'literal'; readonly host: string }
  /** The router sets Host to the chosen upstream host's hostname (or address). */
  | { readonly kind: 'auto' }
  | { readonly kind: 'header'; readonly header: string }
  | { readonly kind: 'path_regex'; readonly substitution: RegexSubstitution };

/** RouteAction: forward upstream. Raw protos are kept where the router interprets them. */
export interface ForwardAction {
  readonly kind: 'forward';
  readonly cluster: ClusterSpecifier;
  /** 503 (default), 404 or 500 when the cluster named by the request is missing. */
  readonly clusterNotFoundStatus: number;
  readonly pathRewrite: PathRewrite | undefined;
  readonly hostRewrite: HostRewrite | undefined;
  /** Upstream request timeout; 0 disables it. */
  readonly timeoutMs: number;
  /** Stream idle timeout override; 0 disables it; undefined leaves the connection manager's. */
  readonly idleTimeoutMs: number | undefined;
  /** The route's retry policy, else its virtual host's (not merged, as in Envoy). */
  readonly retryPolicy: envoy_config_route_v3_RetryPolicy | undefined;
  /** The route's hedge policy, else its virtual host's. */
  readonly hedgePolicy: envoy_config_route_v3_HedgePolicy | undefined;
  /** The route's mirror policies, else its virtual host's. */
  readonly requestMirrorPolicies: readonly envoy_config_route_v3_RouteAction_RequestMirrorPolicy[];
  readonly hashPolicy: HashPolicy | undefined;
  readonly maxStreamDuration: envoy_config_route_v3_RouteAction_MaxStreamDuration | undefined;
  /** Deprecated max_grpc_timeout, kept for the router. */
  readonly maxGrpcTimeout: google_protobuf_Duration | undefined;
  /** Upgrade type (lower-case, e.g. "websocket", "connect") → enabled. */
  readonly upgrades: ReadonlyMap<string, boolean>;
  /** Compiled retry policy (route's, else the virtual host's). */
  readonly retry: RetryPolicy | undefined;
  /** Compiled mirror policies (route's, else the virtual host's). */
  readonly mirrors: readonly MirrorPolicy[];
}

export interface RedirectRouteAction {
  readonly kind: 'redirect';
  readonly redirect: Redirect;
}

export interface DirectResponseRouteAction {
  readonly kind: 'direct_response';
  readonly status: number;
  /** Body bytes (at most the route table's limit), or undefined for none. */
  readonly body: Uint8Array | undefined;
}

export type RouteActionKind = ForwardAction | RedirectRouteAction | DirectResponseRouteAction;

/** A decoded virtual host. */
export interface VirtualHost {
  readonly name: string;
  readonly domains: readonly string[];
  readonly routes: readonly Route[];
  readonly requireTls: TlsRequirement;
  readonly includeRequestAttemptCount: boolean;
  readonly includeAttemptCountInResponse: boolean;
  readonly retryPolicy: envoy_config_route_v3_RetryPolicy | undefined;
  readonly hedgePolicy: envoy_config_route_v3_HedgePolicy | undefined;
  readonly requestMirrorPolicies: readonly envoy_config_route_v3_RouteAction_RequestMirrorPolicy[];
  /** This level's own typed_per_filter_config. */
  readonly typedPerFilterConfig: ReadonlyMap<string, AnyMessage>;
  /** This level's own header mutations (routes hold the full chains). */
  readonly requestHeaders: HeaderMutation;
  readonly responseHeaders: HeaderMutation;
  /** Synthetic route answered when require_tls asks for https. */
  readonly tlsRedirectRoute: Route;
  /** Effective per-filter config: this host's, else the route table's. */
  perFilterConfig(filterName: string): AnyMessage | undefined;
}

/** Fields a Route is built from (decode-route-config.ts fills them). */
export interface RouteInit {
  name: string;
  match: RouteMatcher;
  action: RouteActionKind;
  decorator: { operation: string; propagate: boolean | undefined } | undefined;
  metadata: envoy_config_core_v3_Metadata | undefined;
  typedPerFilterConfig: ReadonlyMap<string, AnyMessage>;
  /** Effective per-filter config (route, else vhost, else route table), merged at decode time. */
  effectivePerFilterConfig: ReadonlyMap<string, AnyMessage>;
  /** Full chains in application order, without weighted-cluster levels. */
  requestHeaders: HeaderMutation;
  responseHeaders: HeaderMutation;
  /** Full chains for each weighted cluster entry. */
  weightedRequestHeaders: ReadonlyMap<WeightedClusterEntry, HeaderMutation>;
  weightedResponseHeaders: ReadonlyMap<WeightedClusterEntry, HeaderMutation>;
}

/** A compiled route. */
export class Route {
  readonly name: string;
  readonly match: RouteMatcher;
  readonly action: RouteActionKind;
  readonly decorator: { operation: string; propagate: boolean | undefined } | undefined;
  readonly metadata: envoy_config_core_v3_Metadata | undefined;
  /** This level's own typed_per_filter_config. */
  readonly typedPerFilterConfig: ReadonlyMap<string, AnyMessage>;
  /** Request header mutations of route, virtual host and route table, in application order. */
  readonly requestHeaders: HeaderMutation;
  readonly responseHeaders: HeaderMutation;
  private readonly effectivePerFilter: ReadonlyMap<string, AnyMessage>;
  private readonly weightedRequestHeaders: ReadonlyMap<WeightedClusterEntry, HeaderMutation>;
  private readonly weightedResponseHeaders: ReadonlyMap<WeightedClusterEntry, HeaderMutation>;

  constructor(readonly vhost: VirtualHost, init: RouteInit) {
    this.name = init.name;
    this.match = init.match;
    this.action = init.action;
    this.decorator = init.decorator;
    this.metadata = init.metadata;
    this.typedPerFilterConfig = init.typedPerFilterConfig;
    this.effectivePerFilter = init.effectivePerFilterConfig;
    this.requestHeaders = init.requestHeaders;
    this.responseHeaders = init.responseHeaders;
    this.weightedRequestHeaders = init.weightedRequestHeaders;
    this.weightedResponseHeaders = init.weightedResponseHeaders;
  }

  /**
   * The config object responsible, for x-weft-error: `route=<name>`, or for an
   * unnamed route translated from Istio, the VirtualService it came from
   * (route metadata `istio.config`), else its virtual host.
   */
  describe(): string {
    if (this.name) return `route=${this.name}`;
    const cfg = (this.metadata?.filter_metadata?.['istio'] as { config?: unknown } | undefined)?.config;
    if (typeof cfg === 'string') {
      const m = /\/namespaces\/([^/]+)\/virtual-service\/([^/]+)$/.exec(cfg);
      if (m) return `virtual_service=${m[2]}.${m[1]}; virtual_host=${this.vhost.name}`;
    }
    return `route=(unnamed); virtual_host=${this.vhost.name}`;
  }

  /** Per-filter config for `filterName`: the route's, else the virtual host's, else the route table's. */
  perFilterConfig(filterName: string): AnyMessage | undefined {
    return this.effectivePerFilter.get(filterName);
  }

  /** The upstream cluster for this request; undefined when the route does not forward or the name is missing. */
  pickCluster(req: RouteRequest | RequestView, rand: number): PickedCluster | undefined {
    if (this.action.kind !== 'forward') return undefined;
    return pickCluster(this.action.cluster, toView(req), rand);
  }

  /** Hash for consistent-hash load balancing, or undefined (no policy or nothing to hash). */
  computeHash(req: RouteRequest | RequestView, sourceIp: string | undefined): bigint | undefined {
    if (this.action.kind !== 'forward' || !this.action.hashPolicy) return undefined;
    return this.action.hashPolicy.compute(toView(req), sourceIp);
  }

  /** The :path to send upstream, or undefined when it stays as is. */
  rewritePath(req: RouteRequest | RequestView): string | undefined {
    if (this.action.kind !== 'forward' || !this.action.pathRewrite) return undefined;
    return rewritePath(this.action.pathRewrite, toView(req), this.match);
  }

  /**
   * The Host to send upstream, or undefined when it stays as is (also for
   * auto_host_rewrite, which the router resolves from the chosen host). A
   * weighted cluster's host_rewrite_literal wins over the route's.
   */
  rewriteHost(req: RouteRequest | RequestView, picked?: PickedCluster): string | undefined {
    if (this.action.kind !== 'forward') return undefined;
    if (picked?.weighted?.hostRewriteLiteral) return picked.weighted.hostRewriteLiteral;
    const hr = this.action.hostRewrite;
    if (!hr) return undefined;
    switch (hr.kind) {
      case 'literal': return hr.host;
      case 'auto': return undefined;
      case 'header': return toView(req).header(hr.header) || undefined;
      case 'path_regex': return hr.substitution.replaceAll(toView(req).path);
    }
  }

  /** Location header for a redirect route (or the require_tls redirect); undefined for other routes. */
  buildRedirectLocation(req: RouteRequest | RequestView): string | undefined {
    if (this.action.kind !== 'redirect') return undefined;
    return this.action.redirect.buildLocation(toView(req), this.match);
  }

  /** Applies request header mutations (weighted cluster level first when one was picked). */
  finalizeRequestHeaders(headers: HeaderMap, ctx: HeaderFormatContext, picked?: PickedCluster): void {
    const m = picked?.weighted ? this.weightedRequestHeaders.get(picked.weighted) ?? this.requestHeaders : this.requestHeaders;
    m.apply(headers, ctx);
  }

  /** Applies response header mutations; also for redirects and direct responses. */
  finalizeResponseHeaders(headers: HeaderMap, ctx: HeaderFormatContext, picked?: PickedCluster): void {
    const m = picked?.weighted ? this.weightedResponseHeaders.get(picked.weighted) ?? this.responseHeaders : this.responseHeaders;
    m.apply(headers, ctx);
  }
}

function toView(req: RouteRequest | RequestView): RequestView {
  return req instanceof RequestView ? req : new RequestView(req);
}

/** What RouteTable.route returns: the route, its virtual host, and the per-request state to reuse. */
export interface RouteMatchResult {
  readonly route: Route;
  readonly vhost: VirtualHost;
  /** The split request; pass it to the route's methods instead of the raw request. */
  readonly view: RequestView;
  /** The random value used for runtime_fraction; reuse it for pickCluster as Envoy does. */
  readonly rand: number;
}
