// One VirtualService HTTPRoute (with one of its matches) → one Envoy Route, as
// Istio's translateRoute: route/redirect/directResponse, rewrite, headers,
// mirrors, retries, timeout, fault, consistent-hash keys. Pure: the same
// inputs give the same route; what cannot be expressed goes to messages.
import type { HTTPMatchRequest, HTTPRedirect, HTTPRoute, VirtualService } from '../../api/networking.js';
import type { Accepted } from '../model/types.js';
import type {
  envoy_config_route_v3_RedirectAction,
  envoy_config_route_v3_Route,
  envoy_config_route_v3_RouteAction,
  envoy_config_route_v3_RouteAction_RequestMirrorPolicy,
  envoy_config_route_v3_WeightedCluster_ClusterWeight,
} from '../../xds/gen/types.js';
import { consistentHashFor, translateHashPolicy } from './hash-policy.js';
import { MESSAGE_CODES } from './messages.js';
import { configKey, configPath, parseClusterName } from './names.js';
import { anyOf, duration, durationFromMs, FILTER_NAMES, integerToFractional, percentToFractional, TYPE_URLS } from './proto-helpers.js';
import { resolveDestination } from './resolve-destination.js';
import { translateCors } from './translate-cors.js';
import { translateFault } from './translate-fault.js';
import { applyHeaderOperations, translateHeaderOperations } from './translate-headers.js';
import { translateRetry } from './translate-retry.js';
import { translateRouteMatch, UntranslatableMatch } from './translate-route-match.js';
import type { TranslateContext } from './translate-context.js';

/** Who the routes are for: sidecars and gateways share Envoy's features; proxyless gRPC has fewer. */
export type RouteFlavor = 'sidecar' | 'gateway' | 'grpc';

export interface HttpRouteInput {
  readonly vs: Accepted<VirtualService>;
  readonly route: HTTPRoute;
  readonly routeIndex: number;
  readonly match: HTTPMatchRequest | undefined;
  readonly listenPort: number;
  readonly flavor: RouteFlavor;
}

/** The VirtualService's key for messages. */
export function vsKey(vs: Accepted<VirtualService>): string {
  return configKey('VirtualService', vs.obj.metadata.name, vs.obj.metadata.namespace);
}

/** Translates one route; undefined when it cannot be expressed for this proxy (reported). */
export function translateHttpRoute(ctx: TranslateContext, i: HttpRouteInput): envoy_config_route_v3_Route | undefined {
  const { vs, route: r, match, listenPort, flavor } = i;
  const key = vsKey(vs);
  const path = `spec.http[${i.routeIndex}]`;
  const vsNs = vs.obj.metadata.namespace ?? ctx.proxy.namespace;
  let m;
  try {
    m = translateRouteMatch(match);
  } catch (e) {
    if (!(e instanceof UntranslatableMatch)) throw e;
    ctx.messages.warn(MESSAGE_CODES.FIELD_IGNORED, key, `${path}.match.${e.field}`, e.message);
    return undefined;
  }
  const name = [r.name, match?.name].filter(Boolean).join('.');
  const out: envoy_config_route_v3_Route = {
    ...(name ? { name } : {}),
    match: m,
    metadata: { filter_metadata: { istio: { config: configPath('virtual-service', vs.obj.metadata.name, vs.obj.metadata.namespace) } } },
  };
  const ops = translateHeaderOperations(r.headers);
  applyHeaderOperations(out, ops);

  if (r.redirect) {
    if (flavor === 'grpc') return grpcUnsupported(ctx, key, `${path}.redirect`, 'redirect');
    const redirect = translateRedirect(r.redirect, listenPort);
    if (!redirect) {
      ctx.messages.warn(MESSAGE_CODES.FIELD_IGNORED, key, `${path}.redirect.redirectCode`, `redirect code ${r.redirect.redirectCode} is not supported (301, 302, 303, 307, 308); the route is left out`);
      return undefined;
    }
    out.redirect = redirect;
  } else if (r.directResponse) {
    if (flavor === 'grpc') return grpcUnsupported(ctx, key, `${path}.directResponse`, 'directResponse');
    const body = r.directResponse.body;
    out.direct_response = {
      status: r.directResponse.status,
      ...(body?.string !== undefined ? { body: { inline_string: body.string } } : body?.bytes !== undefined ? { body: { inline_bytes: new Uint8Array(Buffer.from(body.bytes, 'base64')) } } : {}),
    };
  } else {
    const action = buildRouteAction(ctx, i, ops.authority, out, key, path, vsNs);
    if (!action) return undefined;
    out.route = action;
  }

  out.decorator = { operation: routeOperation(out, vs.obj.metadata.name, listenPort) };
  if (r.fault) {
    const fault = translateFault(r.fault, ctx.messages, key, `${path}.fault`);
    if (fault) out.typed_per_filter_config = { ...out.typed_per_filter_config, [FILTER_NAMES.fault]: anyOf(TYPE_URLS.fault, fault) };
  }
  if (r.corsPolicy) {
    if (flavor === 'grpc') {
      ctx.messages.warn(MESSAGE_CODES.GRPC_UNSUPPORTED, key, `${path}.corsPolicy`, 'proxyless gRPC clients run no CORS filter; corsPolicy applies to sidecars and gateways only');
    } else {
      out.typed_per_filter_config = { ...out.typed_per_filter_config, [FILTER_NAMES.cors]: anyOf(TYPE_URLS.corsPolicy, translateCors(r.corsPolicy)) };
    }
  }
  if (flavor === 'grpc') {
    // grpc-js-xds reads neither decorators nor metadata; keep the route minimal.
    delete out.decorator;
    delete out.metadata;
  }
  return out;
}

