// Sidecar outbound listeners, one per service port, named as Istio names them
// (`0.0.0.0_9080`). Without traffic capture each listener binds its port on
// OUTBOUND_BIND_ADDRESS itself; with capture (INTERCEPTION_MODE REDIRECT) they
// bind nothing and virtualOutbound hands connections to them
// (build-capture-listeners.ts). HTTP ports get an HCM over RDS (route
// configuration "<port>"); TLS ports a tls_inspector and one chain per service
// by SNI; other TCP ports a tcp_proxy to the one service on the port.
import type { ServiceModel } from '../model/types.js';
import type { envoy_config_listener_v3_FilterChain, envoy_config_listener_v3_Listener } from '../../xds/gen/types.js';
import { accessLogs, listenerTelemetry } from './access-log.js';
import { hcmFilter, outboundHttpFilters } from './build-hcm.js';
import { socketAddress } from './locality-endpoints.js';
import { MESSAGE_CODES } from './messages.js';
import { listenerName, outboundClusterName, outboundRouteName } from './names.js';
import { anyOf, FILTER_NAMES, TYPE_URLS } from './proto-helpers.js';
import { isHttpProtocol, isTlsProtocol, serviceKey, type TranslateContext } from './translate-context.js';
import { tcpProxyFilter, translateL4Routes, type TcpTarget } from './translate-tcp-routes.js';
import { withTcpTelemetryFilters } from './telemetry-filters.js';
import type { VirtualServiceIndex } from './virtual-service-index.js';
import { NAMES } from './defaults.js';

const MESH: ReadonlySet<string> = new Set([NAMES.meshGateway]);

export function buildOutboundListeners(ctx: TranslateContext, vsIndex: VirtualServiceIndex): envoy_config_listener_v3_Listener[] {
  const bind = ctx.options.outboundBindAddress;
  const byPort = new Map<number, { svc: ServiceModel; protocol: string }[]>();
  for (const svc of ctx.services) {
    for (const p of svc.ports) {
      if (p.protocol === 'UDP') continue;
      const list = byPort.get(p.port) ?? [];
      list.push({ svc, protocol: p.protocol });
      byPort.set(p.port, list);
    }
  }
  const out: envoy_config_listener_v3_Listener[] = [];
  for (const port of [...byPort.keys()].sort((a, b) => a - b)) {
    const users = byPort.get(port)!;
    const name = listenerName(bind, port);
    const base = { name, address: socketAddress(bind, port), traffic_direction: 'OUTBOUND' as const, ...(ctx.options.capture ? { bind_to_port: { value: false } } : {}) };
    const http = users.filter((u) => isHttpProtocol(u.protocol as never));
    if (http.length > 0) {
      conflicts(ctx, users.filter((u) => !isHttpProtocol(u.protocol as never)), port, 'HTTP');
      out.push({
        ...base,
        filter_chains: [{ filters: [hcmFilter({ statPrefix: `outbound_${bind}_${port}`, rds: outboundRouteName(port), filters: outboundHttpFilters(), useRemoteAddress: false, ...listenerTelemetry(ctx) })] }],
      });
      continue;
    }
    const tls = users.filter((u) => isTlsProtocol(u.protocol as never));
    if (tls.length > 0) {
      conflicts(ctx, users.filter((u) => !isTlsProtocol(u.protocol as never)), port, 'TLS');
      const chains: envoy_config_listener_v3_FilterChain[] = tls.map(({ svc }) => ({
        filter_chain_match: { server_names: [svc.hostname] },
        filters: withTcpTelemetryFilters(tcpProxyFilter(l4Target(ctx, svc, port, vsIndex, svc.hostname), undefined, accessLogs(ctx))),
      }));
      out.push({
        ...base,
        listener_filters: [{ name: FILTER_NAMES.tlsInspector, typed_config: anyOf(TYPE_URLS.tlsInspector) }],
        filter_chains: chains,
      });
      continue;
    }
    const [first, ...rest] = users;
    conflicts(ctx, rest, port, `TCP for ${first!.svc.hostname}`);
    out.push({ ...base, filter_chains: [{ filters: withTcpTelemetryFilters(tcpProxyFilter(l4Target(ctx, first!.svc, port, vsIndex), undefined, accessLogs(ctx))) }] });
  }
  return out;
}

/** Where TCP (or TLS with `sni`) traffic for a service port goes: its VirtualService's route, else its cluster. */
export function l4Target(ctx: TranslateContext, svc: ServiceModel, port: number, vsIndex: VirtualServiceIndex, sni?: string): TcpTarget {
  const vs = vsIndex.byService.get(svc.hostname);
  const routed = vs ? translateL4Routes(ctx, vs, port, MESH, sni) : undefined;
  return routed ?? { clusters: [{ name: outboundClusterName(port, undefined, svc.hostname), weight: 1 }] };
}

function conflicts(ctx: TranslateContext, losers: { svc: ServiceModel; protocol: string }[], port: number, winner: string): void {
  for (const { svc, protocol } of losers) {
    ctx.messages.warn(MESSAGE_CODES.PORT_CONFLICT, serviceKey(svc), `ports[${port}]`,
      `outbound port ${port} is taken by ${winner}; ${protocol} traffic to ${svc.hostname}:${port} has no listener (weft binds one listener per port; use distinct ports)`);
  }
}
