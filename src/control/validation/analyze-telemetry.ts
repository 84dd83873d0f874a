// Analyzers for Telemetry, as istioctl analyze's telemetry analyzers:
// several Telemetries without selector in one namespace (Istio's
// MultipleTelemetriesWithoutWorkloadSelectors, IST0160) and several whose
// selectors pick the same workload (ConflictingTelemetryWorkloadSelectors,
// IST0159). weft, like Istio's control plane, applies only the oldest one;
// the finding says which.
import type { Telemetry } from '../../api/telemetry.js';
import { hasSelectorLabels, selectorMatches } from '../model/labels.js';
import type { AcceptedObject, AnalysisIndex, AnalysisRegistry } from './analysis-index.js';
import { labelText, reporterFor, workloadsIn } from './analyze-networking.js';
import type { ValidationMessage } from './message.js';

export function analyzeTelemetries(index: AnalysisIndex, registry: AnalysisRegistry | undefined): ValidationMessage[] {
  const out: ValidationMessage[] = [];
  const byNs = new Map<string, AcceptedObject<Telemetry>[]>();
  for (const t of index.telemetries) byNs.set(t.namespace, [...(byNs.get(t.namespace) ?? []), t]);
  for (const [ns, list] of byNs) {
    const wide = list.filter((t) => !hasSelectorLabels(t.obj.spec?.selector?.matchLabels));
    if (wide.length > 1) {
      for (const t of wide) {
        const r = reporterFor(t);
        r.report('WEFT0340', 'metadata.name', `${wide.map((x) => x.key).join(', ')} have no workload selector in namespace ${ns}: only the oldest, ${wide[0]!.key}, applies`);
        out.push(...r.messages);
      }
    }
    const selecting = list.filter((t) => hasSelectorLabels(t.obj.spec?.selector?.matchLabels));
    const workloads = workloadsIn(ns, index, registry);
    const claimed = new Map<string, AcceptedObject<Telemetry>>();
    for (const t of selecting) {
      const r = reporterFor(t);
      const sel = t.obj.spec.selector?.matchLabels ?? {};
      const matched = workloads.filter((w) => selectorMatches(sel, w.labels));
      if (matched.length === 0 && workloads.length > 0) r.report('WEFT0314', 'spec.selector.matchLabels', `selector ${labelText(sel)} selects no known workload in namespace ${ns}`);
      for (const w of matched) {
        const prev = claimed.get(w.name);
        if (prev) r.report('WEFT0341', 'spec.selector.matchLabels', `${prev.key} and ${t.key} both select workload ${w.name}: only the oldest, ${prev.key}, applies`);
        else claimed.set(w.name, t);
      }
      out.push(...r.messages);
    }
  }
  return out;
}
