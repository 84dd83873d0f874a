// Inbound listeners. On Kubernetes-style capture: Istio's virtualInbound on
// 15006 with one filter chain per workload port (destination_port) to
// inbound|<port>||. In local mode (`weft up`, no capture) the sidecar instead
// listens on one port per service port (node metadata WEFT_INBOUND_PORTS):
// `inbound_<port>` on <WEFT_INBOUND_BIND_ADDRESS>:<listen port> (127.0.0.1
// unless `weft up --bind` asks for another address), the port the registry
// publishes as this workload's endpoint to other sidecars.
import type { envoy_config_listener_v3_FilterChain, envoy_config_listener_v3_Listener, envoy_config_route_v3_RouteConfiguration } from '../../xds/gen/types.js';
import { accessLogs } from './access-log.js';
import { hcmFilter } from './build-hcm.js';
import { NAMES, TRANSLATE_DEFAULTS } from './defaults.js';
import { socketAddress } from './locality-endpoints.js';
import { MESSAGE_CODES } from './messages.js';
import { inboundClusterName, listenerName, localInboundListenerName } from './names.js';
import { anyOf, durationFromMs, FILTER_NAMES, TYPE_URLS } from './proto-helpers.js';
import { isHttpProtocol, type TranslateContext } from './translate-context.js';
import { tcpProxyFilter } from './translate-tcp-routes.js';
import type { WorkloadTarget } from './workload-targets.js';

export function buildInboundListeners(ctx: TranslateContext, targets: readonly WorkloadTarget[]): envoy_config_listener_v3_Listener[] {
  const local = ctx.options.inboundPorts;
  if (local) {
    const out: envoy_config_listener_v3_Listener[] = [];
    for (const [servicePort, listenPort] of [...local.entries()].sort((a, b) => a[0] - b[0])) {
      const t = targets.find((x) => x.port.port === servicePort);
      if (!t) {
        ctx.messages.warn(MESSAGE_CODES.BAD_METADATA, `Proxy ${ctx.proxy.id}`, `metadata.WEFT_INBOUND_PORTS["${servicePort}"]`,
          `port ${servicePort} is not a port of a service this workload serves (by the registry); no inbound listener is built for it`);
        continue;
      }
      out.push({
        name: localInboundListenerName(servicePort),
        address: socketAddress(ctx.options.inboundBindAddress, listenPort),
        traffic_direction: 'INBOUND',
        filter_chains: [inboundChain(ctx, t, false)],
      });
    }
    return out;
  }
  if (targets.length === 0) return [];
  return [{
    name: NAMES.virtualInbound,
    address: socketAddress('0.0.0.0', TRANSLATE_DEFAULTS.virtualInboundPort),
    traffic_direction: 'INBOUND',
    filter_chains: targets.map((t) => inboundChain(ctx, t, true)),
  }];
}

function inboundChain(ctx: TranslateContext, t: WorkloadTarget, matchPort: boolean): envoy_config_listener_v3_FilterChain {
  const port = t.port.port;
  const cluster = inboundClusterName(port);
  const filter = isHttpProtocol(t.port.protocol)
    ? hcmFilter({ statPrefix: `inbound_0.0.0.0_${port}`, routeConfig: inboundRouteConfig(t), filters: [{ name: FILTER_NAMES.router, typed_config: anyOf(TYPE_URLS.router) }], useRemoteAddress: false, accessLog: accessLogs(ctx) })
    : tcpProxyFilter({ clusters: [{ name: cluster, weight: 1 }] }, undefined, accessLogs(ctx));
  return {
    name: listenerName('0.0.0.0', port),
    ...(matchPort ? { filter_chain_match: { destination_port: { value: port } } } : {}),
    filters: [filter],
  };
}

/** Istio's inbound route: everything to the app, no timeout, grpc-timeout honoured uncapped. */
function inboundRouteConfig(t: WorkloadTarget): envoy_config_route_v3_RouteConfiguration {
  const port = t.port.port;
  const cluster = inboundClusterName(port);
  const zero = durationFromMs(0);
  return {
    name: cluster,
    virtual_hosts: [{
      name: `inbound|http|${port}`,
      domains: ['*'],
      routes: [{
        name: NAMES.defaultRoute,
        match: { prefix: '/' },
        route: { cluster, timeout: zero, max_stream_duration: { max_stream_duration: zero, grpc_timeout_header_max: zero } },
        decorator: { operation: `${t.service.hostname}:${port}/*` },
      }],
    }],
    validate_clusters: { value: false },
  };
}
