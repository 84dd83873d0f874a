// Access logs and istio.stats settings of a listener, from the Telemetry API
// and mesh config (telemetry-access-log.ts, telemetry-metrics.ts). The
// listener builders call these: HTTP managers take both, tcp_proxy takes the
// logs. Inbound listeners are Istio's SERVER side; outbound and gateway
// listeners the CLIENT side.
import type {
  envoy_config_accesslog_v3_AccessLog,
  envoy_extensions_filters_network_http_connection_manager_v3_HttpConnectionManager_Tracing as HcmTracing,
} from '../../xds/gen/types.js';
import { telemetryAccessLogs, type TelemetrySide } from './telemetry-access-log.js';
import { telemetryMetrics, type SideMetrics } from './telemetry-metrics.js';
import { telemetryTracing } from './telemetry-tracing.js';
import type { TranslateContext } from './translate-context.js';

type Direction = 'inbound' | 'outbound';

const sideOf = (d: Direction): TelemetrySide => (d === 'inbound' ? 'SERVER' : 'CLIENT');

/** The access logs of this proxy's listeners on one side, or undefined for none. */
export function accessLogs(ctx: TranslateContext, direction: Direction = 'outbound'): envoy_config_accesslog_v3_AccessLog[] | undefined {
  return telemetryAccessLogs(ctx, sideOf(direction));
}

/** HcmOptions' `accessLog`, `metrics` and `tracing` for one side: spread into hcmFilter's options. */
export function listenerTelemetry(ctx: TranslateContext, direction: Direction = 'outbound'): { accessLog: envoy_config_accesslog_v3_AccessLog[] | undefined; metrics: SideMetrics | null; tracing: HcmTracing | undefined } {
  return { accessLog: accessLogs(ctx, direction), metrics: telemetryMetrics(ctx, sideOf(direction)) ?? null, tracing: telemetryTracing(ctx, sideOf(direction)) };
}
