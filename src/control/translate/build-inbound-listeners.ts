// Inbound listeners. On Kubernetes-style capture: Istio's virtualInbound on
// 15006 with one filter chain per workload port (destination_port) to
// inbound|<port>||. In local mode (`weft up`, no capture) the sidecar instead
// listens on one port per service port (node metadata WEFT_INBOUND_PORTS):
// `inbound_<port>` on <WEFT_INBOUND_BIND_ADDRESS>:<listen port> (127.0.0.1
// unless `weft up --bind` asks for another address), the port the registry
// publishes as this workload's endpoint to other sidecars.
//
// HTTP chains carry the security filters (CUSTOM, authentication, RBAC) and
// TCP chains the network RBAC filters of the workload's AuthorizationPolicies
// (authz-filters.ts). Each port's chains follow its effective PeerAuthentication mode
// (inbound-mtls.ts); a listener with any chain matching transport_protocol
// "tls" carries the tls_inspector that sets it.
import type { envoy_config_listener_v3_FilterChain, envoy_config_listener_v3_Listener, envoy_config_route_v3_RouteConfiguration } from '../../xds/gen/types.js';
import { mtlsModeForPort } from '../model/peer-authentication-index.js';
import type { MtlsMode } from '../model/types.js';
import { accessLogs, listenerTelemetry } from './access-log.js';
import { securityHttpFilters, securityNetworkFilters } from './authz-filters.js';
import { hcmFilter } from './build-hcm.js';
import { chainMatchOf, inboundChainOptions, inboundTlsTransportSocket, tlsInspectorFilter, TRANSPORT_PROTOCOL, type InboundChainOption } from './inbound-mtls.js';
import { NAMES, TRANSLATE_DEFAULTS } from './defaults.js';
import { socketAddress } from './locality-endpoints.js';
import { MESSAGE_CODES } from './messages.js';
import { inboundClusterName, listenerName, localInboundListenerName } from './names.js';
import { anyOf, durationFromMs, FILTER_NAMES, TYPE_URLS } from './proto-helpers.js';
import { isHttpProtocol, type TranslateContext } from './translate-context.js';
import { tcpProxyFilter } from './translate-tcp-routes.js';
import { originalDstListenerFilter } from './build-capture-listeners.js';
import { tcpMetadataExchangeFilter, withTcpTelemetryFilters } from './telemetry-filters.js';
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
      out.push(withInspector({
        name: localInboundListenerName(servicePort),
        address: socketAddress(ctx.options.inboundBindAddress, listenPort),
        traffic_direction: 'INBOUND',
        filter_chains: inboundChains(ctx, t, false),
      }));
    }
    return out;
  }
  if (targets.length === 0) return [];
  // Connections arrive redirected to 15006: original_dst restores the port the chains match on.
  return [withInspector({
    name: NAMES.virtualInbound,
    address: socketAddress('0.0.0.0', TRANSLATE_DEFAULTS.virtualInboundPort),
    traffic_direction: 'INBOUND',
    listener_filters: [originalDstListenerFilter()],
    filter_chains: targets.flatMap((t) => inboundChains(ctx, t, true)),
  })];
}

/**
 * Adds the tls_inspector when a chain matches on TLS (Envoy would otherwise
 * never see "tls"), continuing as plaintext when the client sends nothing
 * before the listener filters' timeout, as Istio's inbound listeners do
 * (server-first protocols). The timeout stays Envoy's default: Istio sets its
 * protocolDetectionTimeout (0s, "disabled" to Envoy) there, which weft's
 * proxy would take as an immediate timeout.
 */
function withInspector(l: envoy_config_listener_v3_Listener): envoy_config_listener_v3_Listener {
  const needsTls = (l.filter_chains ?? []).some((c) => c.filter_chain_match?.transport_protocol === TRANSPORT_PROTOCOL.tls);
  return needsTls ? { ...l, listener_filters: [...(l.listener_filters ?? []), tlsInspectorFilter()], continue_on_listener_filters_timeout: true } : l;
}

/**
 * The port the workload itself listens on, which portLevelMtls names (Istio:
 * the endpoint's target port). In local mode the endpoint port is the
 * sidecar's own listen port, so the service's targetPort (else its port) is
 * the workload's port there.
 */
export function workloadPort(ctx: TranslateContext, t: WorkloadTarget): number {
  return ctx.options.inboundPorts ? t.port.targetPort ?? t.port.port : t.endpoint.port;
}

/** The effective mode of one of the proxy's inbound ports, and the policy and field that decided it (none: Istio's default). */
export function inboundMtlsMode(ctx: TranslateContext, t: WorkloadTarget): { mode: MtlsMode; policy: string | undefined; path: string } {
  const eff = ctx.push.peerAuthentication(ctx.proxy.namespace, ctx.proxy.labels);
  const port = workloadPort(ctx, t);
  // A port-level entry belongs to the workload policy, the narrowest that applies.
  if (eff.perPort.has(port)) return { mode: mtlsModeForPort(eff, port), policy: eff.policies[eff.policies.length - 1], path: `spec.portLevelMtls["${port}"].mode` };
  return { mode: eff.mode, policy: eff.source, path: 'spec.mtls.mode' };
}

/** The chain options of a port: Istio's, or plaintext only while the mesh has no workload certificates (types.ts MeshConfig). */
function chainOptions(ctx: TranslateContext, t: WorkloadTarget, http: boolean): InboundChainOption[] | undefined {
  const { mode, policy, path } = inboundMtlsMode(ctx, t);
  if (ctx.push.mesh.workloadCertificates) return inboundChainOptions(mode, http);
  if (mode !== 'STRICT') return undefined;
  ctx.messages.warn(MESSAGE_CODES.MTLS_WITHOUT_CERTIFICATES, policy ?? `Proxy ${ctx.proxy.id}`, path,
    `PeerAuthentication makes port ${t.port.port} STRICT but the mesh issues no workload certificates (no CA): the port takes only mTLS, so every connection to it fails until certificates are issued`);
  return inboundChainOptions(mode, http);
}

function inboundChains(ctx: TranslateContext, t: WorkloadTarget, matchPort: boolean): envoy_config_listener_v3_FilterChain[] {
  const port = t.port.port;
  const cluster = inboundClusterName(port);
  const http = isHttpProtocol(t.port.protocol);
  const filters = http
    ? [hcmFilter({ statPrefix: `inbound_0.0.0.0_${port}`, routeConfig: inboundRouteConfig(t), filters: [...securityHttpFilters(ctx), { name: FILTER_NAMES.router, typed_config: anyOf(TYPE_URLS.router) }], useRemoteAddress: false, ...listenerTelemetry(ctx, 'inbound') })]
    : [...securityNetworkFilters(ctx), ...withTcpTelemetryFilters(tcpProxyFilter({ clusters: [{ name: cluster, weight: 1 }] }, undefined, accessLogs(ctx, 'inbound')))];
  const name = listenerName('0.0.0.0', port);
  const portMatch = matchPort ? { destination_port: { value: port } } : {};
  const options = chainOptions(ctx, t, http);
  if (!options) return [{ name, ...(matchPort ? { filter_chain_match: portMatch } : {}), filters }];
  return options.map((o) => ({
    name,
    filter_chain_match: { ...portMatch, ...chainMatchOf(o) },
    // Istio's TCPListenerMx: the server half of the TCP peer exchange, first in mTLS TCP chains.
    filters: o.mtls && !http ? [tcpMetadataExchangeFilter() as never, ...filters] : filters,
    ...(o.mtls ? { transport_socket: inboundTlsTransportSocket(http) } : {}),
  }));
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
