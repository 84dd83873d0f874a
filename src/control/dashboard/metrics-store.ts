// The embedded metrics store: scraped samples of every series for a bounded
// window, in memory. Each series keeps its samples in two Float64Arrays
// (time, value) that grow to what the window needs; a staleness marker is a
// flag beside the sample. Bounds: the window (older samples are evicted on
// every append batch), a cap on series (new ones refused and counted), and a
// cap on samples in all (new samples refused and counted until eviction frees
// room). Reads go through the SeriesSource interface the evaluator uses.
// The sample cap is kept by evict(): when the store holds more, the oldest
// samples go first (the window shortens, and status says by how much);
// appends are refused only past a hard ceiling 25% above the cap, which a
// round of scrapes between two evictions cannot normally reach.
import type { LabelMatcher } from './promql/ast.js';
import { matches, type Labels, type SeriesHandle, type SeriesSlice, type SeriesSource } from './promql/values.js';

export interface MetricsStoreLimits {
  readonly windowMs: number;
  readonly maxSeries: number;
  readonly maxSamples: number;
}

/** What the store refused or dropped since it started (GET /api/dashboard/status reports them). */
export interface MetricsStoreCounters {
  /** Samples not stored because the series cap was reached when their series was new. */
  seriesRefused: number;
  /** Samples not stored because the hard ceiling (the sample cap + 25%) was reached between evictions. */
  samplesRefused: number;
  /** Samples refused because they were older than the series' latest (out of order). */
  samplesOutOfOrder: number;
  /** Samples evicted because they left the window, or to keep the sample cap (oldest first). */
  samplesEvicted: number;
  /** Series removed because all their samples left the window. */
  seriesEvicted: number;
}

const INITIAL_CAPACITY = 16;

class StoredSeries {
  ts = new Float64Array(INITIAL_CAPACITY);
  vs = new Float64Array(INITIAL_CAPACITY);
  stale = new Uint8Array(INITIAL_CAPACITY);
  head = 0;
  len = 0;
  constructor(readonly labels: Labels, readonly key: string) {}

  get count(): number {
    return this.len - this.head;
  }

  get lastT(): number {
    return this.len > this.head ? this.ts[this.len - 1]! : -Infinity;
  }

  append(t: number, v: number, stale: boolean): void {
    if (this.len === this.ts.length) {
      const live = this.len - this.head;
      if (this.head > 0 && live <= this.ts.length / 2) {
        this.ts.copyWithin(0, this.head, this.len);
        this.vs.copyWithin(0, this.head, this.len);
        this.stale.copyWithin(0, this.head, this.len);
      } else {
        const cap = Math.max(INITIAL_CAPACITY, live * 2);
        const grow = <T extends Float64Array | Uint8Array>(a: T, make: (n: number) => T): T => {
          const b = make(cap);
          b.set(a.subarray(this.head, this.len));
          return b;
        };
        this.ts = grow(this.ts, (n) => new Float64Array(n));
        this.vs = grow(this.vs, (n) => new Float64Array(n));
        this.stale = grow(this.stale, (n) => new Uint8Array(n));
      }
      this.len = live;
      this.head = 0;
    }
    this.ts[this.len] = t;
    this.vs[this.len] = v;
    this.stale[this.len] = stale ? 1 : 0;
    this.len++;
  }

  /** Drops samples with t < minT; returns how many. */
  evictBefore(minT: number): number {
    let n = 0;
    while (this.head < this.len && this.ts[this.head]! < minT) {
      this.head++;
      n++;
    }
    return n;
  }

