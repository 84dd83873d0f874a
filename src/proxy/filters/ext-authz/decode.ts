// envoy.extensions.filters.http.ext_authz.v3.ExtAuthz (and ExtAuthzPerRoute)
// decoded into immutable settings. Every field weft does not implement is
// refused with its path; nothing here does I/O or reads the stats store.
import { CFG, ConfigErrors, joinPath } from '../../../common/errors.js';
import { enumSchema } from '../../../xds/schema.js';
import type {
  envoy_config_core_v3_GrpcService,
  envoy_config_core_v3_HeaderValue,
  envoy_config_core_v3_RuntimeFeatureFlag,
  envoy_config_core_v3_RuntimeFractionalPercent,
  envoy_extensions_filters_http_ext_authz_v3_BufferSettings,
  envoy_extensions_filters_http_ext_authz_v3_ExtAuthz,
  envoy_extensions_filters_http_ext_authz_v3_ExtAuthzPerRoute,
  envoy_extensions_filters_http_ext_authz_v3_HttpService,
  envoy_type_matcher_v3_ListStringMatcher,
  envoy_type_v3_HttpStatus,
} from '../../../xds/gen/types.js';
import { checkSupported, durationMs } from '../../config/support.js';
import { decodeMetadataMatcher, type DynamicMetadata } from '../../rbac/decode-rbac.js';
import { decodeStringMatcher, type StringPredicate } from '../../route/string-matcher.js';
import { DEFAULT_STATUS_ON_ERROR, DEFAULT_TIMEOUT_MS, HTTP_DEFAULT_CLIENT_HEADERS, HTTP_DEFAULT_REQUEST_HEADERS } from './defaults.js';

/** Header name (lower-case) → whether a ListStringMatcher admits it. */
export type HeaderNamePredicate = (name: string) => boolean;

/** grpc_service.envoy_grpc: the Authorization service on one of the proxy's clusters. */
export interface GrpcAuthzService {
  readonly kind: 'grpc';
  readonly cluster: string;
  /** :authority of the check call (envoy_grpc.authority, else the cluster name, as Envoy). */
  readonly authority: string;
  readonly timeoutMs: number;
  /** grpc_service.initial_metadata, lower-cased names. */
  readonly initialMetadata: readonly (readonly [string, string])[];
}

/** http_service: a plain HTTP authorizer on one of the proxy's clusters. */
export interface HttpAuthzService {
  readonly kind: 'http';
  readonly cluster: string;
  readonly timeoutMs: number;
  readonly pathPrefix: string;
  /** authorization_request.headers_to_add (they replace a client header of the same name). */
  readonly headersToAdd: readonly (readonly [string, string])[];
  /** Client request headers the authorizer gets: Envoy's defaults plus allowed_headers. */
  readonly requestHeaders: HeaderNamePredicate;
  /** authorization_response.allowed_upstream_headers (set on the request on OK). */
  readonly upstreamHeaders: HeaderNamePredicate | undefined;
  /** authorization_response.allowed_upstream_headers_to_append. */
  readonly upstreamHeadersToAppend: HeaderNamePredicate | undefined;
  /** allowed_client_headers (unset: every authorizer header but Host goes to the client on a denial). */
  readonly clientHeaders: HeaderNamePredicate | undefined;
  /** allowed_client_headers_on_success (unset: none). */
  readonly clientHeadersOnSuccess: HeaderNamePredicate | undefined;
}

export type AuthzService = GrpcAuthzService | HttpAuthzService;

/** with_request_body. */
export interface BodySettings {
  readonly maxRequestBytes: number;
  readonly allowPartialMessage: boolean;
  /** The body goes in raw_body (bytes) rather than body (UTF-8). */
  readonly packAsBytes: boolean;
}

/** Envoy's runtime-keyed percentage: `runtimeKey` in the runtime overrides `percent`. */
export interface RuntimeFraction {
  readonly runtimeKey: string;
  readonly percent: { readonly numerator: number; readonly denominator: number };
}

