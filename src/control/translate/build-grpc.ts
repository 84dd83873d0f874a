// Proxyless gRPC (proxy type `grpc`, e.g. @grpc/grpc-js-xds): an API listener
// per service port named `<host>:<port>` (the xds:/// target), holding an HCM
// that loads route configuration `<host>:<port>` over ADS. Routes come from
// the same VirtualServices (minus what gRPC cannot do: redirects, direct
// responses, mirrors); timeouts go in max_stream_duration, which gRPC reads.
import type { envoy_config_listener_v3_Listener, envoy_config_route_v3_RouteConfiguration } from '../../xds/gen/types.js';
import { buildHcm, outboundHttpFilters } from './build-hcm.js';
import { routeConfiguration, serviceRoutes } from './build-outbound-routes.js';
import { NAMES } from './defaults.js';
import { grpcListenerName } from './names.js';
import { isHttpProtocol, type TranslateContext } from './translate-context.js';
import { buildVirtualServiceIndex } from './virtual-service-index.js';

/** Service ports a gRPC client may target: every HTTP-family port (gRPC runs over HTTP/2). */
function grpcTargets(ctx: TranslateContext): { hostname: string; port: number }[] {
  const out: { hostname: string; port: number }[] = [];
  for (const svc of ctx.services) for (const p of svc.ports) if (isHttpProtocol(p.protocol)) out.push({ hostname: svc.hostname, port: p.port });
  return out;
}

export function buildGrpcListeners(ctx: TranslateContext): envoy_config_listener_v3_Listener[] {
  return grpcTargets(ctx).map(({ hostname, port }) => {
    const name = grpcListenerName(hostname, port);
    return { name, api_listener: { api_listener: buildHcm({ statPrefix: name, rds: name, filters: outboundHttpFilters({ cors: false }), useRemoteAddress: false }) } };
  });
}

export function buildGrpcRouteConfigs(ctx: TranslateContext): envoy_config_route_v3_RouteConfiguration[] {
  const vsIndex = buildVirtualServiceIndex(ctx, ctx.push.virtualServices(ctx.proxy.namespace, NAMES.meshGateway));
  return grpcTargets(ctx).map(({ hostname, port }) => {
    const name = grpcListenerName(hostname, port);
    const svc = ctx.serviceByHost.get(hostname)!;
    const rc = routeConfiguration(name, [{ name, domains: [hostname, `${hostname}:${port}`], routes: serviceRoutes(ctx, svc, port, vsIndex, 'grpc') }]);
    // grpc-js-xds ignores table-level knobs; keep the resource to what it reads.
    delete rc.max_direct_response_body_size_bytes;
    delete rc.validate_clusters;
    return rc;
  });
}
