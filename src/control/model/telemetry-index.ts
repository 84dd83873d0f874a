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
import { ScopedObjects, workloadKey } from './scoped-objects.js';

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

export class TelemetryIndex {
  private readonly scoped: ScopedObjects<KeyedTelemetry>;
  private readonly memo = new Map<string, ApplicableTelemetry>();

  /** `items` oldest first. */
  constructor(items: readonly KeyedTelemetry[], private readonly rootNamespace: string) {
    this.scoped = new ScopedObjects(items);
  }

  /** The Telemetries that apply to a workload (memoized per namespace and label set). */
  forWorkload(namespace: string, labels: Readonly<Record<string, string>>): ApplicableTelemetry {
    if (this.scoped.isEmpty) return NO_TELEMETRY;
    const key = workloadKey(namespace, labels);
    let hit = this.memo.get(key);
    if (!hit) {
      hit = Object.freeze({
        root: this.scoped.wide(this.rootNamespace),
        namespace: namespace === this.rootNamespace ? undefined : this.scoped.wide(namespace),
        workload: this.scoped.selecting(namespace, labels),
      });
      this.memo.set(key, hit);
    }
    return hit;
  }
}