export interface ExtAuthzSettings {
  readonly service: AuthzService;
  readonly failureModeAllow: boolean;
  readonly failureModeAllowHeaderAdd: boolean;
  readonly statusOnError: number;
  readonly withRequestBody: BodySettings | undefined;
  readonly includePeerCertificate: boolean;
  readonly includeTlsSession: boolean;
  /** The filter's own stat_prefix ('' when unset): stats go to http.<hcm>.ext_authz.[<prefix>.]… */
  readonly statPrefix: string;
  /** undefined: always enabled. */
  readonly filterEnabled: RuntimeFraction | undefined;
  /** filter_enabled_metadata: the filter runs only when the stream's dynamic metadata matches (undefined: always). */
  readonly filterEnabledMetadata: ((md: DynamicMetadata) => boolean) | undefined;
  /** deny_at_disable: undefined means false. */
  readonly denyAtDisable: { readonly runtimeKey: string; readonly dflt: boolean } | undefined;
  /** Top-level allowed_headers (gRPC: unset sends every header). */
  readonly allowedHeaders: HeaderNamePredicate | undefined;
  readonly disallowedHeaders: HeaderNamePredicate | undefined;
}

/** ExtAuthzPerRoute. */
export interface ExtAuthzPerRouteSettings {
  readonly disabled: boolean;
  readonly contextExtensions: Readonly<Record<string, string>> | undefined;
  readonly disableRequestBodyBuffering: boolean;
  readonly withRequestBody: BodySettings | undefined;
}

const FIELDS = [
  'grpc_service', 'http_service', 'transport_api_version', 'failure_mode_allow', 'failure_mode_allow_header_add', 'with_request_body',
  'status_on_error', 'filter_enabled', 'filter_enabled_metadata', 'deny_at_disable', 'include_peer_certificate', 'include_tls_session', 'stat_prefix',
  'allowed_headers', 'disallowed_headers', 'clear_route_cache', 'validate_mutations', 'charge_cluster_response_stats', 'encode_raw_headers',
  'metadata_context_namespaces', 'typed_metadata_context_namespaces', 'route_metadata_context_namespaces', 'route_typed_metadata_context_namespaces',
];

/** Decodes the filter's config; undefined (every problem reported) when unusable. */
export function decodeExtAuthz(cfg: envoy_extensions_filters_http_ext_authz_v3_ExtAuthz, path: string, errs: ConfigErrors): ExtAuthzSettings | undefined {
  const before = errs.errors.length;
  // bootstrap_metadata_labels_key, decoder_header_mutation_rules and
  // enable_dynamic_metadata_ingestion are refused by name here.
  checkSupported(cfg, path, errs, FIELDS);
  const at = (f: string) => joinPath(path, f);
  const tav = cfg.transport_api_version;
  if (tav !== undefined && tav !== 'V3' && tav !== 'AUTO') errs.error(at('transport_api_version'), `transport_api_version ${String(tav)} is not supported (only V3, as in Envoy)`, CFG.UNSUPPORTED_VALUE);
  if (cfg.clear_route_cache === true) errs.unsupported(at('clear_route_cache'), 'clear_route_cache: true');
  if (cfg.validate_mutations === true) errs.unsupported(at('validate_mutations'), 'validate_mutations: true');
  if (cfg.encode_raw_headers === true) errs.unsupported(at('encode_raw_headers'), 'encode_raw_headers: true (weft sends the headers map)');
  if (cfg.charge_cluster_response_stats?.value === false) errs.unsupported(at('charge_cluster_response_stats'), 'charge_cluster_response_stats: false');
  for (const f of ['metadata_context_namespaces', 'typed_metadata_context_namespaces', 'route_metadata_context_namespaces', 'route_typed_metadata_context_namespaces'] as const) {
    if ((cfg[f]?.length ?? 0) > 0) errs.unsupported(at(f), `${f} (weft sends no metadata_context)`);
  }

  const allowedHeaders = decodeListMatcher(cfg.allowed_headers, at('allowed_headers'), errs);
  const disallowedHeaders = decodeListMatcher(cfg.disallowed_headers, at('disallowed_headers'), errs);

  let service: AuthzService | undefined;
  if (cfg.grpc_service && cfg.http_service) errs.error(path, 'only one of grpc_service, http_service may be set', CFG.CONFLICT);
  else if (cfg.grpc_service) service = decodeGrpcService(cfg.grpc_service, at('grpc_service'), errs);
  else if (cfg.http_service) service = decodeHttpService(cfg.http_service, at('http_service'), errs, allowedHeaders);
  else errs.required(path, 'one of grpc_service, http_service is required');

  const withRequestBody = cfg.with_request_body ? decodeBufferSettings(cfg.with_request_body, at('with_request_body'), errs) : undefined;
  const statusOnError = cfg.status_on_error ? decodeHttpStatus(cfg.status_on_error, at('status_on_error'), errs, DEFAULT_STATUS_ON_ERROR) : DEFAULT_STATUS_ON_ERROR;
  const filterEnabled = cfg.filter_enabled ? decodeRuntimeFraction(cfg.filter_enabled, at('filter_enabled'), errs) : undefined;
  const filterEnabledMetadata = cfg.filter_enabled_metadata ? decodeMetadataMatcher(cfg.filter_enabled_metadata, at('filter_enabled_metadata'), errs) : undefined;
  const denyAtDisable = cfg.deny_at_disable ? decodeFeatureFlag(cfg.deny_at_disable, at('deny_at_disable'), errs) : undefined;
  if (errs.errors.length > before || !service) return undefined;
  return {
    service,
    failureModeAllow: cfg.failure_mode_allow === true,
    failureModeAllowHeaderAdd: cfg.failure_mode_allow_header_add === true,
    statusOnError,
    withRequestBody,
    includePeerCertificate: cfg.include_peer_certificate === true,
    includeTlsSession: cfg.include_tls_session === true,
    statPrefix: cfg.stat_prefix ?? '',
    filterEnabled,
    filterEnabledMetadata,
    denyAtDisable,
    allowedHeaders,
    disallowedHeaders,
  };
}

