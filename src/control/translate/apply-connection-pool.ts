// DestinationRule connectionPool → circuit breakers, connect timeout and
// upstream HTTP options, as Istio's applyConnectionPool. Istio always sets the
// thresholds (to "unlimited" unless configured) and, like Istio, a zero value
// means "unset" (the API cannot tell them apart).
import type { ConnectionPoolSettings } from '../../api/networking.js';
import type { ClusterDraft } from './cluster-draft.js';
import { TRANSLATE_DEFAULTS } from './defaults.js';
import { MESSAGE_CODES } from './messages.js';
import { parseDurationMs } from '../model/duration.js';
import { duration } from './proto-helpers.js';
import type { TranslateContext } from './translate-context.js';

/** Applies `pool` (or Istio's defaults when undefined) to the draft; `key`/`path` name it in messages. */
export function applyConnectionPool(d: ClusterDraft, pool: ConnectionPoolSettings | undefined, ctx: TranslateContext, key: string, path: string): void {
  const max: number = TRANSLATE_DEFAULTS.circuitBreakerMax;
  const t = {
    max_connections: { value: max },
    max_pending_requests: { value: max },
    max_requests: { value: max },
    max_retries: { value: max },
    track_remaining: true,
  };
  const http = pool?.http;
  const tcp = pool?.tcp;
  if (http) {
    if ((http.http2MaxRequests ?? 0) > 0) t.max_requests = { value: http.http2MaxRequests! };
    if ((http.http1MaxPendingRequests ?? 0) > 0) t.max_pending_requests = { value: http.http1MaxPendingRequests! };
    if ((http.maxRetries ?? 0) > 0) t.max_retries = { value: http.maxRetries! };
    if ((http.maxRequestsPerConnection ?? 0) > 0) d.common.max_requests_per_connection = { value: http.maxRequestsPerConnection! };
    if ((http.maxConcurrentStreams ?? 0) > 0) d.maxConcurrentStreams = http.maxConcurrentStreams;
    const idle = duration(http.idleTimeout);
    if (idle) d.common.idle_timeout = idle;
    if (http.useClientProtocol) d.protocol = 'downstream';
  }
  if (tcp) {
    const ct = duration(tcp.connectTimeout);
    if (ct) d.cluster.connect_timeout = ct;
    if ((tcp.maxConnections ?? 0) > 0) t.max_connections = { value: tcp.maxConnections! };
    const mcd = duration(tcp.maxConnectionDuration);
    if (mcd) d.common.max_connection_duration = mcd;
    const idle = duration(tcp.idleTimeout);
    if (idle && !d.common.idle_timeout) d.common.idle_timeout = idle;
    if (tcp.tcpKeepalive) {
      // Envoy's field, as Istio's applyTCPKeepalive (whole seconds); an Envoy proxy applies it.
      const k = tcp.tcpKeepalive;
      const seconds = (v: string | undefined) => {
        const ms = parseDurationMs(v);
        return ms === undefined ? undefined : { value: Math.floor(ms / 1000) };
      };
      const time = seconds(k.time);
      const interval = seconds(k.interval);
      d.cluster.upstream_connection_options = {
        tcp_keepalive: {
          ...(k.probes ? { keepalive_probes: { value: k.probes } } : {}),
          ...(time ? { keepalive_time: time } : {}),
          ...(interval ? { keepalive_interval: interval } : {}),
        },
      };
      ctx.messages.warn(MESSAGE_CODES.FIELD_IGNORED, key, `${path}.tcp.tcpKeepalive`, 'TCP keepalive is sent as Envoy\'s upstream_connection_options.tcp_keepalive, but weft\'s proxy does not apply it yet; its connections use the OS defaults');
    }
  }
  d.cluster.circuit_breakers = { thresholds: [t] };
}
