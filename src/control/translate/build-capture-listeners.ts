// Istio's virtualOutbound for a sidecar whose pod traffic is captured by
// iptables (node metadata INTERCEPTION_MODE REDIRECT, `weft iptables`): every
// outbound TCP connection arrives on 15001; envoy.filters.listener.original_dst
// restores where it was going and use_original_dst hands it to the per-port
// outbound listener for that address or port (which, in this mode, do not bind
// their ports). Connections no listener claims take the catch-all chain: a
// tcp_proxy to PassthroughCluster (ORIGINAL_DST: on to the original address)
// under outboundTrafficPolicy ALLOW_ANY, to BlackHoleCluster (no endpoints:
// the connection is closed) under REGISTRY_ONLY. A connection addressed to
// 15001 itself would loop: it goes to BlackHoleCluster whatever the policy.
import type { envoy_config_cluster_v3_Cluster, envoy_config_listener_v3_Listener } from '../../xds/gen/types.js';
import { accessLogs } from './access-log.js';
import { NAMES, TRANSLATE_DEFAULTS } from './defaults.js';
import { socketAddress } from './locality-endpoints.js';
import { anyOf, durationFromMs, FILTER_NAMES, TYPE_URLS } from './proto-helpers.js';
import type { TranslateContext } from './translate-context.js';
import { tcpProxyFilter } from './translate-tcp-routes.js';

/** Istio's filter chain names on virtualOutbound. */
export const CAPTURE_CHAIN_NAMES = {
  blackhole: 'virtualOutbound-blackhole',
  catchAll: 'virtualOutbound-catchall-tcp',
} as const;

/** The sidecar's outboundTrafficPolicy: its Sidecar's, else the mesh's. */
export function outboundTrafficMode(ctx: TranslateContext): 'ALLOW_ANY' | 'REGISTRY_ONLY' {
  const sidecarMode = ctx.push.sidecarFor(ctx.proxy)?.obj.spec.outboundTrafficPolicy?.mode;
  return sidecarMode === 'REGISTRY_ONLY' || sidecarMode === 'ALLOW_ANY' ? sidecarMode : ctx.push.mesh.outboundTrafficPolicy;
}

/** The original_dst listener filter (no settings). */
export function originalDstListenerFilter(): { name: string; typed_config: ReturnType<typeof anyOf> } {
  return { name: FILTER_NAMES.originalDst, typed_config: anyOf(TYPE_URLS.originalDst) };
}

export function buildVirtualOutboundListener(ctx: TranslateContext): envoy_config_listener_v3_Listener {
  const target = outboundTrafficMode(ctx) === 'REGISTRY_ONLY' ? NAMES.blackHoleCluster : NAMES.passthroughCluster;
  const log = accessLogs(ctx);
  return {
    name: NAMES.virtualOutbound,
    address: socketAddress('0.0.0.0', TRANSLATE_DEFAULTS.virtualOutboundPort),
    traffic_direction: 'OUTBOUND',
    use_original_dst: { value: true },
    listener_filters: [originalDstListenerFilter()],
    filter_chains: [{
      name: CAPTURE_CHAIN_NAMES.blackhole,
      filter_chain_match: { destination_port: { value: TRANSLATE_DEFAULTS.virtualOutboundPort } },
      filters: [tcpProxyFilter({ clusters: [{ name: NAMES.blackHoleCluster, weight: 1 }] }, NAMES.blackHoleCluster, log)],
    }],
    default_filter_chain: {
      name: CAPTURE_CHAIN_NAMES.catchAll,
      filters: [tcpProxyFilter({ clusters: [{ name: target, weight: 1 }] }, target, log)],
    },
  };
}

/** Istio's passthrough clusters' upstream idle timeout (passthroughHttpProtocolOptions). */
const PASSTHROUGH_IDLE_TIMEOUT_MS = 5 * 60_000;

/**
 * Istio's PassthroughCluster: ORIGINAL_DST, hosts made on demand from each
 * connection's original destination. HTTP goes upstream in the protocol it
 * came in (use_downstream_protocol_config, as Istio's
 * passthroughHttpProtocolOptions), so h2c and gRPC to hosts outside the
 * registry are not downgraded to HTTP/1.1.
 */
export function buildPassthroughCluster(): envoy_config_cluster_v3_Cluster {
  return {
    name: NAMES.passthroughCluster,
    type: 'ORIGINAL_DST',
    lb_policy: 'CLUSTER_PROVIDED',
    connect_timeout: durationFromMs(TRANSLATE_DEFAULTS.connectTimeoutMs),
    typed_extension_protocol_options: {
      [FILTER_NAMES.httpProtocolOptionsKey]: anyOf(TYPE_URLS.httpProtocolOptions, {
        common_http_protocol_options: { idle_timeout: durationFromMs(PASSTHROUGH_IDLE_TIMEOUT_MS) },
        use_downstream_protocol_config: { http_protocol_options: {}, http2_protocol_options: {} },
      }),
    },
    circuit_breakers: {
      thresholds: [{
        max_connections: { value: TRANSLATE_DEFAULTS.circuitBreakerMax },
        max_pending_requests: { value: TRANSLATE_DEFAULTS.circuitBreakerMax },
        max_requests: { value: TRANSLATE_DEFAULTS.circuitBreakerMax },
        max_retries: { value: TRANSLATE_DEFAULTS.circuitBreakerMax },
      }],
    },
  };
}