/** ExtAuthzPerRoute: `disabled: true`, or check_settings. */
export function decodeExtAuthzPerRoute(cfg: envoy_extensions_filters_http_ext_authz_v3_ExtAuthzPerRoute, path: string, errs: ConfigErrors): ExtAuthzPerRouteSettings | undefined {
  const before = errs.errors.length;
  checkSupported(cfg, path, errs, ['disabled', 'check_settings']);
  if (cfg.disabled !== undefined && cfg.check_settings !== undefined) {
    errs.error(path, 'only one of disabled, check_settings may be set', CFG.CONFLICT);
    return undefined;
  }
  if (cfg.disabled !== undefined) {
    if (cfg.disabled !== true) {
      errs.error(joinPath(path, 'disabled'), 'must be true when set');
      return undefined;
    }
    return { disabled: true, contextExtensions: undefined, disableRequestBodyBuffering: false, withRequestBody: undefined };
  }
  const cs = cfg.check_settings;
  if (!cs) {
    errs.required(path, 'one of disabled, check_settings is required');
    return undefined;
  }
  const cp = joinPath(path, 'check_settings');
  checkSupported(cs, cp, errs, ['context_extensions', 'disable_request_body_buffering', 'with_request_body']);
  if (cs.disable_request_body_buffering === true && cs.with_request_body) errs.error(cp, 'only one of disable_request_body_buffering, with_request_body may be set', CFG.CONFLICT);
  const withRequestBody = cs.with_request_body ? decodeBufferSettings(cs.with_request_body, joinPath(cp, 'with_request_body'), errs) : undefined;
  if (errs.errors.length > before) return undefined;
  const ext = cs.context_extensions;
  return {
    disabled: false,
    contextExtensions: ext && Object.keys(ext).length > 0 ? Object.freeze({ ...ext }) : undefined,
    disableRequestBodyBuffering: cs.disable_request_body_buffering === true,
    withRequestBody,
  };
}

