// inbound|<port>|| clusters: STATIC, to the app on 127.0.0.1:<app port>. Only
// the DestinationRule's connection pool applies inbound (as in Istio).
import type { envoy_config_cluster_v3_Cluster } from '../../xds/gen/types.js';
import { applyConnectionPool } from './apply-connection-pool.js';
import { finishDraft, newDraft } from './cluster-draft.js';
import { TRANSLATE_DEFAULTS } from './defaults.js';
import { socketAddress } from './locality-endpoints.js';
import { configKey, inboundClusterName } from './names.js';
import { durationFromMs } from './proto-helpers.js';
import { effectiveTrafficPolicy } from './traffic-policy.js';
import { isHttp2Protocol, serviceKey, type TranslateContext } from './translate-context.js';
import type { WorkloadTarget } from './workload-targets.js';

export function buildInboundClusters(ctx: TranslateContext, targets: readonly WorkloadTarget[]): envoy_config_cluster_v3_Cluster[] {
  return targets.map((t) => {
    const name = inboundClusterName(t.port.port);
    const c: envoy_config_cluster_v3_Cluster = {
      name,
      type: 'STATIC',
      connect_timeout: durationFromMs(TRANSLATE_DEFAULTS.connectTimeoutMs),
      load_assignment: {
        cluster_name: name,
        endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(TRANSLATE_DEFAULTS.inboundAppAddress, t.appPort) } }] }],
      },
      metadata: { filter_metadata: { istio: { services: [{ host: t.service.hostname, name: t.service.hostname.split('.')[0], namespace: t.service.namespace }] } } },
    };
    const d = newDraft(c);
    if (isHttp2Protocol(t.port.protocol)) d.protocol = 'http2';
    const dr = ctx.push.destinationRule(t.service.namespace, t.service.hostname);
    const policy = effectiveTrafficPolicy(dr?.obj.spec, t.port.port, undefined);
    const key = dr ? configKey('DestinationRule', dr.obj.metadata.name, dr.obj.metadata.namespace) : serviceKey(t.service);
    applyConnectionPool(d, policy?.connectionPool, ctx, key, 'spec.trafficPolicy.connectionPool');
    return finishDraft(d);
  });
}
