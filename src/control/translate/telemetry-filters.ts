// Istio's telemetry filters in every sidecar HCM, where Istio puts them:
// istio.metadata_exchange first (it must see the request's and response's
// headers before any other filter), istio.stats just before the router.
// Inbound managers discover the client from the request and answer with this
// workload's metadata (reporter=destination, no Host header fallback);
// outbound managers send this workload's metadata and learn the server's from
// the response (reporter=source). Gateways are outbound without the Host
// fallback (their Host comes from outside the mesh). Both configs are the
// TypedStructs Istio's own control plane sends.
import type { envoy_extensions_filters_network_http_connection_manager_v3_HttpFilter } from '../../xds/gen/types.js';
import { NAMES } from './defaults.js';
import type { SideMetrics, StatsMetricConfig } from './telemetry-metrics.js';

type HttpFilter = envoy_extensions_filters_network_http_connection_manager_v3_HttpFilter;

export type TelemetryDirection = 'inbound' | 'outbound' | 'gateway' | 'none';

const TYPED_STRUCT = 'type.googleapis.com/xds.type.v3.TypedStruct';
const PEER_METADATA_CONFIG = 'type.googleapis.com/io.istio.http.peer_metadata.Config';
const STATS_CONFIG = 'type.googleapis.com/stats.PluginConfig';
const MX_NAME = 'istio.metadata_exchange';
const STATS_NAME = 'istio.stats';

function typedStruct(typeUrl: string, value: Record<string, unknown>) {
  return { '@type': TYPED_STRUCT, type_url: typeUrl, value };
}

/**
 * The direction of an HCM from Istio's stat prefix convention (`inbound_…`,
 * `outbound_…`, and weft's local-mode outbound listener); proxyless gRPC API
 * listeners and anything else get no telemetry filters.
 */
export function telemetryDirection(statPrefix: string, useRemoteAddress: boolean): TelemetryDirection {
  if (statPrefix.startsWith('inbound_')) return 'inbound';
  if (statPrefix.startsWith('outbound_') || statPrefix === NAMES.localOutboundHttp) return useRemoteAddress ? 'gateway' : 'outbound';
  return 'none';
}

export function metadataExchangeFilter(direction: 'inbound' | 'outbound'): HttpFilter {
  const value = direction === 'inbound'
    ? { downstream_discovery: [{ istio_headers: {} }], downstream_propagation: [{ istio_headers: {} }] }
    : { upstream_discovery: [{ istio_headers: {} }], upstream_propagation: [{ istio_headers: {} }] };
  return { name: MX_NAME, typed_config: typedStruct(PEER_METADATA_CONFIG, value) as never };
}

function statsConfig(disableHostHeaderFallback: boolean, metrics: readonly StatsMetricConfig[]): Record<string, unknown> {
  return {
    ...(disableHostHeaderFallback ? { disable_host_header_fallback: true } : {}),
    ...(metrics.length > 0 ? { metrics } : {}),
  };
}

/** istio.stats with `metrics` overrides (from the Telemetry API; none by default). */
export function statsFilter(disableHostHeaderFallback: boolean, metrics: readonly StatsMetricConfig[] = []): HttpFilter {
  return { name: STATS_NAME, typed_config: typedStruct(STATS_CONFIG, statsConfig(disableHostHeaderFallback, metrics)) as never };
}

/**
 * `filters` (ending with the router) with the telemetry filters of
 * `direction` added. `metrics` is the Telemetry API's result for the side:
 * null when metrics are off there (no istio.stats, as Istio); absent when
 * the caller has no proxy context (Istio's defaults).
 */
export function withTelemetryFilters(filters: HttpFilter[], direction: TelemetryDirection, metrics?: SideMetrics | null): HttpFilter[] {
  if (direction === 'none' || filters.length === 0) return filters;
  const mx = metadataExchangeFilter(direction === 'inbound' ? 'inbound' : 'outbound');
  if (metrics === null) return [mx, ...filters];
  const stats = statsFilter(direction !== 'outbound', metrics?.metrics ?? []);
  return [mx, ...filters.slice(0, -1), stats, filters[filters.length - 1]!];
}

/** istio.stats for a TCP filter chain (before tcp_proxy), as Istio adds it; the reporter follows the listener's traffic_direction. */
export function tcpStatsFilter(): { name: string; typed_config: ReturnType<typeof typedStruct> } {
  return { name: STATS_NAME, typed_config: typedStruct(STATS_CONFIG, {}) };
}

/** A sidecar TCP chain's filters: istio.stats, then `tcpProxy` (inbound: reporter destination; outbound: source). */
export function withTcpTelemetryFilters<F>(tcpProxy: F): (F | ReturnType<typeof tcpStatsFilter>)[] {
  return [tcpStatsFilter(), tcpProxy];
}

const TCP_MX_CONFIG = 'type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange';
/** The ALPN value that turns Istio's TCP exchange on (first in the mesh mTLS ALPN lists, istio-tls.ts). */
export const PEER_EXCHANGE_PROTOCOL = 'istio-peer-exchange';

/**
 * Istio's TCP metadata exchange (xdsfilters.TCPListenerMx / TCPClusterMx):
 * the same filter as a listener network filter (inbound mTLS TCP chains,
 * first) and as a Cluster.filters entry (outbound TCP clusters). Istio sets
 * `enable_discovery` for ambient's workload discovery, which weft has no
 * source for, so weft's control plane leaves it out.
 */
export function tcpMetadataExchangeFilter(): { name: string; typed_config: ReturnType<typeof typedStruct> } {
  return { name: MX_NAME, typed_config: typedStruct(TCP_MX_CONFIG, { protocol: PEER_EXCHANGE_PROTOCOL }) };
}
