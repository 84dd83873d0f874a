// DestinationRule loadBalancer → cluster lb_policy and its config, as Istio's
// applyLoadBalancer: LEAST_REQUEST by default (Istio's default since 1.14),
// LEAST_CONN is LEAST_REQUEST, consistentHash picks RING_HASH (or MAGLEV) and
// its hash key goes on the routes (see hash-policy.ts).
import type { LoadBalancerSettings } from '../../api/networking.js';
import type { ClusterDraft } from './cluster-draft.js';
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
  if (lb?.warmupDurationSecs !== undefined) {
    m.warn(MESSAGE_CODES.FIELD_IGNORED, o.key, `${o.path}.warmupDurationSecs`, 'slow start (warmupDurationSecs) is not yet supported by weft\'s proxy');
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
