// health_checks (envoy.config.core.v3.HealthCheck) → HealthCheckConfig: timings
// resolved with Envoy's defaults, payloads decoded to bytes, the request a
// checker sends built once here.
import { CFG, ConfigErrors, joinPath } from '../../common/errors.js';
import type {
  envoy_config_core_v3_HealthCheck,
  envoy_config_core_v3_HealthCheck_GrpcHealthCheck,
  envoy_config_core_v3_HealthCheck_HttpHealthCheck,
  envoy_config_core_v3_HealthCheck_Payload,
  envoy_config_core_v3_HealthCheck_TcpHealthCheck,
  envoy_config_core_v3_HeaderValueOption,
  envoy_type_v3_Int64Range,
} from '../../xds/gen/types.js';
import { checkSupported, durationMs, wrapped } from '../config/support.js';
import { decodeStringMatcher, type StringPredicate } from '../route/string-matcher.js';

/** Envoy's defaults for the optional HealthCheck fields (health_check.proto, health_checker_base_impl). */
export const HEALTH_CHECK_DEFAULTS = {
  /** Used until the cluster has carried traffic (upstream_cx_total > 0): keeps idle clusters cheap. */
  noTrafficIntervalMs: 60_000,
  reuseConnection: true,
  /** HTTP: only 200 is healthy unless expected_statuses says otherwise. */
  expectedStatuses: [[200, 201]] as const,
  /** HTTP: bytes of the body that `receive` payloads are matched against (0: the whole body). */
  responseBufferSize: 1024,
  method: 'GET',
  /** Envoy's health checker user agent; upstreams recognise it to skip logging. */
  userAgent: 'Envoy/HC',
  grpcServiceMethod: '/grpc.health.v1.Health/Check',
} as const;

/** A header the checker adds to its request. */
export interface HcHeader {
  readonly name: string;
  readonly value: string;
  readonly action: 'APPEND_IF_EXISTS_OR_ADD' | 'ADD_IF_ABSENT' | 'OVERWRITE_IF_EXISTS_OR_ADD' | 'OVERWRITE_IF_EXISTS';
}

export interface HttpCheck {
  readonly type: 'http';
  readonly path: string;
  /** Host header (:authority); undefined means the cluster name. */
  readonly host: string | undefined;
  readonly method: string;
  readonly codec: 'http1' | 'http2';
  readonly headersToAdd: readonly HcHeader[];
  readonly headersToRemove: readonly string[];
  /** Half-open [start, end) status ranges. */
  readonly expectedStatuses: readonly (readonly [number, number])[];
  readonly retriableStatuses: readonly (readonly [number, number])[];
  /** Blocks that must appear, in order, in the first responseBufferSize bytes of the body. */
  readonly receive: readonly Buffer[];
  readonly responseBufferSize: number;
  /** Matches x-envoy-upstream-healthchecked-cluster when set (counted in verify_cluster). */
  readonly serviceNameMatcher: StringPredicate | undefined;
}

export interface TcpCheck {
  readonly type: 'tcp';
  /** Empty: connect-only check. */
  readonly send: Buffer;
  readonly receive: readonly Buffer[];
}

export interface GrpcCheck {
  readonly type: 'grpc';
  readonly serviceName: string;
  /** :authority; undefined means the cluster name. */
  readonly authority: string | undefined;
  readonly initialMetadata: readonly HcHeader[];
}

export interface HealthCheckConfig {
  readonly timeoutMs: number;
  readonly intervalMs: number;
  readonly initialJitterMs: number;
  readonly intervalJitterMs: number;
  readonly intervalJitterPercent: number;
  readonly unhealthyThreshold: number;
  readonly healthyThreshold: number;
  readonly noTrafficIntervalMs: number;
  readonly noTrafficHealthyIntervalMs: number;
  readonly unhealthyIntervalMs: number;
  readonly unhealthyEdgeIntervalMs: number;
  readonly healthyEdgeIntervalMs: number;
  readonly reuseConnection: boolean;
  readonly alwaysLogFailures: boolean;
  readonly alwaysLogSuccess: boolean;
  readonly check: HttpCheck | TcpCheck | GrpcCheck;
  /** The proto, for config_dump. */
  readonly source: envoy_config_core_v3_HealthCheck;
}

const FIELDS = [
  'timeout', 'interval', 'initial_jitter', 'interval_jitter', 'interval_jitter_percent', 'unhealthy_threshold',
  'healthy_threshold', 'reuse_connection', 'http_health_check', 'tcp_health_check', 'grpc_health_check',
  'no_traffic_interval', 'no_traffic_healthy_interval', 'unhealthy_interval', 'unhealthy_edge_interval',
  'healthy_edge_interval', 'always_log_health_check_failures', 'always_log_health_check_success',
] as const;

