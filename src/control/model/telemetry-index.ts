// Telemetry lookup: which Telemetry objects apply to a workload, as Istio's
// applicableTelemetries (pilot/pkg/model/telemetry.go) picks them:
//   - root: the oldest Telemetry without selector in the root namespace;
//   - namespace: the oldest one without selector in the workload's namespace
//     (none when the workload is in the root namespace);
//   - workload: the oldest one in the workload's namespace whose
//     selector.matchLabels all match (selectors in the root namespace select
//     workloads of the root namespace only).
// The merge of what they say (later scopes override earlier ones) is the
// translator's (src/control/translate/telemetry-*.ts): it depends on the
// listener's side (client or server).
import type { Telemetry } from '../../api/telemetry.js';
import { namespaceOf } from './config-key.js';
import { hasSelectorLabels, selectorMatches } from './labels.js';

/** A Telemetry with its "Kind name.namespace" key. */
export interface KeyedTelemetry {
  readonly obj: Telemetry;
  readonly key: string;
}

/** The Telemetries of one workload, widest scope first (Istio's order of precedence: later wins). */
export interface ApplicableTelemetry {
  readonly root?: KeyedTelemetry | undefined;
  readonly namespace?: KeyedTelemetry | undefined;
  readonly workload?: KeyedTelemetry | undefined;
}

export const NO_TELEMETRY: ApplicableTelemetry = Object.freeze({});

/** The applicable Telemetries, widest first, as a list. */
export function telemetryChain(a: ApplicableTelemetry): KeyedTelemetry[] {
  return [a.root, a.namespace, a.workload].filter((t): t is KeyedTelemetry => t !== undefined);
}

interface NamespaceTelemetries {
  wide?: KeyedTelemetry;
  selecting: KeyedTelemetry[];
}

export class TelemetryIndex {
  private readonly byNamespace = new Map<string, NamespaceTelemetries>();
  private readonly memo = new Map<string, ApplicableTelemetry>();

  /** `items` oldest first. */
  constructor(items: readonly KeyedTelemetry[], private readonly rootNamespace: string) {
    for (const it of items) {
      const ns = namespaceOf(it.obj);
      let e = this.byNamespace.get(ns);
      if (!e) {
        e = { selecting: [] };
        this.byNamespace.set(ns, e);
      }
      if (!hasSelectorLabels(it.obj.spec?.selector?.matchLabels)) e.wide ??= it;
      else e.selecting.push(it);
    }
  }

  get isEmpty(): boolean {
    return this.byNamespace.size === 0;
  }

  /** The Telemetries that apply to a workload (memoized per namespace and label set). */
  forWorkload(namespace: string, labels: Readonly<Record<string, string>>): ApplicableTelemetry {
    if (this.isEmpty) return NO_TELEMETRY;
    const key = `${namespace}\u0000${JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))}`;
    let hit = this.memo.get(key);
    if (!hit) {
      const own = this.byNamespace.get(namespace);
      hit = Object.freeze({
        root: this.byNamespace.get(this.rootNamespace)?.wide,
        namespace: namespace === this.rootNamespace ? undefined : own?.wide,
        workload: own?.selecting.find((t) => selectorMatches(t.obj.spec?.selector?.matchLabels, labels)),
      });
      this.memo.set(key, hit);
    }
    return hit;
  }
}
