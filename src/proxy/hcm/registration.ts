// envoy.filters.network.http_connection_manager.
import type { NetworkFilterRegistration } from '../extensions/network-filter-registration.js';
import type { HcmConfig } from '../http/connection-manager-config.js';
import { decodeHcm } from './hcm-config.js';

export const HCM_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

export const hcmRegistration: NetworkFilterRegistration<HcmConfig> = {
  name: 'envoy.filters.network.http_connection_manager',
  typeUrls: [HCM_TYPE_URL],
  terminal: true,
  decode: (cfg, path, errs, ctx) => decodeHcm(cfg as Parameters<typeof decodeHcm>[0], path, errs, ctx),
  factory: (hcm) => ({ terminal: { kind: 'http', hcm } }),
  // http/hcm-stats.ts; the router counts rq_total … into the same prefix.
  stats: {
    prefix: 'http.<stat_prefix>.',
    counters: [
      'downstream_rq_total', 'downstream_rq_http1_total', 'downstream_rq_http2_total', 'downstream_rq_completed', 'downstream_rq_tx_reset',
      'downstream_rq_rx_reset', 'downstream_rq_idle_timeout', 'downstream_rq_timeout', 'downstream_rq_header_timeout', 'downstream_rq_1xx',
      'downstream_rq_2xx', 'downstream_rq_3xx', 'downstream_rq_4xx', 'downstream_rq_5xx', 'downstream_rq_ws_on_non_ws_route',
      'downstream_cx_total', 'downstream_cx_http1_total', 'downstream_cx_http2_total', 'downstream_cx_protocol_error', 'downstream_cx_destroy',
      'downstream_cx_rx_bytes_total', 'downstream_cx_tx_bytes_total', 'downstream_cx_idle_timeout', 'downstream_cx_drain_close', 'downstream_cx_upgrades_total',
      'no_route', 'no_cluster', 'rq_direct_response', 'rq_redirect', 'rq_total', 'rq_retry_or_shadow_abandoned',
    ],
    gauges: ['downstream_rq_active', 'downstream_cx_active', 'downstream_cx_http1_active', 'downstream_cx_http2_active', 'downstream_cx_upgrades_active'],
    histograms: ['downstream_rq_time'],
  },
};
