// The traffic policy that applies to one cluster, merged as Istio merges it
// (MergeSubsetTrafficPolicy): port-level settings replace a policy for their
// port without inheriting from it (omitted parts fall back to defaults); a
// subset's policy then overrides the destination's part by part
// (connectionPool, outlierDetection, loadBalancer, tls), and when the subset
// has port-level settings for the port they replace all four parts.
import type { DestinationRuleSpec, PortTrafficPolicy, Subset, TrafficPolicy } from '../../api/networking.js';

/** The parts of a TrafficPolicy a cluster uses (portLevelSettings resolved away). */
export type EffectivePolicy = Omit<TrafficPolicy, 'portLevelSettings'>;

/** The effective policy for `port` and optional `subset` of a DestinationRule. */
export function effectiveTrafficPolicy(dr: DestinationRuleSpec | undefined, port: number, subset: Subset | undefined): EffectivePolicy | undefined {
  const top = forPort(dr?.trafficPolicy, port);
  if (!subset?.trafficPolicy) return top.policy;
  const sub = forPort(subset.trafficPolicy, port);
  const s = sub.policy ?? {};
  const merged: EffectivePolicy = { ...(top.policy ?? {}) };
  for (const part of ['connectionPool', 'outlierDetection', 'loadBalancer', 'tls'] as const) {
    if (s[part] !== undefined || sub.portLevel) {
      if (s[part] === undefined) delete merged[part];
      else (merged as Record<string, unknown>)[part] = s[part];
    }
  }
  return merged;
}

/** A policy's own parts, or its port-level settings for `port` (which do not inherit). */
function forPort(p: TrafficPolicy | undefined, port: number): { policy: EffectivePolicy | undefined; portLevel: boolean } {
  if (!p) return { policy: undefined, portLevel: false };
  const { portLevelSettings, ...rest } = p;
  const pls = portLevelSettings?.find((s) => s.port?.number === port);
  return pls ? { policy: portOnly(pls), portLevel: true } : { policy: rest, portLevel: false };
}

function portOnly(p: PortTrafficPolicy): EffectivePolicy {
  return {
    ...(p.connectionPool ? { connectionPool: p.connectionPool } : {}),
    ...(p.outlierDetection ? { outlierDetection: p.outlierDetection } : {}),
    ...(p.loadBalancer ? { loadBalancer: p.loadBalancer } : {}),
    ...(p.tls ? { tls: p.tls } : {}),
  };
}

type Part = 'connectionPool' | 'outlierDetection' | 'loadBalancer' | 'tls';

/**
 * Field path of the policy a part of the effective policy came from, so a
 * message names what the user wrote (one message for a top-level setting that
 * every subset inherits, not one per subset).
 */
export function policyPartPath(dr: DestinationRuleSpec | undefined, port: number, subset: Subset | undefined, subsetIndex: number, part: Part): string {
  if (subset?.trafficPolicy) {
    const j = subset.trafficPolicy.portLevelSettings?.findIndex((p) => p.port?.number === port) ?? -1;
    if (j >= 0) return `spec.subsets[${subsetIndex}].trafficPolicy.portLevelSettings[${j}].${part}`;
    if (subset.trafficPolicy[part] !== undefined) return `spec.subsets[${subsetIndex}].trafficPolicy.${part}`;
  }
  const j = dr?.trafficPolicy?.portLevelSettings?.findIndex((p) => p.port?.number === port) ?? -1;
  if (j >= 0) return `spec.trafficPolicy.portLevelSettings[${j}].${part}`;
  return `spec.trafficPolicy.${part}`;
}
