// envoy.filters.network.http_connection_manager → HcmConfig (immutable).
import { CFG, ConfigErrors, joinPath } from '../../common/errors.js';
import type {
  AnyMessage,
  envoy_extensions_filters_network_http_connection_manager_v3_HttpConnectionManager as HcmProto,
  envoy_extensions_filters_network_http_connection_manager_v3_HttpFilter as HttpFilterProto,
} from '../../xds/gen/types.js';
import { checkSupported, durationMs, wrapped } from '../config/support.js';
import { decodeRouteConfiguration } from '../route/decode-route-config.js';
import type { RouteTable } from '../route/route-table.js';
import type { HttpFilterFactory } from '../http/filter.js';
import { HTTP_FILTERS } from '../extensions/http-filters.js';
import type { FilterDecodeContext } from '../http/filter.js';
import { decodeAccessLogs } from '../access-log/decode.js';
import type { HcmConfig } from '../http/connection-manager-config.js';
import { checkAdsConfigSource } from '../config/dynamic-resources.js';
import { decodeTracing } from '../tracing/decode-tracing.js';

/** Defaults, as Envoy documents them. */
export const HCM_DEFAULTS = {
  /** max_request_headers_kb: 60 KiB. */
  maxRequestHeadersKb: 60,
  /** stream_idle_timeout: 5 minutes. */
  streamIdleTimeoutMs: 300_000,
  /** request_headers_timeout: disabled. */
  requestHeadersTimeoutMs: 0,
  /** request_timeout: disabled. */
  requestTimeoutMs: 0,
  /** drain_timeout: 5 s. */
  drainTimeoutMs: 5000,
  /** common_http_protocol_options.idle_timeout for downstream connections: 1 hour. */
  idleTimeoutMs: 3_600_000,
  /** max_headers_count: 100. */
  maxHeadersCount: 100,
  /** server_name: Envoy's default value of the server header. */
  serverName: 'envoy',
};

export type { HcmConfig } from '../http/connection-manager-config.js';

const HCM_FIELDS = [
  'codec_type', 'stat_prefix', 'rds', 'route_config', 'http_filters', 'access_log', 'use_remote_address', 'xff_num_trusted_hops',
  'skip_xff_append', 'via', 'generate_request_id', 'preserve_external_request_id', 'always_set_request_id_in_response',
  'server_name', 'server_header_transformation', 'max_request_headers_kb', 'stream_idle_timeout', 'request_timeout',
  'request_headers_timeout', 'drain_timeout', 'common_http_protocol_options', 'http_protocol_options', 'http2_protocol_options',
  'upgrade_configs', 'normalize_path', 'merge_slashes', 'strip_matching_host_port', 'strip_any_host_port', 'delayed_close_timeout',
  'add_user_agent', 'internal_address_config', 'stream_error_on_invalid_http_message', 'tracing',
] as const;

export interface HcmDecodeContext {
  /** When false (static bootstrap without xDS), `rds` is refused. */
  allowRds: boolean;
  /** The listener's traffic_direction (the tracing span kind). */
  trafficDirection?: 'INBOUND' | 'OUTBOUND' | 'UNSPECIFIED';
}

