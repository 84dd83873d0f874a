// DestinationRule loadBalancer → cluster lb_policy and its config, as Istio's
// applyLoadBalancer: LEAST_REQUEST by default (Istio's default since 1.14),
// LEAST_CONN is LEAST_REQUEST, consistentHash picks RING_HASH (or MAGLEV) and
// its hash key goes on the routes (see hash-policy.ts). warmup (and the older
// warmupDurationSecs) is Envoy's slow start on ROUND_ROBIN and LEAST_REQUEST,
// with Istio's defaults (aggression 1: linear; minimum weight 10%).
import type { LoadBalancerSettings } from '../../api/networking.js';
import type { envoy_config_cluster_v3_Cluster, envoy_config_cluster_v3_Cluster_SlowStartConfig } from '../../xds/gen/types.js';
import type { ClusterDraft } from './cluster-draft.js';
import { duration } from './proto-helpers.js';
import { TRANSLATE_DEFAULTS } from './defaults.js';
import { MESSAGE_CODES, type MessageCollector } from './messages.js';

export interface LbOptions {
  /** Proxyless gRPC understands only ROUND_ROBIN and RING_HASH. */
  readonly grpc: boolean;
  readonly key: string;
  readonly path: string;
}

export function applyLoadBalancer(d: ClusterDraft, lb: LoadBalancerSettings | undefined, ctx: { readonly messages: MessageCollector }, o: LbOptions): void {
  const c = d.cluster;
  const m = ctx.messages;
  if (lb?.localityLbSetting) {
    m.warn(MESSAGE_CODES.FIELD_IGNORED, o.key, `${o.path}.localityLbSetting`, 'locality load balancing (distribute/failover) is not yet supported by weft\'s proxy; endpoints are balanced by weight across localities');
  }
  const simple = lb?.simple;
  if (o.grpc) {
    // ROUND_ROBIN is lb_policy's zero value: left out in the canonical shape.
    if (simple && simple !== 'ROUND_ROBIN' && simple !== 'UNSPECIFIED') {
      m.info(MESSAGE_CODES.FIELD_IGNORED, o.key, `${o.path}.simple`, `proxyless gRPC supports ROUND_ROBIN and consistent hashing only; ${simple} is sent as ROUND_ROBIN`);
    }
  } else {
    switch (simple) {
      case 'ROUND_ROBIN':
        delete c.lb_policy;
        break;
      case 'RANDOM':
        c.lb_policy = 'RANDOM';
        break;
      case 'PASSTHROUGH':
        m.warn(MESSAGE_CODES.PASSTHROUGH_LB_UNSUPPORTED, o.key, `${o.path}.simple`, 'PASSTHROUGH needs ORIGINAL_DST clusters, which weft\'s proxy does not support; LEAST_REQUEST over the registry\'s endpoints is used');
        c.lb_policy = 'LEAST_REQUEST';
        break;
      default:
        // LEAST_CONN, LEAST_REQUEST, UNSPECIFIED and unset: Istio's default.
        c.lb_policy = 'LEAST_REQUEST';
    }
  }
  const ch = lb?.consistentHash;
  applySlowStart(c, lb, ch !== undefined, m, o);
  if (!ch) return;
  if (ch.maglev && !o.grpc) {
    c.lb_policy = 'MAGLEV';
    if (ch.maglev.tableSize) c.maglev_lb_config = { table_size: { value: ch.maglev.tableSize } };
    return;
  }
  c.lb_policy = 'RING_HASH';
  if (ch.ringHash) {
    if (ch.ringHash.minimumRingSize) c.ring_hash_lb_config = { minimum_ring_size: { value: ch.ringHash.minimumRingSize } };
    return;
  }
  if (ch.maglev && o.grpc) {
    m.info(MESSAGE_CODES.FIELD_IGNORED, o.key, `${o.path}.consistentHash.maglev`, 'proxyless gRPC has no MAGLEV; RING_HASH is used');
  }
  c.ring_hash_lb_config = { minimum_ring_size: { value: ch.minimumRingSize || TRANSLATE_DEFAULTS.minimumRingSize } };
}

/** loadBalancer.warmup / warmupDurationSecs → slow_start_config of the ROUND_ROBIN or LEAST_REQUEST config (as Istio's setWarmup). */
function applySlowStart(c: envoy_config_cluster_v3_Cluster, lb: LoadBalancerSettings | undefined, hashed: boolean, m: MessageCollector, o: LbOptions): void {
  const w = lb?.warmup;
  const window = duration(w?.duration ?? lb?.warmupDurationSecs);
  if (!window) return;
  const path = `${o.path}.${w ? 'warmup' : 'warmupDurationSecs'}`;
  const policy = c.lb_policy ?? 'ROUND_ROBIN';
  if (o.grpc || hashed || (policy !== 'ROUND_ROBIN' && policy !== 'LEAST_REQUEST')) {
    m.info(MESSAGE_CODES.FIELD_IGNORED, o.key, path, `warmup (slow start) applies to ROUND_ROBIN and LEAST_REQUEST only; ${o.grpc ? 'proxyless gRPC has no slow start' : `this cluster uses ${hashed ? 'consistent hashing' : policy}`}`);
    return;
  }
  const slow_start_config: envoy_config_cluster_v3_Cluster_SlowStartConfig = w
    ? {
        slow_start_window: window,
        // Envoy requires a runtime key; Istio sets a fixed one that names no runtime value.
        aggression: { default_value: w.aggression ?? TRANSLATE_DEFAULTS.slowStartAggression, runtime_key: TRANSLATE_DEFAULTS.slowStartRuntimeKey },
        min_weight_percent: { value: w.minimumPercent ?? TRANSLATE_DEFAULTS.slowStartMinWeightPercent },
      }
    : { slow_start_window: window };
  if (policy === 'ROUND_ROBIN') c.round_robin_lb_config = { ...c.round_robin_lb_config, slow_start_config };
  else c.least_request_lb_config = { ...c.least_request_lb_config, slow_start_config };
}
