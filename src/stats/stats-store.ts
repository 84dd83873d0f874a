// The process-wide registry of stats. Lookups by name happen at config time;
// the hot path keeps the returned objects. Rendering (/stats, JSON,
// Prometheus) reads the store; see render-*.ts.
import { Counter } from './counter.js';
import { DEFAULT_HISTOGRAM_BUCKETS } from './defaults.js';
import { Gauge, type GaugeImportMode } from './gauge.js';
import { Histogram, type HistogramUnit } from './histogram.js';
import { Scope, normalizePrefix, type AnyStat, type StatRegistry } from './scope.js';
import { envoyStatMeta, labeledStatMeta, type StatMeta } from './stat-meta.js';
import { defaultTagProducer, type TagProducer } from './tag-producer.js';

export type StatKind = 'counter' | 'gauge' | 'histogram';

export interface StatsStoreOptions {
  /** Tag extraction for Envoy-named stats (bootstrap `stats_config`); Envoy's defaults when unset. */
  tagProducer?: TagProducer;
  /** Bucket bounds for a histogram by full name (`histogram_bucket_settings`); DEFAULT_HISTOGRAM_BUCKETS when undefined. */
  histogramBuckets?: (name: string) => readonly number[] | undefined;
  /**
   * Which stats to keep, by /stats name (`stats_config.stats_matcher`). A
   * rejected stat is still returned as a working object, but it is never
   * stored or shown.
   */
  acceptStat?: (name: string) => boolean;
}

interface Entry {
  readonly kind: StatKind;
  readonly stat: AnyStat;
  refs: number;
}

export class StatsStore implements StatRegistry {
  readonly tagProducer: TagProducer;
  /** Stats looked up directly on the store; never removed. */
  private readonly root: Scope;
  private readonly entries = new Map<string, Entry>();
  /** Kind of each labeled metric family, so one family never mixes types. */
  private readonly labeledFamilies = new Map<string, StatKind>();
  private readonly bucketsFor: (name: string) => readonly number[] | undefined;
  private readonly accept: (name: string) => boolean;

  constructor(opts: StatsStoreOptions = {}) {
    this.tagProducer = opts.tagProducer ?? defaultTagProducer();
    this.bucketsFor = opts.histogramBuckets ?? (() => undefined);
    this.accept = opts.acceptStat ?? (() => true);
    this.root = new Scope(this, '', null);
  }

  // --- lookups (config time) ---

  /** The counter `name`, created at 0 if new; lives as long as the store. */
  counter(name: string): Counter {
    return this.root.counter(name);
  }

  gauge(name: string, importMode: GaugeImportMode = 'accumulate'): Gauge {
    return this.root.gauge(name, importMode);
  }

  histogram(name: string, unit: HistogramUnit = 'unspecified'): Histogram {
    return this.root.histogram(name, unit);
  }

  /** See Scope.labeledCounter. */
  labeledCounter(promName: string, labels: Readonly<Record<string, string>>): Counter {
    return this.root.labeledCounter(promName, labels);
  }

  labeledGauge(promName: string, labels: Readonly<Record<string, string>>, importMode: GaugeImportMode = 'accumulate'): Gauge {
    return this.root.labeledGauge(promName, labels, importMode);
  }

  /** See Scope.labeledHistogram. */
  labeledHistogram(promName: string, labels: Readonly<Record<string, string>>, unit: HistogramUnit = 'unspecified', bounds?: readonly number[]): Histogram {
    return this.root.labeledHistogram(promName, labels, unit, bounds);
  }

  /**
   * A removable scope for one owner (a cluster, a listener, a filter instance):
   * `store.scope('cluster.foo')` prefixes names with `cluster.foo.`; call
   * remove() when the owner goes away.
   */
  scope(prefix: string): Scope {
    return this.root.scope(normalizePrefix(prefix));
  }

  // --- reads (admin, tests) ---

  findCounter(name: string): Counter | undefined {
    const e = this.entries.get(name);
    return e?.kind === 'counter' ? (e.stat as Counter) : undefined;
  }

  findGauge(name: string): Gauge | undefined {
    const e = this.entries.get(name);
    return e?.kind === 'gauge' ? (e.stat as Gauge) : undefined;
  }

  findHistogram(name: string): Histogram | undefined {
    const e = this.entries.get(name);
    return e?.kind === 'histogram' ? (e.stat as Histogram) : undefined;
  }