export function decodeHcm(h: HcmProto & AnyMessage, path: string, errs: ConfigErrors, ctx: HcmDecodeContext): HcmConfig {
  checkSupported(h, path, errs, HCM_FIELDS);
  const statPrefix = h.stat_prefix ?? '';
  if (!statPrefix) errs.required(joinPath(path, 'stat_prefix'), 'stat_prefix is required');
  const codecType = (h.codec_type ?? 'AUTO') as HcmConfig['codecType'] | 'HTTP3';
  if (codecType === 'HTTP3') errs.unsupported(joinPath(path, 'codec_type'), 'HTTP3');

  let routeTable: RouteTable | undefined;
  let rdsName: string | undefined;
  if (h.route_config && h.rds) errs.error(path, 'only one of route_config and rds may be set', CFG.CONFLICT);
  if (h.route_config) routeTable = decodeRouteConfiguration(h.route_config, joinPath(path, 'route_config'), errs);
  else if (h.rds) {
    const rp = joinPath(path, 'rds');
    checkSupported(h.rds, rp, errs, ['config_source', 'route_config_name']);
    rdsName = h.rds.route_config_name ?? '';
    if (!rdsName) errs.required(joinPath(rp, 'route_config_name'), 'route_config_name is required');
    if (!ctx.allowRds) errs.error(rp, 'rds needs dynamic_resources with an xDS config source; use an inline route_config in a static bootstrap');
    else checkAdsConfigSource(h.rds.config_source, joinPath(rp, 'config_source'), errs);
  } else if (h.scoped_routes) errs.unsupported(joinPath(path, 'scoped_routes'));
  else errs.required(path, 'one of route_config or rds is required');

  // http_filters: decoded in order, router last.
  const filters: HttpFilterFactory[] = [];
  const hf = h.http_filters ?? [];
  const terminals = HTTP_FILTERS.namesWhere((r) => r.terminal === true);
  if (hf.length === 0) errs.required(joinPath(path, 'http_filters'), `http_filters must end with ${terminals}`);
  hf.forEach((f, i) => {
    const fp = joinPath(joinPath(path, 'http_filters'), i);
    checkSupported(f, fp, errs, ['name', 'typed_config', 'disabled', 'is_optional']);
    const isLast = i === hf.length - 1;
    const reg = f.typed_config ? HTTP_FILTERS.forAny(f.typed_config) : undefined;
    if (isLast && !reg?.terminal) errs.error(fp, `the last HTTP filter must be ${terminals}`, CFG.CONFLICT);
    if (!isLast && reg?.terminal) errs.error(fp, `${reg.name} must be the last HTTP filter`, CFG.CONFLICT);
    // A disabled filter is still decoded (Envoy validates it too), then left out of the chain.
    const factory = decodeHttpFilter(f, fp, errs, { name: f.name ?? '', statPrefix });
    if (factory && !f.disabled) filters.push(factory);
  });

  const common = h.common_http_protocol_options;
  if (common) checkSupported(common, joinPath(path, 'common_http_protocol_options'), errs, ['idle_timeout', 'max_headers_count', 'max_stream_duration', 'headers_with_underscores_action', 'max_requests_per_connection', 'max_connection_duration']);
  const h1 = h.http_protocol_options;
  if (h1) checkSupported(h1, joinPath(path, 'http_protocol_options'), errs, ['accept_http_10', 'default_host_for_http_10', 'enable_trailers', 'allow_absolute_url']);
  const h2 = h.http2_protocol_options;
  if (h2) checkSupported(h2, joinPath(path, 'http2_protocol_options'), errs, ['max_concurrent_streams', 'initial_stream_window_size', 'initial_connection_window_size', 'hpack_table_size', 'allow_connect']);

  const upgradeTypes = new Set<string>();
  (h.upgrade_configs ?? []).forEach((u, i) => {
    const up = joinPath(joinPath(path, 'upgrade_configs'), i);
    checkSupported(u, up, errs, ['upgrade_type', 'enabled']);
    const t = (u.upgrade_type ?? '').toLowerCase();
    if (!t) errs.required(joinPath(up, 'upgrade_type'), 'upgrade_type is required');
    if (t === 'connect') errs.unsupported(joinPath(up, 'upgrade_type'), 'CONNECT');
    if (wrapped(u.enabled, true)) upgradeTypes.add(t);
  });

  const maxKb = wrapped(h.max_request_headers_kb, HCM_DEFAULTS.maxRequestHeadersKb);
  if (maxKb < 1 || maxKb > 8192) errs.error(joinPath(path, 'max_request_headers_kb'), 'must be between 1 and 8192');
  if (h.internal_address_config) errs.unsupported(joinPath(path, 'internal_address_config'));
  if ((h.xff_num_trusted_hops ?? 0) > 0) errs.unsupported(joinPath(path, 'xff_num_trusted_hops'), 'a non-zero xff_num_trusted_hops');

  const tracing = decodeTracing(h.tracing, joinPath(path, 'tracing'), errs);
  return {
    statPrefix,
    codecType: codecType === 'HTTP3' ? 'AUTO' : codecType,
    ...(routeTable ? { routeTable } : {}),
    ...(rdsName !== undefined ? { rdsName } : {}),
    filters,
    accessLogs: decodeAccessLogs(h.access_log, joinPath(path, 'access_log'), errs),
    ...(tracing ? { tracing } : {}),
    trafficDirection: ctx.trafficDirection ?? 'UNSPECIFIED',
    useRemoteAddress: wrapped(h.use_remote_address, false),
    xffNumTrustedHops: h.xff_num_trusted_hops ?? 0,
    skipXffAppend: h.skip_xff_append ?? false,
    via: h.via ?? '',
    generateRequestId: wrapped(h.generate_request_id, true),
    preserveExternalRequestId: h.preserve_external_request_id ?? false,
    alwaysSetRequestIdInResponse: h.always_set_request_id_in_response ?? false,
    serverName: h.server_name || HCM_DEFAULTS.serverName,
    serverHeaderTransformation: h.server_header_transformation ?? 'OVERWRITE',
    maxRequestHeadersKb: maxKb,
    maxHeadersCount: wrapped(common?.max_headers_count, HCM_DEFAULTS.maxHeadersCount),
    streamIdleTimeoutMs: durationMs(h.stream_idle_timeout, HCM_DEFAULTS.streamIdleTimeoutMs),
    requestTimeoutMs: durationMs(h.request_timeout, HCM_DEFAULTS.requestTimeoutMs),
    requestHeadersTimeoutMs: durationMs(h.request_headers_timeout, HCM_DEFAULTS.requestHeadersTimeoutMs),
    drainTimeoutMs: durationMs(h.drain_timeout, HCM_DEFAULTS.drainTimeoutMs),
    idleTimeoutMs: durationMs(common?.idle_timeout, HCM_DEFAULTS.idleTimeoutMs),
    maxRequestsPerConnection: wrapped(common?.max_requests_per_connection, 0),
    upgradeTypes,
    acceptHttp10: h1?.accept_http_10 ?? false,
    defaultHostForHttp10: h1?.default_host_for_http_10 ?? '',
    http2MaxConcurrentStreams: wrapped(h2?.max_concurrent_streams, 2147483647),
    normalizePath: wrapped(h.normalize_path, false),
    mergeSlashes: h.merge_slashes ?? false,
    stripPortMode: h.strip_any_host_port ? 'any' : h.strip_matching_host_port ? 'matching' : 'none',
    headersWithUnderscores: common?.headers_with_underscores_action ?? 'ALLOW',
  };
}

/** One http_filters entry: found in the HTTP filter registry by its typed_config type, decoded, and made a factory. */
function decodeHttpFilter(f: HttpFilterProto, path: string, errs: ConfigErrors, ctx: FilterDecodeContext): HttpFilterFactory | undefined {
  if (!f.name) errs.required(joinPath(path, 'name'));
  const tc = f.typed_config;
  const tp = joinPath(path, 'typed_config');
  if (!tc) {
    if (f.name === 'envoy.router' || f.name === 'envoy.filters.http.router') {
      errs.required(tp, 'typed_config is required; Envoy v3 spells the router as typed_config: {"@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}');
    } else errs.required(tp);
    return undefined;
  }
  // is_optional: Envoy skips a filter it does not know instead of refusing the config.
  const reg = HTTP_FILTERS.find(tc, tp, errs, { name: f.name, optional: f.is_optional === true });
  if (!reg) return undefined;
  const config = reg.decode(tc, tp, errs, ctx);
  return config === undefined ? undefined : reg.factory(config, ctx);
}