function grpcUnsupported(ctx: TranslateContext, key: string, path: string, what: string): undefined {
  ctx.messages.warn(MESSAGE_CODES.GRPC_UNSUPPORTED, key, path, `proxyless gRPC clients cannot take a ${what} route; it is left out for them`);
  return undefined;
}

function buildRouteAction(
  ctx: TranslateContext, i: HttpRouteInput, headerAuthority: string, out: envoy_config_route_v3_Route, key: string, path: string, vsNs: string,
): envoy_config_route_v3_RouteAction | undefined {
  const r = i.route;
  const action: envoy_config_route_v3_RouteAction = {};
  const dests = r.route ?? [];
  if (dests.length === 0) {
    ctx.messages.warn(MESSAGE_CODES.FIELD_IGNORED, key, `${path}.route`, 'a route needs a destination, redirect or directResponse; the route is left out');
    return undefined;
  }
  let authority = headerAuthority;
  let consistentHash = false;
  if (dests.length === 1) {
    const dst = dests[0]!;
    const d = resolveDestination(ctx, dst.destination, vsNs, i.listenPort, key, `${path}.route[0].destination`);
    action.cluster = d.cluster;
    const ops = translateHeaderOperations(dst.headers);
    applyHeaderOperations(out, ops);
    if (ops.authority && !authority) authority = ops.authority;
    const hp = translateHashPolicy(consistentHashFor(ctx, d.hostname, d.port, d.subset), ctx, d.hostname);
    if (hp) {
      action.hash_policy = [hp];
      consistentHash = true;
    }
  } else {
    const clusters: envoy_config_route_v3_WeightedCluster_ClusterWeight[] = [];
    const hashes: NonNullable<envoy_config_route_v3_RouteAction['hash_policy']> = [];
    dests.forEach((dst, j) => {
      if (!dst.weight) return; // Istio drops zero-weight destinations when there are several.
      const d = resolveDestination(ctx, dst.destination, vsNs, i.listenPort, key, `${path}.route[${j}].destination`);
      const cw: envoy_config_route_v3_WeightedCluster_ClusterWeight = { name: d.cluster, weight: { value: dst.weight } };
      const ops = translateHeaderOperations(dst.headers);
      applyHeaderOperations(cw, ops);
      if (ops.authority) cw.host_rewrite_literal = ops.authority;
      clusters.push(cw);
      const hp = translateHashPolicy(consistentHashFor(ctx, d.hostname, d.port, d.subset), ctx, d.hostname);
      if (hp) hashes.push(hp);
    });
    if (clusters.length === 0) {
      ctx.messages.warn(MESSAGE_CODES.FIELD_IGNORED, key, `${path}.route`, 'every destination has weight 0; the route is left out');
      return undefined;
    }
    action.weighted_clusters = { clusters };
    if (hashes.length > 0) action.hash_policy = hashes;
  }

  if (r.rewrite) {
    const rx = r.rewrite.uriRegexRewrite;
    if (rx) action.regex_rewrite = { pattern: { regex: rx.match ?? '' }, substitution: rx.rewrite ?? '' };
    else if (r.rewrite.uri) action.prefix_rewrite = r.rewrite.uri;
    if (r.rewrite.authority) authority = r.rewrite.authority;
  }
  if (authority) action.host_rewrite_literal = authority;

  // Timeout: Istio disables Envoy's 15 s default (0s) unless the VirtualService sets one.
  const timeout = duration(r.timeout) ?? durationFromMs(0);
  action.timeout = timeout;
  if (i.flavor === 'grpc') action.max_stream_duration = { max_stream_duration: timeout };
  else action.max_grpc_timeout = timeout;

  const retry = translateRetry(r.retries, consistentHash, ctx.messages, key, `${path}.retries`);
  if (retry) action.retry_policy = retry;

  const mirrors = translateMirrors(ctx, i, key, path, vsNs);
  if (mirrors.length > 0) {
    if (i.flavor === 'grpc') ctx.messages.info(MESSAGE_CODES.GRPC_UNSUPPORTED, key, `${path}.mirror`, 'proxyless gRPC clients do not mirror requests; mirror is left out for them');
    else action.request_mirror_policies = mirrors;
  }
  return action;
}