function decodeGrpcService(g: envoy_config_core_v3_GrpcService, path: string, errs: ConfigErrors): GrpcAuthzService | undefined {
  // retry_policy is refused by name here.
  checkSupported(g, path, errs, ['envoy_grpc', 'google_grpc', 'timeout', 'initial_metadata']);
  if (g.google_grpc) {
    errs.unsupported(joinPath(path, 'google_grpc'), 'google_grpc (use envoy_grpc)');
    return undefined;
  }
  const ep = joinPath(path, 'envoy_grpc');
  if (!g.envoy_grpc) {
    errs.required(ep);
    return undefined;
  }
  checkSupported(g.envoy_grpc, ep, errs, ['cluster_name', 'authority']);
  const cluster = g.envoy_grpc.cluster_name ?? '';
  if (!cluster) errs.required(joinPath(ep, 'cluster_name'));
  const timeoutMs = durationMs(g.timeout, DEFAULT_TIMEOUT_MS);
  if (!cluster) return undefined;
  return {
    kind: 'grpc',
    cluster,
    authority: g.envoy_grpc.authority || cluster,
    timeoutMs,
    initialMetadata: decodeHeaderValues(g.initial_metadata, joinPath(path, 'initial_metadata'), errs),
  };
}

function decodeHttpService(h: envoy_extensions_filters_http_ext_authz_v3_HttpService, path: string, errs: ConfigErrors, topAllowed: HeaderNamePredicate | undefined): HttpAuthzService | undefined {
  checkSupported(h, path, errs, ['server_uri', 'path_prefix', 'authorization_request', 'authorization_response']);
  const up = joinPath(path, 'server_uri');
  const u = h.server_uri;
  let cluster = '';
  let timeoutMs = DEFAULT_TIMEOUT_MS;
  if (!u) errs.required(up);
  else {
    checkSupported(u, up, errs, ['uri', 'cluster', 'timeout']);
    cluster = u.cluster ?? '';
    if (!cluster) errs.required(joinPath(up, 'cluster'));
    if (!u.uri) errs.required(joinPath(up, 'uri'));
    // Envoy requires the timeout on an HttpUri.
    if (!u.timeout) errs.required(joinPath(up, 'timeout'));
    else timeoutMs = durationMs(u.timeout, DEFAULT_TIMEOUT_MS);
  }
  const pathPrefix = h.path_prefix ?? '';
  if (pathPrefix !== '' && !pathPrefix.startsWith('/')) errs.error(joinPath(path, 'path_prefix'), 'must start with "/"');
  const rq = h.authorization_request;
  const rqp = joinPath(path, 'authorization_request');
  checkSupported(rq, rqp, errs, ['allowed_headers', 'headers_to_add']);
  // The top-level allowed_headers wins over the deprecated authorization_request.allowed_headers, as in Envoy.
  const userAllowed = topAllowed ?? decodeListMatcher(rq?.allowed_headers, joinPath(rqp, 'allowed_headers'), errs);
  const defaults = new Set<string>(HTTP_DEFAULT_REQUEST_HEADERS);
  const requestHeaders: HeaderNamePredicate = userAllowed ? (n) => defaults.has(n) || userAllowed(n) : (n) => defaults.has(n);
  const headersToAdd = decodeHeaderValues(rq?.headers_to_add, joinPath(rqp, 'headers_to_add'), errs);
  const rs = h.authorization_response;
  const rsp = joinPath(path, 'authorization_response');
  // dynamic_metadata_from_headers is refused by name here.
  checkSupported(rs, rsp, errs, ['allowed_upstream_headers', 'allowed_upstream_headers_to_append', 'allowed_client_headers', 'allowed_client_headers_on_success']);
  const client = decodeListMatcher(rs?.allowed_client_headers, joinPath(rsp, 'allowed_client_headers'), errs);
  const clientDefaults = new Set<string>(HTTP_DEFAULT_CLIENT_HEADERS);
  if (!u || !cluster) return undefined;
  return {
    kind: 'http',
    cluster,
    timeoutMs,
    pathPrefix,
    headersToAdd,
    requestHeaders,
    upstreamHeaders: decodeListMatcher(rs?.allowed_upstream_headers, joinPath(rsp, 'allowed_upstream_headers'), errs),
    upstreamHeadersToAppend: decodeListMatcher(rs?.allowed_upstream_headers_to_append, joinPath(rsp, 'allowed_upstream_headers_to_append'), errs),
    clientHeaders: client ? (n) => clientDefaults.has(n) || client(n) : undefined,
    clientHeadersOnSuccess: decodeListMatcher(rs?.allowed_client_headers_on_success, joinPath(rsp, 'allowed_client_headers_on_success'), errs),
  };
}