/** Decodes a cluster's health_checks. weft, like Envoy's v3 API before named checkers, runs at most one per cluster. */
export function decodeHealthChecks(list: readonly envoy_config_core_v3_HealthCheck[], path: string, errs: ConfigErrors): HealthCheckConfig[] {
  if (list.length > 1) errs.error(path, 'multiple health checks are not supported: configure one per cluster', CFG.UNSUPPORTED_VALUE);
  const out: HealthCheckConfig[] = [];
  list.forEach((h, i) => {
    const hc = decodeHealthCheck(h, joinPath(path, i), errs);
    if (hc) out.push(hc);
  });
  return out;
}

export function decodeHealthCheck(h: envoy_config_core_v3_HealthCheck, path: string, errs: ConfigErrors): HealthCheckConfig | undefined {
  checkSupported(h, path, errs, FIELDS);
  const required = (f: 'timeout' | 'interval'): number => {
    const v = durationMs(h[f]);
    if (v === undefined) errs.required(joinPath(path, f), `${f} is required`);
    else if (v <= 0) errs.error(joinPath(path, f), 'must be greater than 0');
    return v ?? 0;
  };
  const optionalPositive = (f: 'no_traffic_interval' | 'no_traffic_healthy_interval' | 'unhealthy_interval' | 'unhealthy_edge_interval' | 'healthy_edge_interval', dflt: number): number => {
    const v = durationMs(h[f]);
    if (v === undefined) return dflt;
    if (v <= 0) errs.error(joinPath(path, f), 'must be greater than 0');
    return v;
  };
  const timeoutMs = required('timeout');
  const intervalMs = required('interval');
  const threshold = (f: 'unhealthy_threshold' | 'healthy_threshold'): number => {
    if (!h[f]) {
      errs.required(joinPath(path, f), `${f} is required`);
      return 1;
    }
    return wrapped(h[f], 0);
  };
  const unhealthyThreshold = threshold('unhealthy_threshold');
  const healthyThreshold = threshold('healthy_threshold');
  const noTrafficIntervalMs = optionalPositive('no_traffic_interval', HEALTH_CHECK_DEFAULTS.noTrafficIntervalMs);
  const unhealthyIntervalMs = optionalPositive('unhealthy_interval', intervalMs);

  const kinds = (['http_health_check', 'tcp_health_check', 'grpc_health_check', 'custom_health_check'] as const).filter((k) => h[k] !== undefined);
  let check: HealthCheckConfig['check'] | undefined;
  if (kinds.length !== 1) {
    errs.required(path, kinds.length === 0 ? 'one of http_health_check, tcp_health_check or grpc_health_check is required' : `only one health checker may be set (found ${kinds.join(', ')})`);
  } else if (h.http_health_check) check = decodeHttpCheck(h.http_health_check, joinPath(path, 'http_health_check'), errs);
  else if (h.tcp_health_check) check = decodeTcpCheck(h.tcp_health_check, joinPath(path, 'tcp_health_check'), errs);
  else if (h.grpc_health_check) check = decodeGrpcCheck(h.grpc_health_check, joinPath(path, 'grpc_health_check'), errs);
  if (!check) return undefined;
  return {
    timeoutMs,
    intervalMs,
    initialJitterMs: durationMs(h.initial_jitter, 0),
    intervalJitterMs: durationMs(h.interval_jitter, 0),
    intervalJitterPercent: h.interval_jitter_percent ?? 0,
    unhealthyThreshold,
    healthyThreshold,
    noTrafficIntervalMs,
    noTrafficHealthyIntervalMs: optionalPositive('no_traffic_healthy_interval', noTrafficIntervalMs),
    unhealthyIntervalMs,
    unhealthyEdgeIntervalMs: optionalPositive('unhealthy_edge_interval', unhealthyIntervalMs),
    healthyEdgeIntervalMs: optionalPositive('healthy_edge_interval', intervalMs),
    reuseConnection: wrapped(h.reuse_connection, HEALTH_CHECK_DEFAULTS.reuseConnection),
    alwaysLogFailures: h.always_log_health_check_failures ?? false,
    alwaysLogSuccess: h.always_log_health_check_success ?? false,
    check,
    source: h,
  };
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'PATCH'];

