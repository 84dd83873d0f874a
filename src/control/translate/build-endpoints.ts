// ClusterLoadAssignments for every EDS cluster the proxy has (see
// build-outbound-clusters.ts), computed from the registry alone so an
// endpoint change recomputes only EDS. Subset clusters get the endpoints
// whose labels match the subset; every EDS cluster gets an assignment, even an
// empty one, so the proxy's cluster warms and the snapshot is consistent.
// An endpoint whose workload PeerAuthentication DISABLEs its port loses its
// mTLS mark, so auto mTLS sends it plaintext (destination-mtls.ts).
import type { envoy_config_endpoint_v3_ClusterLoadAssignment } from '../../xds/gen/types.js';
import { clusterEndpoints, discoveryType } from './build-outbound-clusters.js';
import { destinationRuleTlsMode, withDestinationMtls } from './destination-mtls.js';
import { buildLocalityLbEndpoints, isIpAddress } from './locality-endpoints.js';
import { MESSAGE_CODES } from './messages.js';
import { outboundClusterName } from './names.js';
import { serviceKey, type TranslateContext } from './translate-context.js';

export function buildClusterLoadAssignments(ctx: TranslateContext): envoy_config_endpoint_v3_ClusterLoadAssignment[] {
  const grpc = ctx.proxy.type === 'grpc';
  const out: envoy_config_endpoint_v3_ClusterLoadAssignment[] = [];
  for (const svc of ctx.services) {
    if (discoveryType(svc, grpc) !== 'EDS') continue;
    const dr = ctx.destinationRule(svc.hostname)?.obj;
    const subsets = dr?.spec.subsets ?? [];
    for (const port of svc.ports) {
      if (port.protocol === 'UDP') continue;
      for (const subset of [undefined, ...subsets]) {
        const name = outboundClusterName(port.port, subset?.name, svc.hostname);
        const eps = clusterEndpoints(ctx, svc, port.port, subset).filter((e) => {
          if (isIpAddress(e.address)) return true;
          ctx.messages.warn(MESSAGE_CODES.ENDPOINT_SKIPPED, serviceKey(svc), `endpoints[${e.address}]`,
            `endpoint address "${e.address}" is not an IP; EDS carries IPs only (use resolution DNS for hostnames)`);
          return false;
        });
        const localities = buildLocalityLbEndpoints(withDestinationMtls(ctx.push, eps, destinationRuleTlsMode(dr, port.port, subset)), { healthStatus: true });
        out.push({ cluster_name: name, ...(localities.length > 0 ? { endpoints: localities } : {}) });
      }
    }
  }
  return out.sort((a, b) => (a.cluster_name! < b.cluster_name! ? -1 : a.cluster_name! > b.cluster_name! ? 1 : 0));
}
