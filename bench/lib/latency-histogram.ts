// Log-linear latency histogram in the spirit of HdrHistogram: values below
// 2^SUB_BITS are exact, above that every power of two is split into
// 2^(SUB_BITS-1) equal buckets, so a reported percentile is within 1/128
// (0.8%) of the true value. Fixed memory, no allocation per recorded value.

/** Bits of precision: 8 gives 128 buckets per octave (≤ 0.8% relative error). */
const SUB_BITS = 8;
const SUB_COUNT = 1 << SUB_BITS;
const HALF_COUNT = SUB_COUNT >> 1;
/** Octaves above the exact range: enough for 2^53 ns (104 days), so nothing clips. */
const MAX_SHIFT = 53 - SUB_BITS + 1;
const TWO_32 = 4294967296;

/** Records non-negative integer values (the load generators use nanoseconds). */
export class LatencyHistogram {
  private readonly counts = new Float64Array(SUB_COUNT + MAX_SHIFT * HALF_COUNT);
  private total = 0;
  private sum = 0;
  private minValue = Number.POSITIVE_INFINITY;
  private maxValue = 0;

  /** Adds one observation; negative or fractional values are clamped/rounded. */
  record(value: number): void {
    const v = value <= 0 ? 0 : Math.round(value);
    this.counts[bucketIndex(v)]++;
    this.total++;
    this.sum += v;
    if (v < this.minValue) this.minValue = v;
    if (v > this.maxValue) this.maxValue = v;
  }

  get count(): number {
    return this.total;
  }

  get min(): number {
    return this.total === 0 ? 0 : this.minValue;
  }

  get max(): number {
    return this.maxValue;
  }

  get mean(): number {
    return this.total === 0 ? 0 : this.sum / this.total;
  }

  /**
   * The value at percentile p (0..100]: the highest value equivalent to the
   * bucket holding the ceil(p% · count)-th smallest observation, capped at the
   * exact maximum, so p100 is the true max and a percentile never understates.
   */
  percentile(p: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil((Math.min(100, Math.max(0, p)) / 100) * this.total));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i];
      if (seen >= rank) return Math.min(bucketUpperBound(i), this.maxValue);
    }
    return this.maxValue;
  }

  /** Adds another histogram's observations (e.g. from several connections). */
  merge(other: LatencyHistogram): void {
    for (let i = 0; i < this.counts.length; i++) this.counts[i] += other.counts[i];
    this.total += other.total;
    this.sum += other.sum;
    if (other.total > 0) {
      if (other.minValue < this.minValue) this.minValue = other.minValue;
      if (other.maxValue > this.maxValue) this.maxValue = other.maxValue;
    }
  }
}

function mostSignificantBit(v: number): number {
  const hi = Math.floor(v / TWO_32);
  if (hi > 0) return 63 - Math.clz32(hi);
  return 31 - Math.clz32(v);
}

/** Exported for tests: the bucket a value lands in. */
export function bucketIndex(v: number): number {
  if (v < SUB_COUNT) return v;
  const shift = mostSignificantBit(v) - (SUB_BITS - 1);
  const sub = Math.floor(v / 2 ** shift); // in [HALF_COUNT, SUB_COUNT)
  return shift * HALF_COUNT + sub;
}

/** Exported for tests: the largest value that lands in bucket i. */
export function bucketUpperBound(i: number): number {
  if (i < SUB_COUNT) return i;
  const shift = Math.floor((i - HALF_COUNT) / HALF_COUNT);
  const sub = i - shift * HALF_COUNT;
  return (sub + 1) * 2 ** shift - 1;
}
