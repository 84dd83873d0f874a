// Rewrites deprecated 1.4-era fields into the fields that replaced them, the
// way Istio applies them, so translators only ever see the current API.
// The warnings themselves come from the schema (WEFT02xx); this runs on the
// cleaned, valid spec.
//   fault.delay.percent: N           → fault.delay.percentage.value: N
//   mirrorPercent: N                  → mirrorPercentage.value: N
//   corsPolicy.allowOrigin: [o]       → corsPolicy.allowOrigins: [{exact: o}]
//   outlierDetection.consecutiveErrors: N
//                                     → consecutiveGatewayErrors: N, consecutive5xxErrors: 0
//     (Istio 1.1+ ejects on gateway errors only for this field: 502/503/504 and
//      connection failures, with 5xx ejection switched off)
//   consistentHash.minimumRingSize: N → consistentHash.ringHash.minimumRingSize: N
import type { HTTPRoute, LoadBalancerSettings, OutlierDetection, TrafficPolicy } from '../../api/networking.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function normalizeVirtualService(spec: { http?: HTTPRoute[] }): void {
  for (const h of spec.http ?? []) {
    if (!h) continue;
    const delay = h.fault?.delay;
    if (delay && delay.percent !== undefined) {
      if (delay.percentage === undefined) delay.percentage = { value: delay.percent };
      delete delay.percent;
    }
    if (h.mirrorPercent !== undefined) {
      if (h.mirrorPercentage === undefined) h.mirrorPercentage = { value: h.mirrorPercent };
      delete h.mirrorPercent;
    }
    const cors = h.corsPolicy;
    if (cors?.allowOrigin) {
      cors.allowOrigins = [...(cors.allowOrigins ?? []), ...cors.allowOrigin.map((o) => ({ exact: o }))];
      delete cors.allowOrigin;
    }
  }
}

export function normalizeDestinationRule(spec: { trafficPolicy?: TrafficPolicy; subsets?: { trafficPolicy?: TrafficPolicy }[] }): void {
  normalizeTrafficPolicy(spec.trafficPolicy);
  for (const s of spec.subsets ?? []) if (s) normalizeTrafficPolicy(s.trafficPolicy);
}

function normalizeTrafficPolicy(tp: TrafficPolicy | undefined): void {
  if (!tp) return;
  normalizeOutlier(tp.outlierDetection);
  normalizeLb(tp.loadBalancer);
  for (const pl of tp.portLevelSettings ?? []) {
    if (!pl) continue;
    normalizeOutlier(pl.outlierDetection);
    normalizeLb(pl.loadBalancer);
  }
}

function normalizeOutlier(o: Mutable<OutlierDetection> | undefined): void {
  if (!o || o.consecutiveErrors === undefined) return;
  if (o.consecutiveErrors > 0) {
    o.consecutiveGatewayErrors ??= o.consecutiveErrors;
    o.consecutive5xxErrors ??= 0;
  }
  delete o.consecutiveErrors;
}

function normalizeLb(lb: LoadBalancerSettings | undefined): void {
  const ch = lb?.consistentHash;
  if (!ch || ch.minimumRingSize === undefined) return;
  if (!ch.ringHash && !ch.maglev) ch.ringHash = { minimumRingSize: ch.minimumRingSize };
  delete ch.minimumRingSize;
}
