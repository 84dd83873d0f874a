// DestinationRule outlierDetection → cluster outlier_detection, as Istio's
// applyOutlierDetection: success-rate ejection off, each configured
// consecutive-error detector enforced at 100%, and the panic threshold set to
// minHealthPercent (0 by default: Kubernetes services often have few pods).
import type { OutlierDetection } from '../../api/networking.js';
import type { envoy_config_cluster_v3_OutlierDetection } from '../../xds/gen/types.js';
import type { ClusterDraft } from './cluster-draft.js';
import { duration } from './proto-helpers.js';

export function applyOutlierDetection(d: ClusterDraft, od: OutlierDetection | undefined): void {
  if (!od) return;
  const out: envoy_config_cluster_v3_OutlierDetection = { enforcing_success_rate: { value: 0 } };
  // Deprecated consecutiveErrors (Istio ≤ 1.4) counted gateway errors only (istio/api#617).
  if ((od.consecutiveErrors ?? 0) > 0) {
    out.consecutive_gateway_failure = { value: od.consecutiveErrors! };
    out.enforcing_consecutive_gateway_failure = { value: 100 };
    out.enforcing_consecutive_5xx = { value: 0 };
  }
  if (od.consecutive5xxErrors !== undefined) {
    out.consecutive_5xx = { value: od.consecutive5xxErrors };
    out.enforcing_consecutive_5xx = { value: od.consecutive5xxErrors > 0 ? 100 : 0 };
  }
  if (od.consecutiveGatewayErrors !== undefined) {
    out.consecutive_gateway_failure = { value: od.consecutiveGatewayErrors };
    out.enforcing_consecutive_gateway_failure = { value: od.consecutiveGatewayErrors > 0 ? 100 : 0 };
  }
  const interval = duration(od.interval);
  if (interval) out.interval = interval;
  const base = duration(od.baseEjectionTime);
  if (base) out.base_ejection_time = base;
  if ((od.maxEjectionPercent ?? 0) > 0) out.max_ejection_percent = { value: od.maxEjectionPercent! };
  if (od.splitExternalLocalOriginErrors) {
    out.split_external_local_origin_errors = true;
    if ((od.consecutiveLocalOriginFailures ?? 0) > 0) {
      out.consecutive_local_origin_failure = { value: od.consecutiveLocalOriginFailures! };
      out.enforcing_consecutive_local_origin_failure = { value: 100 };
    }
    out.enforcing_local_origin_success_rate = { value: 0 };
  }
  d.cluster.outlier_detection = out;
  const min = od.minHealthPercent ?? 0;
  // envoy.type.v3.Percent: a 0 value is the proto default, so the canonical shape is {}.
  d.cluster.common_lb_config = { ...(d.cluster.common_lb_config ?? {}), healthy_panic_threshold: min > 0 ? { value: min } : {} };
}
