// A scope is a name prefix plus the set of stats looked up through it, so a
// cluster or listener can drop its stats when it goes away. Stats are shared by
// name: a new cluster config with the same name gets the same counters (values
// continue), and a stat leaves the store only when every scope that looked it
// up has been removed. Objects stay valid after removal; they are simply no
// longer reported.
import type { Counter } from './counter.js';
import type { Gauge, GaugeImportMode } from './gauge.js';
import type { Histogram, HistogramUnit } from './histogram.js';

export type AnyStat = Counter | Gauge | Histogram;

/**
 * What a Scope needs from the store (implemented by StatsStore). acquire*
 * returns the stored stat (creating it with no references) or, when `holder`
 * is removed, a detached object that is never stored.
 */
export interface StatRegistry {
  acquireCounter(holder: Scope, name: string): Counter;
  acquireGauge(holder: Scope, name: string, mode: GaugeImportMode): Gauge;
  acquireHistogram(holder: Scope, name: string, unit: HistogramUnit): Histogram;
  acquireLabeledCounter(holder: Scope, promName: string, labels: Readonly<Record<string, string>>): Counter;
  acquireLabeledGauge(holder: Scope, promName: string, labels: Readonly<Record<string, string>>, mode: GaugeImportMode): Gauge;
  acquireLabeledHistogram(holder: Scope, promName: string, labels: Readonly<Record<string, string>>, unit: HistogramUnit, bounds?: readonly number[]): Histogram;
  /** Adds one reference to a stored `stat` (a scope's first lookup of it). */
  retain(stat: AnyStat): void;
  /** Drops one reference to `stat`, held by a scope being removed. */
  release(stat: AnyStat): void;
}

/** Appends the '.' that separates a scope prefix from the names under it. */
export function normalizePrefix(prefix: string): string {
  return prefix === '' || prefix.endsWith('.') ? prefix : prefix + '.';
}

export class Scope {
  /** Stats this scope holds a reference to (each once). */
  private readonly held = new Set<AnyStat>();
  private readonly children = new Set<Scope>();
  private removedFlag = false;

  /** Created by StatsStore.scope() or Scope.scope(); not directly. */
  constructor(
    private readonly registry: StatRegistry,
    /** Full prefix including the trailing '.', e.g. `cluster.foo.`; '' for the root. */
    readonly prefix: string,
    private readonly parent: Scope | null,
  ) {}

  /** The counter `prefix + name`, created at 0 if new. Call at config time and keep the object. */
  counter(name: string): Counter {
    return this.hold(this.registry.acquireCounter(this, this.prefix + name));
  }

  /** The gauge `prefix + name`. The import mode of an existing gauge is kept. */
  gauge(name: string, importMode: GaugeImportMode = 'accumulate'): Gauge {
    return this.hold(this.registry.acquireGauge(this, this.prefix + name, importMode));
  }

  /** The histogram `prefix + name`. */
  histogram(name: string, unit: HistogramUnit = 'unspecified'): Histogram {
    return this.hold(this.registry.acquireHistogram(this, this.prefix + name, unit));
  }

  /**
   * A counter shown on /stats/prometheus as `promName{labels}` exactly (no
   * `envoy_` prefix, no tag extraction), e.g. `istio_requests_total`. The
   * scope's prefix does not apply; the scope only owns its lifetime.
   */
  labeledCounter(promName: string, labels: Readonly<Record<string, string>>): Counter {
    return this.hold(this.registry.acquireLabeledCounter(this, promName, labels));
  }

  labeledGauge(promName: string, labels: Readonly<Record<string, string>>, importMode: GaugeImportMode = 'accumulate'): Gauge {
    return this.hold(this.registry.acquireLabeledGauge(this, promName, labels, importMode));
  }

  /** `bounds`: the family's own buckets (e.g. Istio's control plane histograms, in seconds); the store's rule otherwise. */
  labeledHistogram(promName: string, labels: Readonly<Record<string, string>>, unit: HistogramUnit = 'unspecified', bounds?: readonly number[]): Histogram {
    return this.hold(this.registry.acquireLabeledHistogram(this, promName, labels, unit, bounds));
  }

  /** A child scope whose prefix is this prefix + `name` (a trailing '.' is added if missing). */
  scope(name: string): Scope {
    const child = new Scope(this.registry, this.prefix + normalizePrefix(name), this);
    if (!this.removedFlag) this.children.add(child);
    else child.removedFlag = true;
    return child;
  }

  /**
   * Releases every stat looked up through this scope and its children. Stats no
   * other scope holds disappear from the store and from the output. Idempotent.
   */
  remove(): void {
    if (this.removedFlag) return;
    this.removedFlag = true;
    for (const c of this.children) c.remove();
    this.children.clear();
    for (const s of this.held) this.registry.release(s);
    this.held.clear();
    this.parent?.children.delete(this);
  }

  /** After remove(), lookups still return working objects, but they are not stored or reported. */
  get removed(): boolean {
    return this.removedFlag;
  }

  private hold<T extends AnyStat>(stat: T): T {
    if (!this.removedFlag && !this.held.has(stat)) {
      this.held.add(stat);
      this.registry.retain(stat);
    }
    return stat;
  }
}
