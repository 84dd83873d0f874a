// stats.PluginConfig `metrics` (from the Telemetry API's metrics overrides),
// compiled once per filter config into a plan per HTTP metric: dropped or
// not, labels removed, labels added or given new values. Expressions shared
// by several metrics are evaluated once per request (`values`); each plan
// refers to them by index.
import type { MetricOverride } from './decode.js';
import { METRICS } from './defaults.js';
import { TagValue } from './tag-expression.js';

export interface MetricPlan {
  readonly drop: boolean;
  readonly remove: ReadonlySet<string>;
  /** Label → index into HttpMetricPlans.values, in config order. */
  readonly dims: readonly (readonly [string, number])[];
}

type HttpMetricKey = 'requestsTotal' | 'requestDuration' | 'requestBytes' | 'responseBytes' | 'requestMessages' | 'responseMessages';
const HTTP_METRICS: readonly HttpMetricKey[] = ['requestsTotal', 'requestDuration', 'requestBytes', 'responseBytes', 'requestMessages', 'responseMessages'];

export interface HttpMetricPlans {
  readonly byMetric: Readonly<Record<HttpMetricKey, MetricPlan>>;
  /** Every distinct expression, evaluated once per request when non-empty. */
  readonly values: readonly TagValue[];
}

const PLAIN: MetricPlan = Object.freeze({ drop: false, remove: new Set<string>(), dims: [] });

/** Applies `overrides` in order (a later entry wins for the same metric and label; a drop is final), as istio/proxy's stats filter. */
export function planMetrics(overrides: readonly MetricOverride[]): HttpMetricPlans {
  const values: TagValue[] = [];
  const byExpr = new Map<string, number>();
  const indexOf = (o: MetricOverride, label: string): number => {
    const expr = o.dimensions.find(([l]) => l === label)![1];
    const id = expr.kind === 'literal' ? `'${expr.value}` : expr.name;
    let i = byExpr.get(id);
    if (i === undefined) {
      i = values.length;
      values.push(new TagValue(expr));
      byExpr.set(id, i);
    }
    return i;
  };
  const byMetric = {} as Record<HttpMetricKey, MetricPlan>;
  for (const m of HTTP_METRICS) {
    const short = METRICS[m].slice('istio_'.length);
    let drop = false;
    const remove = new Set<string>();
    const dims = new Map<string, number>();
    let touched = false;
    for (const o of overrides) {
      if (o.name !== '' && o.name !== short) continue;
      touched = true;
      // As istio/proxy's stats filter: an entry with drop removes the metric; later entries do not bring it back.
      if (o.drop) {
        drop = true;
        continue;
      }
      for (const t of o.tagsToRemove) {
        remove.add(t);
        dims.delete(t);
      }
      for (const [label] of o.dimensions) {
        remove.delete(label);
        dims.set(label, indexOf(o, label));
      }
    }
    byMetric[m] = touched ? { drop, remove, dims: [...dims] } : PLAIN;
  }
  return { byMetric, values };
}

/** `base` (Istio's labels, in order) with a plan's changes: new values in place, added labels last, removed labels gone. */
export function withOverrides(base: Readonly<Record<string, string>>, plan: MetricPlan, values: readonly string[]): Record<string, string> {
  if (plan === PLAIN) return base as Record<string, string>;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (!plan.remove.has(k)) out[k] = v;
  for (const [label, i] of plan.dims) out[label] = values[i]!;
  return out;
}