function decodeHttpCheck(c: envoy_config_core_v3_HealthCheck_HttpHealthCheck, path: string, errs: ConfigErrors): HttpCheck | undefined {
  checkSupported(c, path, errs, [
    'host', 'path', 'receive', 'response_buffer_size', 'request_headers_to_add', 'request_headers_to_remove',
    'expected_statuses', 'retriable_statuses', 'codec_client_type', 'service_name_matcher', 'method',
  ]);
  if (c.send) errs.unsupported(joinPath(path, 'send'), 'an HTTP health check request body');
  let ok = true;
  if (!c.path) {
    errs.required(joinPath(path, 'path'), 'path is required');
    ok = false;
  } else if (/[\0\r\n]/.test(c.path)) {
    errs.error(joinPath(path, 'path'), 'must not contain NUL, CR or LF');
    ok = false;
  }
  if (c.host && /[\0\r\n]/.test(c.host)) {
    errs.error(joinPath(path, 'host'), 'must not contain NUL, CR or LF');
    ok = false;
  }
  let method: string = HEALTH_CHECK_DEFAULTS.method;
  if (c.method !== undefined && c.method !== 'METHOD_UNSPECIFIED') {
    if (!METHODS.includes(c.method)) {
      errs.error(joinPath(path, 'method'), `method ${c.method} is not allowed for health checks`);
      ok = false;
    } else method = c.method;
  }
  let codec: 'http1' | 'http2' = 'http1';
  if (c.codec_client_type === 'HTTP2') codec = 'http2';
  else if (c.codec_client_type === 'HTTP3') {
    errs.unsupported(joinPath(path, 'codec_client_type'), 'HTTP3');
    ok = false;
  }
  const expected = decodeRanges(c.expected_statuses, joinPath(path, 'expected_statuses'), errs);
  const retriable = decodeRanges(c.retriable_statuses, joinPath(path, 'retriable_statuses'), errs);
  const headersToAdd = decodeHeaders(c.request_headers_to_add, joinPath(path, 'request_headers_to_add'), errs);
  const headersToRemove: string[] = [];
  (c.request_headers_to_remove ?? []).forEach((raw, i) => {
    const name = raw.toLowerCase();
    if (name.startsWith(':') || name === 'host') errs.error(joinPath(joinPath(path, 'request_headers_to_remove'), i), `${name} may not be removed`);
    else headersToRemove.push(name);
  });
  const receive = decodePayloads(c.receive, joinPath(path, 'receive'), errs);
  let serviceNameMatcher: StringPredicate | undefined;
  if (c.service_name_matcher) {
    serviceNameMatcher = decodeStringMatcher(c.service_name_matcher, joinPath(path, 'service_name_matcher'), errs);
    if (!serviceNameMatcher) ok = false;
  }
  if (!ok || !expected || !retriable || !headersToAdd || !receive) return undefined;
  return {
    type: 'http',
    path: c.path!,
    host: c.host || undefined,
    method,
    codec,
    headersToAdd,
    headersToRemove,
    expectedStatuses: expected.length ? expected : HEALTH_CHECK_DEFAULTS.expectedStatuses,
    retriableStatuses: retriable,
    receive,
    responseBufferSize: wrapped(c.response_buffer_size, HEALTH_CHECK_DEFAULTS.responseBufferSize),
    serviceNameMatcher,
  };
}

function decodeTcpCheck(c: envoy_config_core_v3_HealthCheck_TcpHealthCheck, path: string, errs: ConfigErrors): TcpCheck | undefined {
  checkSupported(c, path, errs, ['send', 'receive']);
  const send = c.send ? decodePayloads([c.send], joinPath(path, 'send'), errs, true) : [];
  const receive = decodePayloads(c.receive, joinPath(path, 'receive'), errs);
  if (!send || !receive) return undefined;
  return { type: 'tcp', send: send[0] ?? Buffer.alloc(0), receive };
}

function decodeGrpcCheck(c: envoy_config_core_v3_HealthCheck_GrpcHealthCheck, path: string, errs: ConfigErrors): GrpcCheck | undefined {
  checkSupported(c, path, errs, ['service_name', 'authority', 'initial_metadata']);
  const initialMetadata = decodeHeaders(c.initial_metadata, joinPath(path, 'initial_metadata'), errs);
  if (c.authority && /[\0\r\n]/.test(c.authority)) {
    errs.error(joinPath(path, 'authority'), 'must not contain NUL, CR or LF');
    return undefined;
  }
  if (!initialMetadata) return undefined;
  return { type: 'grpc', serviceName: c.service_name ?? '', authority: c.authority || undefined, initialMetadata };
}

function decodeRanges(list: readonly envoy_type_v3_Int64Range[] | undefined, path: string, errs: ConfigErrors): [number, number][] | undefined {
  const out: [number, number][] = [];
  let ok = true;
  (list ?? []).forEach((r, i) => {
    const p = joinPath(path, i);
    const start = r.start ?? 0;
    const end = r.end ?? 0;
    if (start < 100 || end > 600 || start >= end) {
      errs.error(p, `range [${start}, ${end}) must be non-empty and within [100, 600)`);
      ok = false;
    } else out.push([start, end]);
  });
  return ok ? out : undefined;
}