  /** Index of the first sample with t > x (binary search). */
  upperBound(x: number): number {
    let lo = this.head;
    let hi = this.len;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ts[mid]! <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function sliceOf(s: StoredSeries, startMs: number, endMs: number): SeriesSlice | undefined {
  const from = s.upperBound(startMs);
  const to = s.upperBound(endMs);
  return to > from ? { labels: s.labels, ts: s.ts, vs: s.vs, stale: s.stale, from, to } : undefined;
}

/** Series identity: the sorted label pairs. */
export function seriesKey(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  let s = '';
  for (const k of keys) s += `${k}\u0000${labels[k]}\u0001`;
  return s;
}

export class MetricsStore implements SeriesSource {
  private readonly series = new Map<string, StoredSeries>();
  /** Metric name → its series (selectors almost always name the metric). */
  private readonly byName = new Map<string, Set<StoredSeries>>();
  private samples = 0;
  /** The window actually kept after the last eviction (shorter than limits.windowMs when the sample cap cut it). */
  private keptWindowMs: number;
  readonly counters: MetricsStoreCounters = { seriesRefused: 0, samplesRefused: 0, samplesOutOfOrder: 0, samplesEvicted: 0, seriesEvicted: 0 };

  constructor(readonly limits: MetricsStoreLimits) {
    this.keptWindowMs = limits.windowMs;
  }

  /** The window the store holds now: the configured one, or less while the sample cap cuts it. */
  get effectiveWindowMs(): number {
    return this.keptWindowMs;
  }

  private get hardCeiling(): number {
    return Math.ceil(this.limits.maxSamples * 1.25);
  }

  get seriesCount(): number {
    return this.series.size;
  }

  get sampleCount(): number {
    return this.samples;
  }

  /**
   * Appends one sample (or, with `stale`, a staleness marker) for the series
   * with `labels` (which must include __name__). Returns the series key, or
   * undefined when it was refused (counted).
   */
  append(labels: Labels, t: number, v: number, stale = false): string | undefined {
    const key = seriesKey(labels);
    let s = this.series.get(key);
    if (!s) {
      if (stale) return undefined;
      if (this.series.size >= this.limits.maxSeries) {
        this.counters.seriesRefused++;
        return undefined;
      }
      s = new StoredSeries(Object.freeze({ ...labels }), key);
      this.series.set(key, s);
      const name = labels.__name__ ?? '';
      let set = this.byName.get(name);
      if (!set) this.byName.set(name, (set = new Set()));
      set.add(s);
    }
    if (t < s.lastT || (t === s.lastT && !stale)) {
      this.counters.samplesOutOfOrder++;
      return key;
    }
    if (this.samples >= this.hardCeiling) {
      this.counters.samplesRefused++;
      return key;
    }
    s.append(t, v, stale);
    this.samples++;
    return key;
  }

  /** Appends a staleness marker to a series known by its key (a target's series that vanished or whose scrape failed). */
  markStale(key: string, t: number): void {
    const s = this.series.get(key);
    if (!s || s.len === s.head || s.stale[s.len - 1] === 1 || t <= s.lastT) return;
    if (this.samples >= this.hardCeiling) {
      this.counters.samplesRefused++;
      return;
    }
    s.append(t, NaN, true);
    this.samples++;
  }

  /**
   * Drops what left the window (samples older than now - windowMs, then
   * series left empty); then, while more than maxSamples remain, the oldest
   * samples, by moving the window's start forward.
   */
  evict(nowMs: number): void {
    let minT = nowMs - this.limits.windowMs;
    this.evictBefore(minT);
    for (let i = 0; i < 32 && this.samples > this.limits.maxSamples; i++) {
      // Assume samples spread evenly from the oldest one to now: cut the share that is over, and a little more.
      const [oldest, newest] = this.timeSpan();
      minT = Math.max(minT, oldest);
      const over = (this.samples - this.limits.maxSamples) / this.samples;
      minT += Math.max(1, (newest - minT) * Math.min(1, over * 1.05));
      this.evictBefore(minT);
    }
    this.keptWindowMs = nowMs - minT;
  }

  /** The oldest and newest sample times held. */
  private timeSpan(): [number, number] {
    let a = Infinity;
    let b = -Infinity;
    for (const s of this.series.values()) {
      if (s.count === 0) continue;
      if (s.ts[s.head]! < a) a = s.ts[s.head]!;
      if (s.lastT > b) b = s.lastT;
    }
    return [a, b];
  }

  private evictBefore(minT: number): void {
    for (const [key, s] of this.series) {
      const n = s.evictBefore(minT);
      if (n) {
        this.samples -= n;
        this.counters.samplesEvicted += n;
      }
      if (s.count === 0) {
        this.series.delete(key);
        const set = this.byName.get(s.labels.__name__ ?? '');
        set?.delete(s);
        if (set && set.size === 0) this.byName.delete(s.labels.__name__ ?? '');
        this.counters.seriesEvicted++;
      }
    }
  }

  /** The series matching every matcher (a `__name__ =` matcher uses the name index). */
  private *matching(matchers: readonly LabelMatcher[]): Iterable<StoredSeries> {
    const byNameEq = matchers.find((m) => m.name === '__name__' && m.op === '=');
    const candidates: Iterable<StoredSeries> = byNameEq ? (this.byName.get(byNameEq.value) ?? []) : this.series.values();
    for (const s of candidates) {
      let ok = true;
      for (const m of matchers) {
        if (!matches(m, s.labels[m.name])) {
          ok = false;
          break;
        }
      }
      if (ok) yield s;
    }
  }

  *select(matchers: readonly LabelMatcher[], startMs: number, endMs: number): Iterable<SeriesSlice> {
    for (const s of this.matching(matchers)) {
      const sl = sliceOf(s, startMs, endMs);
      if (sl) yield sl;
    }
  }

  match(matchers: readonly LabelMatcher[]): SeriesHandle[] {
    return [...this.matching(matchers)].map((s) => ({ slice: (a: number, b: number) => sliceOf(s, a, b) }));
  }

  /** Every metric name (for /api/v1/label/__name__/values). */
  names(): string[] {
    return [...this.byName.keys()].sort();
  }
}
