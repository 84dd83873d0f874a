// HTTP connection managers, Istio-shaped, limited to what weft's proxy
// accepts. Outbound managers load routes over RDS and run the fault and CORS
// filters (empty, so a route's typed_per_filter_config can inject faults or
// carry a CORS policy) before the router, in Istio's order; inbound managers
// carry their one route inline.
import type {
  AnyMessage,
  envoy_config_accesslog_v3_AccessLog,
  envoy_config_route_v3_RouteConfiguration,
  envoy_extensions_filters_network_http_connection_manager_v3_HttpConnectionManager,
  envoy_extensions_filters_network_http_connection_manager_v3_HttpFilter,
  envoy_extensions_filters_network_http_connection_manager_v3_HttpConnectionManager_Tracing,
} from '../../xds/gen/types.js';
import { adsConfigSource, anyOf, FILTER_NAMES, TYPE_URLS } from './proto-helpers.js';
import { telemetryDirection, withTelemetryFilters } from './telemetry-filters.js';
import type { SideMetrics } from './telemetry-metrics.js';

type Hcm = envoy_extensions_filters_network_http_connection_manager_v3_HttpConnectionManager;

/**
 * fault, cors (both empty) then router: the filters of every outbound manager
 * of a sidecar or gateway. Proxyless gRPC clients take no CORS filter
 * (`cors: false`): gRPC has no browsers to answer.
 */
export function outboundHttpFilters(o: { cors: boolean } = { cors: true }): envoy_extensions_filters_network_http_connection_manager_v3_HttpFilter[] {
  return [
    { name: FILTER_NAMES.fault, typed_config: anyOf(TYPE_URLS.fault) },
    ...(o.cors ? [{ name: FILTER_NAMES.cors, typed_config: anyOf(TYPE_URLS.cors) }] : []),
    { name: FILTER_NAMES.router, typed_config: anyOf(TYPE_URLS.router) },
  ];
}

export interface HcmOptions {
  readonly statPrefix: string;
  /** RDS route configuration name, or an inline table. */
  readonly rds?: string;
  readonly routeConfig?: envoy_config_route_v3_RouteConfiguration;
  readonly filters: envoy_extensions_filters_network_http_connection_manager_v3_HttpFilter[];
  /** Gateways trust the connection's address (Istio: use_remote_address true at the edge). */
  readonly useRemoteAddress: boolean;
  /** Match virtual hosts on the host without its port (gateways: clients send `host:port`). */
  readonly stripAnyHostPort?: boolean;
  /** Accept absolute-form request URLs (an explicit HTTP proxy, local mode's HTTP_PROXY). */
  readonly allowAbsoluteUrl?: boolean;
  /** Access logs (Telemetry accessLogging, or Istio's accessLogFile), when the proxy has any. */
  readonly accessLog?: envoy_config_accesslog_v3_AccessLog[] | undefined;
  /** istio.stats overrides from the Telemetry API; null: no stats filter (metrics off). See listenerTelemetry. */
  readonly metrics?: SideMetrics | null | undefined;
  /** Envoy's HCM tracing (Telemetry API tracing or mesh config; telemetry-tracing.ts), when the proxy traces. */
  readonly tracing?: envoy_extensions_filters_network_http_connection_manager_v3_HttpConnectionManager_Tracing | undefined;
}

/** An HCM packed as an Any, ready for a filter chain or an API listener. */
export function buildHcm(o: HcmOptions): AnyMessage {
  const hcm: Hcm = {
    stat_prefix: o.statPrefix,
    ...(o.rds !== undefined ? { rds: { config_source: adsConfigSource(), route_config_name: o.rds } } : {}),
    ...(o.routeConfig ? { route_config: o.routeConfig } : {}),
    http_filters: withTelemetryFilters(o.filters, telemetryDirection(o.statPrefix, o.useRemoteAddress), o.metrics),
    use_remote_address: { value: o.useRemoteAddress },
    ...(o.allowAbsoluteUrl ? { http_protocol_options: { allow_absolute_url: { value: true } } } : {}),
    ...(o.accessLog ? { access_log: o.accessLog } : {}),
    ...(o.tracing ? { tracing: o.tracing } : {}),
    upgrade_configs: [{ upgrade_type: 'websocket' }],
    normalize_path: { value: true },
    ...(o.stripAnyHostPort ? { strip_any_host_port: true } : {}),
  };
  return anyOf(TYPE_URLS.hcm, hcm);
}

/** A network filter entry holding an HCM. */
export function hcmFilter(o: HcmOptions) {
  return { name: FILTER_NAMES.hcm, typed_config: buildHcm(o) };
}
