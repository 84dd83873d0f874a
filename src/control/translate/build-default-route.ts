// The route to a service that no VirtualService routes, as Istio's
// BuildDefaultHTTPOutboundRoute: everything to outbound|<port>||<host>, no
// timeout (0s), Istio's default retry policy, and the DestinationRule's
// consistent-hash key when it has one.
import type { ServiceModel } from '../model/types.js';
import type { envoy_config_route_v3_Route } from '../../xds/gen/types.js';
import { NAMES } from './defaults.js';
import { translateHashPolicy } from './hash-policy.js';
import { outboundClusterName } from './names.js';
import { durationFromMs } from './proto-helpers.js';
import { defaultRetryPolicy } from './translate-retry.js';
import { catchAllMatch } from './translate-route-match.js';
import type { TranslateContext } from './translate-context.js';
import type { RouteFlavor } from './translate-http-route.js';

export function buildDefaultRoute(ctx: TranslateContext, svc: ServiceModel, port: number, flavor: RouteFlavor): envoy_config_route_v3_Route {
  const cluster = outboundClusterName(port, undefined, svc.hostname);
  const spec = ctx.destinationRule(svc.hostname)?.obj.spec;
  const ch = spec?.trafficPolicy?.portLevelSettings?.find((p) => p.port?.number === port)?.loadBalancer?.consistentHash
    ?? spec?.trafficPolicy?.loadBalancer?.consistentHash;
  const hp = translateHashPolicy(ch, ctx, svc.hostname);
  const timeout = durationFromMs(0);
  return {
    name: NAMES.defaultRoute,
    match: catchAllMatch(),
    route: {
      cluster,
      ...(hp ? { hash_policy: [hp] } : {}),
      timeout,
      ...(flavor === 'grpc' ? { max_stream_duration: { max_stream_duration: timeout } } : { max_grpc_timeout: timeout }),
      retry_policy: defaultRetryPolicy(false),
    },
    ...(flavor === 'grpc' ? {} : { decorator: { operation: `${svc.hostname}:${port}/*` } }),
  };
}
