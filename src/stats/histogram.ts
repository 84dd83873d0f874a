// A distribution (latencies, sizes). record() updates count, sum, one bucket
// counter and one sketch bin: no allocation after the first value in a decade.
// Quantiles and cumulative buckets are computed only when rendered.
import { SUPPORTED_QUANTILES } from './defaults.js';
import { LogLinearSketch, type SketchBins } from './log-linear-sketch.js';

/** A histogram's data as plain values (Histogram.exportState()). */
export interface HistogramState {
  count: number;
  sum: number;
  buckets: Float64Array;
  sketch: SketchBins;
  interval: { sketch: SketchBins; buckets: Float64Array } | null;
}
import type { StatMeta } from './stat-meta.js';

/** Envoy's Histogram::Unit; informational in weft (values are recorded as given). */
export type HistogramUnit = 'unspecified' | 'bytes' | 'microseconds' | 'milliseconds' | 'percent';

export class Histogram {
  /** Samples recorded since creation. */
  count = 0;
  /** Exact sum of samples since creation. */
  sum = 0;
  /**
   * Samples per bucket, not cumulative: slot i counts values v with
   * bounds[i-1] < v ≤ bounds[i]; the last slot counts v > every bound (+Inf).
   */
  readonly bucketCounts: Float64Array;
  /** All samples since creation, for cumulative quantiles. */
  readonly sketch = new LogLinearSketch();

  /** Samples between the last two flushes (null until the first flush with data). */
  private intervalSketch: LogLinearSketch | null = null;
  private snapshotSketch: LogLinearSketch | null = null;
  /** Allocated at the first flush that saw samples: most histograms of a big config never record. */
  private intervalBuckets: Float64Array | null = null;
  private snapshotBuckets: Float64Array | null = null;
  private flushedCount = 0;
  /** `bounds` as a typed array: the bucket search in record() runs several times faster over it. */
  private readonly boundsF64: Float64Array;

  constructor(readonly meta: StatMeta, readonly unit: HistogramUnit, readonly bounds: readonly number[]) {
    this.boundsF64 = Float64Array.from(bounds);
    this.bucketCounts = new Float64Array(bounds.length + 1);
  }

  record(v: number): void {
    this.count++;
    this.sum += v;
    const b = this.boundsF64;
    let i = 0;
    while (i < b.length && v > b[i]!) i++;
    this.bucketCounts[i]!++;
    this.sketch.add(v);
  }

  get name(): string {
    return this.meta.name;
  }

  /** Whether anything was ever recorded. */
  get used(): boolean {
    return this.count !== 0;
  }

  /** Closes the current interval: interval statistics now describe the samples since the previous flush. */
  flush(): void {
    if (this.count === this.flushedCount) {
      this.intervalSketch?.clear();
      this.intervalBuckets?.fill(0);
      return;
    }
    this.intervalSketch ??= new LogLinearSketch();
    this.snapshotSketch ??= new LogLinearSketch();
    this.intervalSketch.setDifference(this.sketch, this.snapshotSketch);
    this.snapshotSketch.copyFrom(this.sketch);
    const n = this.bucketCounts.length;
    const iv = (this.intervalBuckets ??= new Float64Array(n));
    const snap = (this.snapshotBuckets ??= new Float64Array(n));
    for (let i = 0; i < n; i++) iv[i] = this.bucketCounts[i]! - snap[i]!;
    snap.set(this.bucketCounts);
    this.flushedCount = this.count;
  }

  /** Everything recorded, as plain data (structured-clonable), for merging histograms of several processes. */
  exportState(): HistogramState {
    return {
      count: this.count,
      sum: this.sum,
      buckets: this.bucketCounts.slice(),
      sketch: this.sketch.bins(),
      interval: this.intervalSketch && this.intervalBuckets ? { sketch: this.intervalSketch.bins(), buckets: this.intervalBuckets.slice() } : null,
    };
  }

  /** Adds a state from exportState() of a histogram with the same bounds (cumulative and last-interval data). */
  mergeState(s: HistogramState): void {
    this.count += s.count;
    this.sum += s.sum;
    for (let i = 0; i < this.bucketCounts.length && i < s.buckets.length; i++) this.bucketCounts[i]! += s.buckets[i]!;
    this.sketch.addBins(s.sketch);
    if (s.interval) {
      (this.intervalSketch ??= new LogLinearSketch()).addBins(s.interval.sketch);
      const iv = (this.intervalBuckets ??= new Float64Array(this.bucketCounts.length));
      for (let i = 0; i < iv.length && i < s.interval.buckets.length; i++) iv[i]! += s.interval.buckets[i]!;
    }
  }

  /** Quantiles (SUPPORTED_QUANTILES order) over every sample; NaN when empty. */
  cumulativeQuantiles(): number[] {
    return this.sketch.quantiles(SUPPORTED_QUANTILES);
  }

  /** Quantiles over the last flush interval; NaN when it had no samples. */
  intervalQuantiles(): number[] {
    return this.intervalSketch ? this.intervalSketch.quantiles(SUPPORTED_QUANTILES) : SUPPORTED_QUANTILES.map(() => NaN);
  }

  /** Cumulative counts per bound (v ≤ bound), excluding +Inf (which is `count`). */
  cumulativeBuckets(): number[] {
    return cumulate(this.bucketCounts, this.bounds.length);
  }

  /** Like cumulativeBuckets() for the last flush interval. */
  intervalCumulativeBuckets(): number[] {
    return this.intervalBuckets ? cumulate(this.intervalBuckets, this.bounds.length) : new Array<number>(this.bounds.length).fill(0);
  }

  /** Per-bucket counts (not cumulative) for the bounds, over all samples. */
  disjointBuckets(): number[] {
    return Array.from(this.bucketCounts.subarray(0, this.bounds.length));
  }

  /** Per-bucket counts for the last flush interval. */
  intervalDisjointBuckets(): number[] {
    return this.intervalBuckets ? Array.from(this.intervalBuckets.subarray(0, this.bounds.length)) : new Array<number>(this.bounds.length).fill(0);
  }
}

function cumulate(counts: Float64Array, n: number): number[] {
  const out = new Array<number>(n);
  let acc = 0;
  for (let i = 0; i < n; i++) {
    acc += counts[i]!;
    out[i] = acc;
  }
  return out;
}