function decodeBufferSettings(b: envoy_extensions_filters_http_ext_authz_v3_BufferSettings, path: string, errs: ConfigErrors): BodySettings | undefined {
  checkSupported(b, path, errs, ['max_request_bytes', 'allow_partial_message', 'pack_as_bytes']);
  const max = b.max_request_bytes ?? 0;
  if (max <= 0) {
    errs.error(joinPath(path, 'max_request_bytes'), 'must be greater than 0');
    return undefined;
  }
  return { maxRequestBytes: max, allowPartialMessage: b.allow_partial_message === true, packAsBytes: b.pack_as_bytes === true };
}

/** A ListStringMatcher over header names; undefined when unset. */
function decodeListMatcher(m: envoy_type_matcher_v3_ListStringMatcher | undefined, path: string, errs: ConfigErrors): HeaderNamePredicate | undefined {
  if (!m) return undefined;
  checkSupported(m, path, errs, ['patterns']);
  const preds: StringPredicate[] = [];
  (m.patterns ?? []).forEach((p, i) => {
    const pred = decodeStringMatcher(p, joinPath(joinPath(path, 'patterns'), i), errs);
    if (pred) preds.push(pred);
  });
  if (preds.length === 1) return preds[0]!;
  return (n) => {
    for (const p of preds) if (p(n)) return true;
    return false;
  };
}

function decodeHeaderValues(list: readonly envoy_config_core_v3_HeaderValue[] | undefined, path: string, errs: ConfigErrors): (readonly [string, string])[] {
  const out: (readonly [string, string])[] = [];
  (list ?? []).forEach((h, i) => {
    const p = joinPath(path, i);
    checkSupported(h, p, errs, ['key', 'value']);
    const key = (h.key ?? '').toLowerCase();
    if (!key) errs.required(joinPath(p, 'key'));
    else out.push([key, h.value ?? '']);
  });
  return out;
}

function decodeHttpStatus(s: envoy_type_v3_HttpStatus, path: string, errs: ConfigErrors, dflt: number): number {
  checkSupported(s, path, errs, ['code']);
  const code = s.code === undefined ? undefined : enumSchema('envoy.type.v3.StatusCode').numberByName.get(s.code);
  if (code === undefined || code === 0) {
    errs.required(joinPath(path, 'code'), `a defined HTTP status code is required (got ${String(s.code)})`);
    return dflt;
  }
  return code;
}

function decodeRuntimeFraction(r: envoy_config_core_v3_RuntimeFractionalPercent, path: string, errs: ConfigErrors): RuntimeFraction | undefined {
  checkSupported(r, path, errs, ['default_value', 'runtime_key']);
  const d = r.default_value;
  if (!d) {
    errs.required(joinPath(path, 'default_value'));
    return undefined;
  }
  checkSupported(d, joinPath(path, 'default_value'), errs, ['numerator', 'denominator']);
  const denominator = d.denominator === 'TEN_THOUSAND' ? 10_000 : d.denominator === 'MILLION' ? 1_000_000 : 100;
  return { runtimeKey: r.runtime_key ?? '', percent: { numerator: d.numerator ?? 0, denominator } };
}

function decodeFeatureFlag(f: envoy_config_core_v3_RuntimeFeatureFlag, path: string, errs: ConfigErrors): { runtimeKey: string; dflt: boolean } | undefined {
  checkSupported(f, path, errs, ['default_value', 'runtime_key']);
  if (!f.default_value) {
    errs.required(joinPath(path, 'default_value'));
    return undefined;
  }
  if (!f.runtime_key) {
    errs.required(joinPath(path, 'runtime_key'));
    return undefined;
  }
  return { runtimeKey: f.runtime_key, dflt: f.default_value.value === true };
}
