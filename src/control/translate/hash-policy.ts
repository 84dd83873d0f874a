// DestinationRule consistentHash → route hash_policy. The key is on the route
// (Envoy hashes per request) while RING_HASH/MAGLEV is on the cluster, so the
// route translator looks up the destination's DestinationRule, as Istio's
// hashForHTTPDestination: subset port-level, else subset, else port-level,
// else top-level consistentHash.
import type { LoadBalancerSettings, PortTrafficPolicy } from '../../api/networking.js';
import type { envoy_config_route_v3_RouteAction_HashPolicy } from '../../xds/gen/types.js';
import { MESSAGE_CODES } from './messages.js';
import { configKey } from './names.js';
import type { TranslateContext } from './translate-context.js';

type ConsistentHash = NonNullable<LoadBalancerSettings['consistentHash']>;

const portHash = (pls: PortTrafficPolicy[] | undefined, port: number): ConsistentHash | undefined =>
  pls?.find((p) => p.port?.number === port)?.loadBalancer?.consistentHash;

/** The consistentHash that applies to a destination (host, port, subset), if any. */
export function consistentHashFor(ctx: TranslateContext, hostname: string, port: number, subset: string | undefined): ConsistentHash | undefined {
  const spec = ctx.destinationRule(hostname)?.obj.spec;
  if (!spec) return undefined;
  const tp = spec.trafficPolicy;
  const sub = subset ? spec.subsets?.find((s) => s.name === subset) : undefined;
  return portHash(sub?.trafficPolicy?.portLevelSettings, port)
    ?? sub?.trafficPolicy?.loadBalancer?.consistentHash
    ?? portHash(tp?.portLevelSettings, port)
    ?? tp?.loadBalancer?.consistentHash;
}

/** Envoy's hash_policy entry for a consistentHash, or undefined when it names no key. */
export function translateHashPolicy(ch: ConsistentHash | undefined, ctx: TranslateContext, hostname: string): envoy_config_route_v3_RouteAction_HashPolicy | undefined {
  if (!ch) return undefined;
  if (ch.httpHeaderName) return { header: { header_name: ch.httpHeaderName.toLowerCase() } };
  if (ch.httpCookie) {
    if (ch.httpCookie.ttl !== undefined || ch.httpCookie.path !== undefined) {
      const dr = ctx.destinationRule(hostname)?.obj;
      const key = dr ? configKey('DestinationRule', dr.metadata.name, dr.metadata.namespace) : `Service ${hostname}`;
      ctx.messages.warn(MESSAGE_CODES.FIELD_IGNORED, key, 'spec.trafficPolicy.loadBalancer.consistentHash.httpCookie',
        'weft\'s proxy hashes on an existing cookie only; ttl/path (generating the cookie) are not yet supported');
    }
    return { cookie: { name: ch.httpCookie.name } };
  }
  if (ch.useSourceIp) return { connection_properties: { source_ip: true } };
  if (ch.httpQueryParameterName) return { query_parameter: { name: ch.httpQueryParameterName } };
  return undefined;
}