function translateMirrors(ctx: TranslateContext, i: HttpRouteInput, key: string, path: string, vsNs: string): envoy_config_route_v3_RouteAction_RequestMirrorPolicy[] {
  const r = i.route;
  const out: envoy_config_route_v3_RouteAction_RequestMirrorPolicy[] = [];
  const policy = (cluster: string, fraction: ReturnType<typeof percentToFractional>) => ({ cluster, runtime_fraction: { default_value: fraction }, trace_sampled: { value: false } });
  if (r.mirror) {
    // mirrorPercentage wins over the deprecated mirrorPercent; unset means 100%; an explicit 0 disables.
    const fraction = r.mirrorPercentage ? ((r.mirrorPercentage.value ?? 0) > 0 ? percentToFractional(r.mirrorPercentage.value!) : undefined)
      : r.mirrorPercent !== undefined ? (r.mirrorPercent > 0 ? integerToFractional(r.mirrorPercent) : undefined)
        : integerToFractional(100);
    if (fraction) out.push(policy(resolveDestination(ctx, r.mirror, vsNs, i.listenPort, key, `${path}.mirror`).cluster, fraction));
  }
  (r.mirrors ?? []).forEach((mp, j) => {
    const fraction = mp.percentage ? ((mp.percentage.value ?? 0) > 0 ? percentToFractional(mp.percentage.value!) : undefined) : integerToFractional(100);
    if (fraction) out.push(policy(resolveDestination(ctx, mp.destination, vsNs, i.listenPort, key, `${path}.mirrors[${j}].destination`).cluster, fraction));
  });
  return out;
}

const REDIRECT_CODES: Record<number, envoy_config_route_v3_RedirectAction['response_code'] | null> = {
  // MOVED_PERMANENTLY is the enum's zero value: left out.
  0: null, 301: null, 302: 'FOUND', 303: 'SEE_OTHER', 307: 'TEMPORARY_REDIRECT', 308: 'PERMANENT_REDIRECT',
};

/** Istio's ApplyRedirect; undefined for a redirect code Envoy has no name for. */
export function translateRedirect(rd: HTTPRedirect, listenPort: number): envoy_config_route_v3_RedirectAction | undefined {
  const code = REDIRECT_CODES[rd.redirectCode ?? 0];
  if (code === undefined) return undefined;
  const out: envoy_config_route_v3_RedirectAction = {};
  if (rd.authority) out.host_redirect = rd.authority;
  if (rd.uri) out.path_redirect = rd.uri;
  if (rd.scheme) out.scheme_redirect = rd.scheme;
  let port: number | undefined;
  if (rd.port !== undefined) port = rd.port;
  else if (rd.derivePort === 'FROM_REQUEST_PORT') port = listenPort;
  if (port !== undefined) {
    const scheme = rd.scheme || 'http';
    // No explicit :80 for http or :443 for https.
    if (!((port === 80 && scheme === 'http') || (port === 443 && scheme === 'https'))) out.port_redirect = port;
  }
  if (code) out.response_code = code;
  return out;
}

/** Istio's decorator operation: `<host>:<port><path>` for one cluster, else `<vs>:<port><path>`. */
function routeOperation(r: envoy_config_route_v3_Route, vsName: string, port: number): string {
  const m = r.match!;
  const p = m.prefix !== undefined ? `${m.prefix}*` : m.path !== undefined ? m.path : m.safe_regex ? m.safe_regex.regex ?? '' : '/*';
  const c = r.route?.cluster ? parseClusterName(r.route.cluster) : undefined;
  if (c) return `${c.hostname}:${c.port}${p}`;
  return `${vsName}:${port}${p}`;
}
