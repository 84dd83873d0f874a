// AuthorizationPolicy CUSTOM → envoy.filters.http.ext_authz, as Istio's
// authz builder does it (pilot/pkg/security/authz/builder): the provider
// comes from meshConfig.extensionProviders (envoyExtAuthzHttp or
// envoyExtAuthzGrpc) and becomes Envoy's ExtAuthz; a shadow RBAC filter in
// front of it marks the requests the CUSTOM rules select (its shadow
// effective policy id starts with "istio-ext-authz"), and the ext_authz
// filter runs only for those (filter_enabled_metadata). A provider that is
// missing, of another kind, or names a service the registry does not know
// makes the workload fail closed: a DENY-all RBAC filter, with a message.
import type {
  envoy_config_core_v3_HeaderValue,
  envoy_extensions_filters_http_ext_authz_v3_ExtAuthz,
  envoy_type_matcher_v3_ListStringMatcher,
  envoy_type_v3_StatusCode,
} from '../../xds/gen/types.js';
import { enumSchema } from '../../xds/schema.js';
import { parseDurationMs } from '../model/duration.js';
import type { ExtAuthzBodySettings, ExtAuthzGrpcProvider, ExtAuthzHttpProvider, ExtensionProvider } from '../model/types.js';
import { outboundClusterName } from './names.js';
import { durationFromMs } from './proto-helpers.js';
import type { TranslateContext } from './translate-context.js';

/** Istio's names for the CUSTOM shadow rules. */
export const EXT_AUTHZ_SHADOW = {
  /** Shadow policy names start with this; filter_enabled_metadata matches it as a prefix. */
  policyPrefix: 'istio-ext-authz',
  /** shadow_rules_stat_prefix of the marking RBAC filter; the metadata key is `${statPrefix}shadow_effective_policy_id`. */
  statPrefix: 'istio_ext_authz_',
} as const;
/** Envoy's RBAC filter name, the metadata namespace the shadow result is written under. */
export const RBAC_HTTP_FILTER = 'envoy.filters.http.rbac';
export const EXT_AUTHZ_HTTP_FILTER = 'envoy.filters.http.ext_authz';
/** Istio's default timeout of an ext authz provider. */
export const EXT_AUTHZ_DEFAULT_TIMEOUT_MS = 600_000;
/** Name of the DENY-all policy Istio generates when a CUSTOM policy cannot be built. */
export const CUSTOM_DENY_ALL_POLICY = 'default-deny-all-due-to-bad-CUSTOM-action';

export type ProviderResult = { readonly config: envoy_extensions_filters_http_ext_authz_v3_ExtAuthz; readonly grpc: boolean } | { readonly error: string };

/** The ExtAuthz config of the provider named `name`, or why it cannot be built. */
export function extAuthzForProvider(ctx: TranslateContext, name: string): ProviderResult {
  const p: ExtensionProvider | undefined = ctx.push.mesh.extensionProviders.find((x) => x.name === name);
  if (!p) return { error: `extension provider "${name}" is not defined in meshConfig.extensionProviders` };
  if (p.envoyExtAuthzHttp) {
    const r = resolveCluster(ctx, p.envoyExtAuthzHttp, name);
    return 'error' in r ? r : { config: httpConfig(p.envoyExtAuthzHttp, r.cluster, r.hostname), grpc: false };
  }
  if (p.envoyExtAuthzGrpc) {
    const r = resolveCluster(ctx, p.envoyExtAuthzGrpc, name);
    return 'error' in r ? r : { config: grpcConfig(p.envoyExtAuthzGrpc, r.cluster, r.hostname), grpc: true };
  }
  return { error: `extension provider "${name}" is not an envoyExtAuthzHttp or envoyExtAuthzGrpc provider` };
}

/** "[<namespace>/]<hostname>" + port → the outbound cluster (the service must be in the registry, as Istio requires). */
function resolveCluster(ctx: TranslateContext, p: { service: string; port: number }, name: string): { cluster: string; hostname: string } | { error: string } {
  const slash = p.service.indexOf('/');
  const ns = slash < 0 ? ctx.proxy.namespace : p.service.slice(0, slash);
  const host = slash < 0 ? p.service : p.service.slice(slash + 1);
  const hostname = ctx.push.resolveHost(host, ns);
  const svc = ctx.push.serviceByHost(hostname);
  if (!svc) return { error: `extension provider "${name}": service "${p.service}" is not a service in the registry` };
  if (!svc.ports.some((x) => x.port === p.port)) return { error: `extension provider "${name}": port ${p.port} is not a port of service ${hostname}` };
  return { cluster: outboundClusterName(p.port, undefined, hostname), hostname };
}