const HEX = /^(?:[0-9a-fA-F]{2})+$/;

function decodePayloads(list: readonly envoy_config_core_v3_HealthCheck_Payload[] | undefined, path: string, errs: ConfigErrors, single = false): Buffer[] | undefined {
  const out: Buffer[] = [];
  let ok = true;
  (list ?? []).forEach((p, i) => {
    const pp = single ? path : joinPath(path, i);
    checkSupported(p, pp, errs, ['text', 'binary']);
    if (p.text !== undefined && p.binary !== undefined) {
      errs.error(pp, 'only one of text, binary may be set', CFG.CONFLICT);
      ok = false;
    } else if (p.text !== undefined) {
      if (!HEX.test(p.text)) {
        errs.error(joinPath(pp, 'text'), 'must be hex-encoded bytes, e.g. "000000FF"');
        ok = false;
      } else out.push(Buffer.from(p.text, 'hex'));
    } else if (p.binary !== undefined) out.push(Buffer.from(p.binary));
    else {
      errs.required(pp, 'one of text, binary is required');
      ok = false;
    }
  });
  return ok ? out : undefined;
}

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
const FORMATTER = /%[A-Z_]+(?:\(.*?\))?(?::\d+)?%/;

function decodeHeaders(list: readonly envoy_config_core_v3_HeaderValueOption[] | undefined, path: string, errs: ConfigErrors): HcHeader[] | undefined {
  const out: HcHeader[] = [];
  let ok = true;
  (list ?? []).forEach((o, i) => {
    const p = joinPath(path, i);
    checkSupported(o, p, errs, ['header', 'append', 'append_action', 'keep_empty_value']);
    const h = o.header;
    if (!h) {
      errs.required(joinPath(p, 'header'), 'header is required');
      ok = false;
      return;
    }
    checkSupported(h, joinPath(p, 'header'), errs, ['key', 'value', 'raw_value']);
    const name = (h.key ?? '').toLowerCase();
    const value = h.raw_value !== undefined ? Buffer.from(h.raw_value).toString('latin1') : h.value ?? '';
    if (name.startsWith(':') || name === 'host' || !HEADER_NAME.test(name)) {
      errs.error(joinPath(p, 'header.key'), `header ${JSON.stringify(name)} may not be added to health check requests`);
      ok = false;
      return;
    }
    if (/[\0\r\n]/.test(value)) {
      errs.error(joinPath(p, 'header.value'), 'header values must not contain NUL, CR or LF');
      ok = false;
      return;
    }
    if (FORMATTER.test(value)) {
      errs.unsupported(joinPath(p, 'header.value'), 'header value formatters in health check requests');
      ok = false;
      return;
    }
    let action: HcHeader['action'] = 'APPEND_IF_EXISTS_OR_ADD';
    if (o.append_action !== undefined) action = o.append_action;
    else if (o.append?.value === false) action = 'OVERWRITE_IF_EXISTS_OR_ADD';
    if (value === '' && !o.keep_empty_value) return;
    out.push({ name, value, action });
  });
  return ok ? out : undefined;
}

/** Whether `status` falls in one of the half-open ranges. */
export function inRanges(ranges: readonly (readonly [number, number])[], status: number): boolean {
  for (const [s, e] of ranges) if (status >= s && status < e) return true;
  return false;
}

/** Envoy's "fuzzy" payload match: every block appears, in order, not necessarily adjacent. */
export function payloadsMatch(blocks: readonly Buffer[], data: Buffer): boolean {
  let from = 0;
  for (const b of blocks) {
    const at = data.indexOf(b, from);
    if (at < 0) return false;
    from = at + b.length;
  }
  return true;
}

/** Applies header additions to a plain list of [name, value] pairs (lower-case names). */
export function applyHcHeaders(headers: [string, string][], add: readonly HcHeader[]): void {
  for (const h of add) {
    const has = headers.some(([n]) => n === h.name);
    switch (h.action) {
      case 'APPEND_IF_EXISTS_OR_ADD':
        headers.push([h.name, h.value]);
        break;
      case 'ADD_IF_ABSENT':
        if (!has) headers.push([h.name, h.value]);
        break;
      case 'OVERWRITE_IF_EXISTS_OR_ADD':
      case 'OVERWRITE_IF_EXISTS':
        if (!has && h.action === 'OVERWRITE_IF_EXISTS') break;
        for (let i = headers.length - 1; i >= 0; i--) if (headers[i]![0] === h.name) headers.splice(i, 1);
        headers.push([h.name, h.value]);
        break;
    }
  }
}
