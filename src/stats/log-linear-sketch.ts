// A log-linear histogram with two significant decimal digits per bin, the
// scheme of Envoy's circllhist: a value v lands in the bin [m·10^(e-1),
// (m+1)·10^(e-1)) with 10 ≤ m ≤ 99. Quantiles interpolate linearly inside the
// bin, so they are within one bin (≤ 10% relative) of the truth and read the
// way Envoy's do (all samples = 2 gives P50 = 2.05, P100 = 2.1).
//
// Storage is one 90-slot array per decade that has seen a value, allocated on
// first use: a latency histogram touches three or four decades.

/** Lowest decade kept; smaller positive values count as zero. */
const EXP_MIN = -6;
/** Highest decade kept; larger values are clamped into its top bin. */
const EXP_MAX = 15;
const DECADES = EXP_MAX - EXP_MIN + 1;
const MIN_VALUE = 10 ** EXP_MIN;

/** Mantissa 10..99 of v in decade e (integer powers of ten keep the scaling exact). */
function mantissa(v: number, e: number): number {
  return e >= 1 ? Math.floor(v / POW10[e - 1]!) : Math.floor(v * POW10[1 - e]!);
}

/** 10^0 .. 10^22, all exact in a double. */
const POW10: readonly number[] = Array.from({ length: 23 }, (_, k) => 10 ** k);

/** Left edge of bin (e, m), computed so that e.g. 2.3 prints as 2.3, not 2.3000000000000003. */
function binLeft(e: number, m: number): number {
  return e >= 1 ? m * POW10[e - 1]! : m / POW10[1 - e]!;
}

function binWidth(e: number): number {
  return e >= 1 ? POW10[e - 1]! : 1 / POW10[1 - e]!;
}

/** A sketch's bins as plain data (see LogLinearSketch.bins()). */
export interface SketchBins {
  zero: number;
  total: number;
  decades: (Float64Array | null)[];
}

export class LogLinearSketch {
  /** Samples that are zero, negative, NaN, or below 10^EXP_MIN. */
  zero = 0;
  total = 0;
  private readonly decades: (Float64Array | null)[] = new Array<Float64Array | null>(DECADES).fill(null);

  add(v: number): void {
    this.total++;
    let e: number;
    let m: number;
    // Fast paths for the usual range (latencies in ms, sizes in bytes): plain
    // comparisons instead of log10, which costs several times more.
    if (v >= 10 && v < 1e6) {
      const n = Math.floor(v);
      if (n < 100) { e = 1; m = n; }
      else if (n < 1000) { e = 2; m = Math.floor(n / 10); }
      else if (n < 10000) { e = 3; m = Math.floor(n / 100); }
      else if (n < 100000) { e = 4; m = Math.floor(n / 1000); }
      else { e = 5; m = Math.floor(n / 10000); }
    } else if (v >= 1 && v < 10) {
      e = 0;
      m = Math.floor(v * 10);
    } else if (!(v >= MIN_VALUE)) {
      this.zero++;
      return;
    } else {
      e = Math.floor(Math.log10(v));
      if (e > EXP_MAX) {
        e = EXP_MAX;
        m = 99;
      } else {
        m = mantissa(v, e);
        // log10 can be off by one ulp near powers of ten.
        if (m < 10) { e--; m = mantissa(v, e); }
        else if (m > 99) { e++; m = mantissa(v, e); }
        if (e > EXP_MAX) { e = EXP_MAX; m = 99; }
        if (e < EXP_MIN) { this.zero++; return; }
      }
    }
    const i = e - EXP_MIN;
    const d = this.decades[i] ?? (this.decades[i] = new Float64Array(90));
    d[m - 10]!++;
  }

  /** Quantile estimates for fractions `qs` (ascending); NaN for each when empty. */
  quantiles(qs: readonly number[]): number[] {
    const out = new Array<number>(qs.length).fill(NaN);
    if (this.total === 0) return out;
    let iq = 0;
    let upper = 0;
    const take = (left: number, width: number, count: number): void => {
      const lower = upper;
      upper += count;
      while (iq < qs.length && qs[iq]! * this.total <= upper) {
        out[iq] = width === 0 ? left : left + ((qs[iq]! * this.total - lower) / count) * width;
        iq++;
      }
    };
    if (this.zero > 0) take(0, 0, this.zero);
    let lastRight = 0;
    for (let i = 0; i < DECADES && iq < qs.length; i++) {
      const d = this.decades[i];
      if (!d) continue;
      const e = i + EXP_MIN;
      const w = binWidth(e);
      for (let j = 0; j < 90 && iq < qs.length; j++) {
        const c = d[j]!;
        if (c === 0) continue;
        const left = binLeft(e, j + 10);
        take(left, w, c);
        lastRight = left + w;
      }
    }
    // Rounding in q·total can leave the top quantile just past the last bin.
    for (; iq < qs.length; iq++) out[iq] = lastRight;
    return out;
  }

  /** Copies `other` into this sketch (reusing storage). */
  copyFrom(other: LogLinearSketch): void {
    this.zero = other.zero;
    this.total = other.total;
    for (let i = 0; i < DECADES; i++) {
      const src = other.decades[i] ?? null;
      if (!src) { this.decades[i]?.fill(0); continue; }
      const dst = this.decades[i] ?? (this.decades[i] = new Float64Array(90));
      dst.set(src);
    }
  }

  /** Sets this sketch to `a − b`, where `b` is an earlier snapshot of `a`. */
  setDifference(a: LogLinearSketch, b: LogLinearSketch): void {
    this.zero = a.zero - b.zero;
    this.total = a.total - b.total;
    for (let i = 0; i < DECADES; i++) {
      const da = a.decades[i] ?? null;
      const db = b.decades[i] ?? null;
      if (!da) { this.decades[i]?.fill(0); continue; }
      const dst = this.decades[i] ?? (this.decades[i] = new Float64Array(90));
      for (let j = 0; j < 90; j++) dst[j] = da[j]! - (db ? db[j]! : 0);
    }
  }

  /** Adds every sample of `other` (merging the sketches of several processes). */
  addSketch(other: LogLinearSketch): void {
    this.zero += other.zero;
    this.total += other.total;
    for (let i = 0; i < DECADES; i++) {
      const src = other.decades[i] ?? null;
      if (!src) continue;
      const dst = this.decades[i] ?? (this.decades[i] = new Float64Array(90));
      for (let j = 0; j < 90; j++) dst[j]! += src[j]!;
    }
  }

  /** The bins as plain data (structured-clonable), for addBins() in another process. */
  bins(): SketchBins {
    return { zero: this.zero, total: this.total, decades: this.decades.slice() };
  }

  /** Adds bins exported by bins(). */
  addBins(b: SketchBins): void {
    const s = new LogLinearSketch();
    s.zero = b.zero;
    s.total = b.total;
    for (let i = 0; i < DECADES; i++) s.decades[i] = b.decades[i] ?? null;
    this.addSketch(s);
  }

  clear(): void {
    this.zero = 0;
    this.total = 0;
    for (const d of this.decades) d?.fill(0);
  }
}