  /** Stored counters, in no particular order. */
  counters(): Counter[] {
    return this.ofKind<Counter>('counter');
  }

  gauges(): Gauge[] {
    return this.ofKind<Gauge>('gauge');
  }

  histograms(): Histogram[] {
    return this.ofKind<Histogram>('histogram');
  }

  /** Number of stored stats (all kinds). */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Ends a stats interval: counters remember their value (for deltas) and
   * histograms close their interval quantiles. Call every stats flush interval.
   */
  flush(): void {
    for (const e of this.entries.values()) {
      if (e.kind === 'counter') (e.stat as Counter).flushedValue = (e.stat as Counter).value;
      else if (e.kind === 'histogram') (e.stat as Histogram).flush();
    }
  }

  // --- StatRegistry (used by Scope) ---

  acquireCounter(holder: Scope, name: string): Counter {
    return this.acquire(holder, name, 'counter', () => new Counter(envoyStatMeta(name, this.tagProducer)));
  }

  acquireGauge(holder: Scope, name: string, mode: GaugeImportMode): Gauge {
    return this.acquire(holder, name, 'gauge', () => new Gauge(envoyStatMeta(name, this.tagProducer), mode));
  }

  acquireHistogram(holder: Scope, name: string, unit: HistogramUnit): Histogram {
    return this.acquire(holder, name, 'histogram', () => this.newHistogram(envoyStatMeta(name, this.tagProducer), unit));
  }

  acquireLabeledCounter(holder: Scope, promName: string, labels: Readonly<Record<string, string>>): Counter {
    const meta = this.labeledMeta(promName, labels, 'counter');
    return this.acquire(holder, meta.name, 'counter', () => new Counter(meta));
  }

  acquireLabeledGauge(holder: Scope, promName: string, labels: Readonly<Record<string, string>>, mode: GaugeImportMode): Gauge {
    const meta = this.labeledMeta(promName, labels, 'gauge');
    return this.acquire(holder, meta.name, 'gauge', () => new Gauge(meta, mode));
  }

  acquireLabeledHistogram(holder: Scope, promName: string, labels: Readonly<Record<string, string>>, unit: HistogramUnit, bounds?: readonly number[]): Histogram {
    const meta = this.labeledMeta(promName, labels, 'histogram');
    return this.acquire(holder, meta.name, 'histogram', () => (bounds ? new Histogram(meta, unit, bounds) : this.newHistogram(meta, unit)));
  }

  retain(stat: AnyStat): void {
    const e = this.entries.get(stat.meta.name);
    if (e && e.stat === stat) e.refs++;
  }

  release(stat: AnyStat): void {
    const e = this.entries.get(stat.meta.name);
    if (!e || e.stat !== stat) return;
    if (--e.refs <= 0) this.entries.delete(stat.meta.name);
  }

  // --- internals ---

  private acquire<T extends AnyStat>(holder: Scope, name: string, kind: StatKind, create: () => T): T {
    const e = this.entries.get(name);
    if (e) {
      if (e.kind !== kind) throw new Error(`stat '${name}' already exists as a ${e.kind}, cannot use it as a ${kind}`);
      return e.stat as T;
    }
    const stat = create();
    if (holder.removed || !this.accept(name)) return stat;
    this.entries.set(name, { kind, stat, refs: 0 });
    return stat;
  }

  private newHistogram(meta: StatMeta, unit: HistogramUnit): Histogram {
    return new Histogram(meta, unit, this.bucketsFor(meta.name) ?? DEFAULT_HISTOGRAM_BUCKETS);
  }

  private labeledMeta(promName: string, labels: Readonly<Record<string, string>>, kind: StatKind): StatMeta {
    const meta = labeledStatMeta(promName, labels);
    if (meta.promName === '' || /^[0-9]/.test(meta.promName)) throw new Error(`'${promName}' is not a valid Prometheus metric name`);
    const known = this.labeledFamilies.get(meta.promName);
    if (known && known !== kind) throw new Error(`metric family '${meta.promName}' is already a ${known}, cannot add a ${kind}`);
    this.labeledFamilies.set(meta.promName, kind);
    return meta;
  }

  private ofKind<T extends AnyStat>(kind: StatKind): T[] {
    const out: T[] = [];
    for (const e of this.entries.values()) if (e.kind === kind) out.push(e.stat as T);
    return out;
  }
}