function timeoutOf(t: string | undefined) {
  return durationFromMs(parseDurationMs(t) ?? EXT_AUTHZ_DEFAULT_TIMEOUT_MS);
}

/** statusOnError ("503") as Envoy's HttpStatus, whose code is the StatusCode enum (canonical shape: its name). */
function statusOnError(s: string | undefined) {
  const n = s === undefined || s === '' ? undefined : Number(s);
  const name = n !== undefined && Number.isInteger(n) ? enumSchema('envoy.type.v3.StatusCode').nameByNumber.get(n) : undefined;
  return name ? { status_on_error: { code: name as envoy_type_v3_StatusCode } } : {};
}

function withBody(b: ExtAuthzBodySettings | undefined) {
  if (!b) return {};
  return {
    with_request_body: {
      ...(b.maxRequestBytes ? { max_request_bytes: b.maxRequestBytes } : {}),
      ...(b.allowPartialMessage ? { allow_partial_message: true } : {}),
      ...(b.packAsBytes ? { pack_as_bytes: true } : {}),
    },
  };
}

/** Header names as Istio passes them: exact, case-insensitive (Envoy's headers are lower case). */
function headerList(names: readonly string[] | undefined): envoy_type_matcher_v3_ListStringMatcher | undefined {
  return names && names.length > 0 ? { patterns: names.map((n) => ({ exact: n, ignore_case: true })) } : undefined;
}

/** What every CUSTOM ext_authz filter shares: the shadow-rules gate, fail open, the v3 transport. */
function common(p: { failOpen?: boolean | undefined; statusOnError?: string | undefined; includeRequestBodyInCheck?: ExtAuthzBodySettings | undefined }) {
  return {
    transport_api_version: 'V3' as const,
    ...(p.failOpen ? { failure_mode_allow: true } : {}),
    ...statusOnError(p.statusOnError),
    ...withBody(p.includeRequestBodyInCheck),
    filter_enabled_metadata: {
      filter: RBAC_HTTP_FILTER,
      path: [{ key: `${EXT_AUTHZ_SHADOW.statPrefix}shadow_effective_policy_id` }],
      value: { string_match: { prefix: EXT_AUTHZ_SHADOW.policyPrefix } },
    },
  };
}

function httpConfig(p: ExtAuthzHttpProvider, cluster: string, hostname: string): envoy_extensions_filters_http_ext_authz_v3_ExtAuthz {
  const allowed = headerList(p.includeRequestHeadersInCheck);
  const add: envoy_config_core_v3_HeaderValue[] = Object.entries(p.includeAdditionalHeadersInCheck ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, value]) => ({ key, value }));
  const upstream = headerList(p.headersToUpstreamOnAllow);
  const deny = headerList(p.headersToDownstreamOnDeny);
  const onAllow = headerList(p.headersToDownstreamOnAllow);
  return {
    ...common(p),
    http_service: {
      server_uri: { uri: `http://${hostname}`, cluster, timeout: timeoutOf(p.timeout) },
      ...(p.pathPrefix ? { path_prefix: p.pathPrefix } : {}),
      ...(add.length > 0 ? { authorization_request: { headers_to_add: add } } : {}),
      ...(upstream || deny || onAllow ? {
        authorization_response: {
          ...(upstream ? { allowed_upstream_headers: upstream } : {}),
          ...(deny ? { allowed_client_headers: deny } : {}),
          ...(onAllow ? { allowed_client_headers_on_success: onAllow } : {}),
        },
      } : {}),
    },
    ...(allowed ? { allowed_headers: allowed } : {}),
  };
}

function grpcConfig(p: ExtAuthzGrpcProvider, cluster: string, hostname: string): envoy_extensions_filters_http_ext_authz_v3_ExtAuthz {
  return {
    ...common(p),
    grpc_service: { envoy_grpc: { cluster_name: cluster, authority: hostname }, timeout: timeoutOf(p.timeout) },
  };
}
