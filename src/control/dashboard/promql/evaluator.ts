// The PromQL evaluator over a SeriesSource: instant queries at one time and
// range queries as an instant query per step, with Prometheus's semantics
// where dashboards can tell the difference: the 5-minute lookback and
// staleness markers for instant selectors, rate()/increase() extrapolation
// and counter resets, histogram_quantile's interpolation, vector matching
// (on/ignoring, group_left/group_right) and which operations drop __name__.
import type { AggregateOp, BinaryOp, Expr, LabelMatcher, VectorMatching } from './ast.js';
import { anchoredRegExp } from './linear-regexp.js';
import { matcher } from './parser.js';
import { dropName, labelsText, PromQLEvalError, type Labels, type Point, type RangeSeries, type Sample, type SeriesHandle, type SeriesSlice, type SeriesSource, type Value } from './values.js';

export interface EvaluatorOptions {
  /** How far back an instant selector looks for a series' latest sample (Prometheus's --query.lookback-delta, 5m). */
  readonly lookbackMs: number;
  /** Most samples one query may read (Prometheus's --query.max-samples guards the same). */
  readonly maxSamples: number;
  /** Most points a range query may produce per series (Prometheus refuses more than 11,000). */
  readonly maxPointsPerSeries: number;
}

export const EVALUATOR_DEFAULTS: EvaluatorOptions = Object.freeze({ lookbackMs: 5 * 60_000, maxSamples: 5_000_000, maxPointsPerSeries: 11_000 });

const ARITHMETIC: ReadonlySet<BinaryOp> = new Set<BinaryOp>(['+', '-', '*', '/', '%', '^', 'atan2']);
const COMPARISON: ReadonlySet<BinaryOp> = new Set<BinaryOp>(['==', '!=', '>', '<', '>=', '<=']);

export class Evaluator {
  private readonly opts: EvaluatorOptions;
  private samplesRead = 0;
  /** During a range query: each selector's matching series (see select()). */
  private matched: Map<Expr, readonly SeriesHandle[]> | undefined;

  constructor(private readonly source: SeriesSource, opts: Partial<EvaluatorOptions> = {}) {
    this.opts = { ...EVALUATOR_DEFAULTS, ...opts };
  }

  /** Evaluates `expr` at `tMs` (Unix ms). Throws PromQLEvalError for execution errors (e.g. many-to-many matching). */
  instant(expr: Expr, tMs: number): Value {
    this.samplesRead = 0;
    return this.eval(expr, tMs);
  }

  /** Evaluates at start, start+step, … ≤ end; scalars become one series with no labels. Sorted by labels. */
  range(expr: Expr, startMs: number, endMs: number, stepMs: number): RangeSeries[] {
    if (!Number.isFinite(startMs) || !Number.isFinite(endMs)) throw new PromQLEvalError('start and end must be finite timestamps');
    if (!(stepMs > 0) || !Number.isFinite(stepMs)) throw new PromQLEvalError('zero or negative query resolution step widths are not accepted');
    if (endMs < startMs) throw new PromQLEvalError('end timestamp must not be before start time');
    // Prometheus's rule: (end - start) / step may be at most the maximum (so the maximum + 1 points).
    if ((endMs - startMs) / stepMs > this.opts.maxPointsPerSeries) {
      throw new PromQLEvalError(`exceeded maximum resolution of ${this.opts.maxPointsPerSeries} points per timeseries. Try decreasing the query resolution (?step=XX)`);
    }
    // Steps are counted, not found by adding step to t: at large timestamps t + step can round back to t.
    const steps = Math.floor((endMs - startMs) / stepMs) + 1;
    this.samplesRead = 0;
    this.matched = new Map();
    try {
      return this.rangeSteps(expr, startMs, steps, stepMs);
    } finally {
      this.matched = undefined;
    }
  }

  private rangeSteps(expr: Expr, startMs: number, steps: number, stepMs: number): RangeSeries[] {
    const out = new Map<string, { labels: Labels; points: Point[] }>();
    let held = 0;
    for (let i = 0; i < steps; i++) {
      const t = startMs + i * stepMs;
      // The budget is a peak, as Prometheus's max-samples: the points the result holds so far plus what this
      // step reads (so a range query's result cannot grow without bound either).
      this.samplesRead = held;
      const v = this.eval(expr, t);
      const add = (labels: Labels, value: number) => {
        this.count(1);
        held++;
        const k = labelsText(labels);
        let s = out.get(k);
        if (!s) out.set(k, (s = { labels, points: [] }));
        s.points.push({ t, v: value });
      };
      if (v.type === 'scalar') add({}, v.v);
      else if (v.type === 'vector') {
        const seen = new Set<string>();
        for (const s of v.samples) {
          const k = labelsText(s.labels);
          if (seen.has(k)) throw new PromQLEvalError(`vector cannot contain metrics with the same labelset: ${k}`);
          seen.add(k);
          add(s.labels, s.v);
        }
      } else throw new PromQLEvalError(`invalid expression type "${v.type === 'matrix' ? 'range vector' : v.type}" for range query, must be Scalar or instant Vector`);
    }
    return [...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, s]) => s);
  }

  private count(n: number): void {
    this.samplesRead += n;
    if (this.samplesRead > this.opts.maxSamples) throw new PromQLEvalError('query processing would load too many samples into memory in query execution');
  }

  /**
   * The selector's series in (start, end]. Within a range query each
   * selector's matching series are found once (the store's match()) and only
   * sliced per step: the series set cannot change during one query.
   */
  private select(e: Extract<Expr, { kind: 'selector' }>, startMs: number, endMs: number): Iterable<SeriesSlice> {
    if (!this.matched || !this.source.match) return this.source.select(this.selectorMatchers(e), startMs, endMs);
    let m = this.matched.get(e);
    if (!m) this.matched.set(e, (m = this.source.match(this.selectorMatchers(e))));
    const out: SeriesSlice[] = [];
    for (const h of m) {
      const sl = h.slice(startMs, endMs);
      if (sl) out.push(sl);
    }
    return out;
  }

  private selectorMatchers(e: Extract<Expr, { kind: 'selector' }>): LabelMatcher[] {
    return e.name !== undefined ? [matcher('__name__', '=', e.name), ...e.matchers] : [...e.matchers];
  }

  private eval(e: Expr, t: number): Value {
    switch (e.kind) {
      case 'number': return { type: 'scalar', v: e.value };
      case 'string': return { type: 'string', v: e.value };
      case 'paren': return this.eval(e.expr, t);
      case 'selector': return { type: 'vector', samples: this.instantSelect(e, t) };
      case 'range': return { type: 'matrix', series: this.rangeSelect(e, t) };
      case 'unary': {
        const v = this.eval(e.expr, t);
        if (e.op === '+') return v;
        if (v.type === 'scalar') return { type: 'scalar', v: -v.v };
        if (v.type === 'vector') return { type: 'vector', samples: distinct(v.samples, v.samples.map((s) => ({ labels: dropName(s.labels), v: -s.v }))) };
        throw new PromQLEvalError('unary minus on a non-numeric value');
      }
      case 'call': return this.call(e, t);
      case 'aggregate': return this.aggregate(e, t);
      case 'binary': return this.binary(e, t);
    }
  }

  /** Each series' latest sample in (t - offset - lookback, t - offset], unless that sample is a staleness marker. */
  private instantSelect(e: Extract<Expr, { kind: 'selector' }>, t: number): Sample[] {
    const at = t - e.offsetMs;
    const out: Sample[] = [];
    for (const s of this.select(e, at - this.opts.lookbackMs, at)) {
      if (s.to <= s.from) continue;
      this.count(1);
      if (s.stale?.[s.to - 1] === 1) continue;
      out.push({ labels: s.labels, v: s.vs[s.to - 1]! });
    }
    return out;
  }

  /** Each series' samples in (t - offset - range, t - offset], staleness markers left out. */
  private rangeSelect(e: Extract<Expr, { kind: 'range' }>, t: number): RangeSeries[] {
    const at = t - e.selector.offsetMs;
    const out: RangeSeries[] = [];
    for (const s of this.select(e.selector, at - e.rangeMs, at)) {
      const points: Point[] = [];
      this.count(s.to - s.from);
      for (let i = s.from; i < s.to; i++) if (s.stale?.[i] !== 1) points.push({ t: s.ts[i]!, v: s.vs[i]! });
      if (points.length) out.push({ labels: s.labels, points });
    }
    return out;
  }

  private vectorArg(e: Expr, t: number): readonly Sample[] {
    const v = this.eval(e, t);
    if (v.type !== 'vector') throw new PromQLEvalError(`expected an instant vector, got ${v.type}`);
    return v.samples;
  }

  private scalarArg(e: Expr, t: number): number {
    const v = this.eval(e, t);
    if (v.type !== 'scalar') throw new PromQLEvalError(`expected a scalar, got ${v.type}`);
    return v.v;
  }

  private stringArg(e: Expr, t: number): string {
    const v = this.eval(e, t);
    if (v.type !== 'string') throw new PromQLEvalError(`expected a string, got ${v.type}`);
    return v.v;
  }

  private call(e: Extract<Expr, { kind: 'call' }>, t: number): Value {
    const vec = (samples: Sample[]): Value => ({ type: 'vector', samples });
    const overTime = (f: (points: readonly Point[], rangeStart: number, rangeEnd: number, rangeMs: number) => number | undefined): Value => {
      const arg = e.args[0]!;
      if (arg.kind !== 'range') throw new PromQLEvalError(`${e.func}() needs a range vector selector`);
      const end = t - arg.selector.offsetMs;
      const out: Sample[] = [];
      const input = this.rangeSelect(arg, t);
      for (const s of input) {
        const v = f(s.points, end - arg.rangeMs, end, arg.rangeMs);
        if (v !== undefined) out.push({ labels: dropName(s.labels), v });
      }
      return vec(distinct(input, out));
    };
    // The rate family reads the store's arrays in place: no per-sample objects on the dashboards' hottest path.
    const overSlices = (f: (s: SeriesSlice, rangeStart: number, rangeEnd: number, rangeMs: number) => number | undefined): Value => {
      const arg = e.args[0]!;
      if (arg.kind !== 'range') throw new PromQLEvalError(`${e.func}() needs a range vector selector`);
      const end = t - arg.selector.offsetMs;
      const out: Sample[] = [];
      let firstName: string | undefined;
      let names = 0;
      for (const sl of this.select(arg.selector, end - arg.rangeMs, end)) {
        this.count(sl.to - sl.from);
        if (names < 2 && sl.labels.__name__ !== firstName) [firstName, names] = [sl.labels.__name__, names + 1];
        const v = f(sl, end - arg.rangeMs, end, arg.rangeMs);
        if (v !== undefined) out.push({ labels: dropName(sl.labels), v });
      }
      if (names > 1) assertDistinct(out);
      return vec(out);
    };
    const mapVec = (f: (v: number) => number): Value => {
      const input = this.vectorArg(e.args[0]!, t);
      return vec(distinct(input, input.map((s) => ({ labels: dropName(s.labels), v: f(s.v) }))));
    };
    switch (e.func) {
      case 'rate': return overSlices((sl, a, b, r) => extrapolatedRateOf(sl, a, b, r, true, true));
      case 'increase': return overSlices((sl, a, b, r) => extrapolatedRateOf(sl, a, b, r, true, false));
      case 'delta': return overSlices((sl, a, b, r) => extrapolatedRateOf(sl, a, b, r, false, false));
      case 'irate': return overSlices((sl) => instantDeltaOf(sl, true));
      case 'idelta': return overSlices((sl) => instantDeltaOf(sl, false));
      case 'resets': return overTime((p) => p.reduce((n, x, i) => (i > 0 && x.v < p[i - 1]!.v ? n + 1 : n), 0));
      case 'changes': return overTime((p) => p.reduce((n, x, i) => (i > 0 && x.v !== p[i - 1]!.v && !(Number.isNaN(x.v) && Number.isNaN(p[i - 1]!.v)) ? n + 1 : n), 0));
      case 'sum_over_time': return overTime((p) => p.reduce((a, x) => a + x.v, 0));
      case 'avg_over_time': return overTime((p) => p.reduce((a, x) => a + x.v, 0) / p.length);
      case 'min_over_time': return overTime((p) => p.reduce((a, x) => (x.v < a || Number.isNaN(a) ? x.v : a), p[0]!.v));
      case 'max_over_time': return overTime((p) => p.reduce((a, x) => (x.v > a || Number.isNaN(a) ? x.v : a), p[0]!.v));
      case 'count_over_time': return overTime((p) => p.length);
      case 'present_over_time': return overTime(() => 1);
      case 'last_over_time': {
        // Keeps the metric name, unlike the other *_over_time functions.
        const arg = e.args[0]!;
        if (arg.kind !== 'range') throw new PromQLEvalError('last_over_time() needs a range vector selector');
        return vec(this.rangeSelect(arg, t).map((s) => ({ labels: s.labels, v: s.points[s.points.length - 1]!.v })));
      }
      case 'absent_over_time': {
        const arg = e.args[0]!;
        if (arg.kind !== 'range') throw new PromQLEvalError('absent_over_time() needs a range vector selector');
        return vec(this.rangeSelect(arg, t).length ? [] : [{ labels: absentLabels(arg.selector), v: 1 }]);
      }
      case 'absent': {
        const samples = this.vectorArg(e.args[0]!, t);
        if (samples.length) return vec([]);
        const a = e.args[0]!;
        return vec([{ labels: a.kind === 'selector' ? absentLabels(a) : {}, v: 1 }]);
      }
      case 'histogram_quantile': {
        const q = this.scalarArg(e.args[0]!, t);
        return vec(histogramQuantile(q, this.vectorArg(e.args[1]!, t)));
      }
      case 'vector': return vec([{ labels: {}, v: this.scalarArg(e.args[0]!, t) }]);
      case 'scalar': {
        const s = this.vectorArg(e.args[0]!, t);
        return { type: 'scalar', v: s.length === 1 ? s[0]!.v : NaN };
      }
      case 'time': return { type: 'scalar', v: t / 1000 };
      case 'abs': return mapVec(Math.abs);
      case 'ceil': return mapVec(Math.ceil);
      case 'floor': return mapVec(Math.floor);
      case 'sqrt': return mapVec(Math.sqrt);
      case 'exp': return mapVec(Math.exp);
      case 'ln': return mapVec(Math.log);
      case 'log2': return mapVec(Math.log2);
      case 'log10': return mapVec(Math.log10);
      case 'sgn': return mapVec((v) => (v > 0 ? 1 : v < 0 ? -1 : v));
      case 'round': {
        const to = e.args[1] ? this.scalarArg(e.args[1], t) : 1;
        const inv = 1 / to;
        return mapVec((v) => Math.floor(v * inv + 0.5) / inv);
      }
      case 'clamp': {
        const min = this.scalarArg(e.args[1]!, t);
        const max = this.scalarArg(e.args[2]!, t);
        if (max < min) return vec([]);
        return mapVec((v) => Math.max(min, Math.min(max, v)));
      }
      case 'clamp_min': {
        const min = this.scalarArg(e.args[1]!, t);
        return mapVec((v) => (Number.isNaN(v) ? v : Math.max(min, v)));
      }
      case 'clamp_max': {
        const max = this.scalarArg(e.args[1]!, t);
        return mapVec((v) => (Number.isNaN(v) ? v : Math.min(max, v)));
      }
      case 'label_replace': {
        const samples = this.vectorArg(e.args[0]!, t);
        const [dst, repl, src, regex] = e.args.slice(1).map((a) => this.stringArg(a, t)) as [string, string, string, string];
        let re: RegExp;
        try {
          re = anchoredRegExp(regex);
        } catch (err) {
          throw new PromQLEvalError(`invalid regular expression in label_replace(): ${regex}: ${(err as Error).message}`);
        }
        if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(dst)) throw new PromQLEvalError(`invalid destination label name in label_replace(): ${dst}`);
        return vec(samples.map((s) => {
          const m = re.exec(s.labels[src] ?? '');
          if (!m) return s;
          const value = expandTemplate(repl, m);
          const labels: Record<string, string> = { ...s.labels };
          if (value === '') delete labels[dst];
          else labels[dst] = value;
          return { labels, v: s.v };
        }));
      }
      case 'label_join': {
        const samples = this.vectorArg(e.args[0]!, t);
        const [dst, sep, ...srcs] = e.args.slice(1).map((a) => this.stringArg(a, t)) as [string, string, ...string[]];
        return vec(samples.map((s) => {
          const value = srcs.map((l) => s.labels[l] ?? '').join(sep);
          const labels: Record<string, string> = { ...s.labels };
          if (value === '') delete labels[dst];
          else labels[dst] = value;
          return { labels, v: s.v };
        }));
      }
      case 'sort': return vec([...this.vectorArg(e.args[0]!, t)].sort((a, b) => a.v - b.v || (Number.isNaN(a.v) ? 1 : 0)));
      case 'sort_desc': return vec([...this.vectorArg(e.args[0]!, t)].sort((a, b) => b.v - a.v || (Number.isNaN(a.v) ? 1 : 0)));
      default:
        throw new PromQLEvalError(`unsupported PromQL function "${e.func}"`);
    }
  }

  private aggregate(e: Extract<Expr, { kind: 'aggregate' }>, t: number): Value {
    const samples = this.vectorArg(e.expr, t);
    const param = e.param ? this.scalarArg(e.param, t) : undefined;
    const keyLabels = (l: Labels): Labels => {
      const out: Record<string, string> = {};
      if (e.without) {
        for (const [k, v] of Object.entries(l)) if (k !== '__name__' && !e.grouping.includes(k)) out[k] = v;
      } else {
        for (const k of e.grouping) if (l[k] !== undefined && l[k] !== '') out[k] = l[k]!;
      }
      return out;
    };
    const groups = new Map<string, { labels: Labels; members: Sample[] }>();
    for (const s of samples) {
      const labels = keyLabels(s.labels);
      const k = labelsText(labels);
      let g = groups.get(k);
      if (!g) groups.set(k, (g = { labels, members: [] }));
      g.members.push(s);
    }
    const out: Sample[] = [];
    for (const g of groups.values()) {
      if (e.op === 'topk' || e.op === 'bottomk') {
        const k = Math.floor(param!);
        if (!(k >= 1)) continue;
        const sorted = [...g.members].sort((a, b) => (e.op === 'topk' ? cmpDesc(a.v, b.v) : cmpDesc(b.v, a.v)));
        out.push(...sorted.slice(0, k));
        continue;
      }
      out.push({ labels: g.labels, v: aggregateValues(e.op, g.members.map((m) => m.v), param) });
    }
    return { type: 'vector', samples: out };
  }

  private binary(e: Extract<Expr, { kind: 'binary' }>, t: number): Value {
    const l = this.eval(e.lhs, t);
    const r = this.eval(e.rhs, t);
    if (l.type === 'scalar' && r.type === 'scalar') {
      const [v, keep] = scalarOp(e.op, l.v, r.v);
      return { type: 'scalar', v: COMPARISON.has(e.op) ? (keep ? 1 : 0) : v };
    }
    if (l.type === 'vector' && r.type === 'scalar') return { type: 'vector', samples: distinct(l.samples, vectorScalar(e.op, l.samples, r.v, false, e.bool)) };
    if (l.type === 'scalar' && r.type === 'vector') return { type: 'vector', samples: distinct(r.samples, vectorScalar(e.op, r.samples, l.v, true, e.bool)) };
    if (l.type === 'vector' && r.type === 'vector') {
      const m: VectorMatching = e.matching ?? { card: 'one-to-one', on: false, labels: [], include: [] };
      if (e.op === 'and' || e.op === 'or' || e.op === 'unless') return { type: 'vector', samples: setOp(e.op, l.samples, r.samples, m) };
      return { type: 'vector', samples: vectorVector(e.op, l.samples, r.samples, m, e.bool) };
    }
    throw new PromQLEvalError(`binary operator ${e.op} between ${l.type} and ${r.type}`);
  }
}

/**
 * `out` (computed from `input`), refused as Prometheus refuses it when two of its samples have the same
 * labels: that happens when an operation drops the metric name of series that differed only by it
 * (rate({__name__=~"a|b"}[1m]), {__name__=~"a|b"} * 2). Checked only when the input held two names.
 */
function distinct<T extends Sample>(input: readonly { labels: Labels }[], out: T[]): T[] {
  const first = input[0]?.labels.__name__;
  if (input.some((s) => s.labels.__name__ !== first)) assertDistinct(out);
  return out;
}

function assertDistinct(samples: readonly Sample[]): void {
  const seen = new Set<string>();
  for (const s of samples) {
    const k = labelsText(s.labels);
    if (seen.has(k)) throw new PromQLEvalError('vector cannot contain metrics with the same labelset');
    seen.add(k);
  }
}

function cmpDesc(a: number, b: number): number {
  if (Number.isNaN(a)) return 1;
  if (Number.isNaN(b)) return -1;
  return b - a;
}

/** Labels absent() reports: the selector's equality matchers (not __name__). */
function absentLabels(e: Extract<Expr, { kind: 'selector' }>): Labels {
  const out: Record<string, string> = {};
  const seen = new Set<string>();
  for (const m of e.matchers) {
    if (m.name === '__name__') continue;
    if (m.op === '=' && !seen.has(m.name)) out[m.name] = m.value;
    else delete out[m.name];
    seen.add(m.name);
  }
  return out;
}

/** $1, ${1}, $name, ${name} in a label_replace replacement (Go's regexp Expand). */
function expandTemplate(tpl: string, m: RegExpExecArray): string {
  return tpl.replace(/\$(?:\{([a-zA-Z0-9_]+)\}|([a-zA-Z0-9_]+))/g, (_all, a: string | undefined, b: string | undefined) => {
    const name = (a ?? b)!;
    if (/^\d+$/.test(name)) return m[Number(name)] ?? '';
    return m.groups?.[name] ?? '';
  });
}

/** Points as a slice (tests and callers holding plain points). */
function sliceOf(points: readonly Point[]): SeriesSlice {
  return { labels: {}, ts: points.map((p) => p.t), vs: points.map((p) => p.v), from: 0, to: points.length };
}

/**
 * Prometheus's extrapolatedRate: the increase between the first and last
 * sample in the window (counter resets added back), extrapolated towards the
 * window's edges by at most half an average sample interval (or to where the
 * counter would have been zero), then per second for rate().
 */
export function extrapolatedRate(points: readonly Point[], rangeStart: number, rangeEnd: number, rangeMs: number, isCounter: boolean, isRate: boolean): number | undefined {
  return extrapolatedRateOf(sliceOf(points), rangeStart, rangeEnd, rangeMs, isCounter, isRate);
}

/** extrapolatedRate over a slice in one pass, staleness markers skipped. */
function extrapolatedRateOf(s: SeriesSlice, rangeStart: number, rangeEnd: number, rangeMs: number, isCounter: boolean, isRate: boolean): number | undefined {
  let n = 0;
  let firstT = 0;
  let firstV = 0;
  let lastT = 0;
  let lastV = 0;
  let resets = 0;
  const { ts, vs, stale } = s;
  for (let i = s.from; i < s.to; i++) {
    if (stale?.[i] === 1) continue;
    const v = vs[i]!;
    if (n === 0) {
      firstT = ts[i]!;
      firstV = v;
    } else if (isCounter && v < lastV) resets += lastV;
    lastT = ts[i]!;
    lastV = v;
    n++;
  }
  if (n < 2) return undefined;
  let result = lastV - firstV + resets;
  let durationToStart = (firstT - rangeStart) / 1000;
  const durationToEnd = (rangeEnd - lastT) / 1000;
  const sampled = (lastT - firstT) / 1000;
  const avgBetween = sampled / (n - 1);
  const threshold = avgBetween * 1.1;
  // A series that seems to start (end) inside the window is extrapolated by half an interval only; then a
  // counter is not extrapolated past where it would have been zero. In this order since Prometheus 2.51
  // (prometheus/prometheus#13725); before, the zero point was taken even when it lay beyond that half interval.
  if (durationToStart >= threshold) durationToStart = avgBetween / 2;
  if (isCounter && result > 0 && firstV >= 0) {
    const durationToZero = sampled * (firstV / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  let extrapolateTo = sampled + durationToStart;
  extrapolateTo += durationToEnd < threshold ? durationToEnd : avgBetween / 2;
  result *= extrapolateTo / sampled;
  if (isRate) result /= rangeMs / 1000;
  return result;
}

/** irate()/idelta(): from the last two samples; a counter reset makes the last value the increase. */
function instantDeltaOf(s: SeriesSlice, isRate: boolean): number | undefined {
  let last = -1;
  let prev = -1;
  for (let i = s.to - 1; i >= s.from && prev < 0; i--) {
    if (s.stale?.[i] === 1) continue;
    if (last < 0) last = i;
    else prev = i;
  }
  if (prev < 0) return undefined;
  const lv = s.vs[last]!;
  const pv = s.vs[prev]!;
  let v = isRate && lv < pv ? lv : lv - pv;
  const dt = s.ts[last]! - s.ts[prev]!;
  if (isRate) {
    if (dt === 0) return undefined;
    v /= dt / 1000;
  }
  return v;
}

/** histogram_quantile over classic `le` buckets, as Prometheus computes it (bucketQuantile). */
export function histogramQuantile(q: number, samples: readonly Sample[]): Sample[] {
  const groups = new Map<string, { labels: Labels; buckets: { le: number; count: number }[] }>();
  for (const s of samples) {
    const leText = s.labels.le;
    if (leText === undefined) continue;
    const le = leText === '+Inf' ? Infinity : leText === '-Inf' ? -Infinity : Number(leText);
    if (Number.isNaN(le) && leText !== 'NaN') continue;
    const { le: _le, ...rest } = dropName(s.labels);
    const k = labelsText(rest);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { labels: rest, buckets: [] }));
    g.buckets.push({ le, count: s.v });
  }
  const out: Sample[] = [];
  for (const g of groups.values()) out.push({ labels: g.labels, v: bucketQuantile(q, g.buckets) });
  return out;
}

function bucketQuantile(q: number, input: { le: number; count: number }[]): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted = [...input].sort((a, b) => a.le - b.le);
  // Buckets with the same bound (e.g. from two series that lost a distinguishing label) are added up.
  const buckets: { le: number; count: number }[] = [];
  for (const b of sorted) {
    const prev = buckets[buckets.length - 1];
    if (prev && prev.le === b.le) prev.count += b.count;
    else buckets.push({ ...b });
  }
  if (buckets.length === 0 || buckets[buckets.length - 1]!.le !== Infinity) return NaN;
  if (buckets.length < 2) return NaN;
  // Counts must not decrease with le (they can, a little, when rates are taken of scraped buckets at slightly different times).
  let max = -Infinity;
  for (const b of buckets) {
    if (b.count > max) max = b.count;
    else b.count = max;
  }
  const total = buckets[buckets.length - 1]!.count;
  if (!(total > 0)) return NaN;
  let rank = q * total;
  let b = buckets.findIndex((x) => x.count >= rank);
  if (b < 0) b = buckets.length - 1;
  if (b === buckets.length - 1) return buckets[buckets.length - 2]!.le;
  if (b === 0 && buckets[0]!.le <= 0) return buckets[0]!.le;
  let start = 0;
  const end = buckets[b]!.le;
  let count = buckets[b]!.count;
  if (b > 0) {
    start = buckets[b - 1]!.le;
    count -= buckets[b - 1]!.count;
    rank -= buckets[b - 1]!.count;
  }
  return start + (end - start) * (rank / count);
}

function aggregateValues(op: AggregateOp, vs: number[], param: number | undefined): number {
  switch (op) {
    case 'sum': return vs.reduce((a, b) => a + b, 0);
    case 'avg': return vs.reduce((a, b) => a + b, 0) / vs.length;
    case 'count': return vs.length;
    case 'group': return 1;
    case 'min': {
      const real = vs.filter((v) => !Number.isNaN(v));
      return real.length ? Math.min(...real) : NaN;
    }
    case 'max': {
      const real = vs.filter((v) => !Number.isNaN(v));
      return real.length ? Math.max(...real) : NaN;
    }
    case 'stddev':
    case 'stdvar': {
      const mean = vs.reduce((a, b) => a + b, 0) / vs.length;
      const variance = vs.reduce((a, b) => a + (b - mean) ** 2, 0) / vs.length;
      return op === 'stddev' ? Math.sqrt(variance) : variance;
    }
    case 'quantile': return quantile(param!, vs);
    default: throw new PromQLEvalError(`aggregation ${op} has no single value`);
  }
}

/** Prometheus's quantile(): linear interpolation between the closest ranks. */
function quantile(q: number, vs: number[]): number {
  if (vs.length === 0 || Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const s = [...vs].sort((a, b) => a - b);
  const rank = q * (s.length - 1);
  const lo = Math.max(0, Math.floor(rank));
  const hi = Math.min(s.length - 1, lo + 1);
  const w = rank - Math.floor(rank);
  return s[lo]! * (1 - w) + s[hi]! * w;
}

/** [value, keep]: arithmetic gives the value; comparisons say whether to keep the sample. */
function scalarOp(op: BinaryOp, l: number, r: number): [number, boolean] {
  switch (op) {
    case '+': return [l + r, true];
    case '-': return [l - r, true];
    case '*': return [l * r, true];
    case '/': return [l / r, true];
    case '%': return [l % r, true];
    case '^': return [l ** r, true];
    case 'atan2': return [Math.atan2(l, r), true];
    case '==': return [l, l === r];
    case '!=': return [l, l !== r];
    case '>': return [l, l > r];
    case '<': return [l, l < r];
    case '>=': return [l, l >= r];
    case '<=': return [l, l <= r];
    default: throw new PromQLEvalError(`operator ${op} is not defined between scalars`);
  }
}

function vectorScalar(op: BinaryOp, samples: readonly Sample[], scalar: number, scalarLeft: boolean, bool: boolean): Sample[] {
  const out: Sample[] = [];
  for (const s of samples) {
    const [l, r] = scalarLeft ? [scalar, s.v] : [s.v, scalar];
    const [v, keep] = scalarOp(op, l, r);
    if (COMPARISON.has(op)) {
      if (bool) out.push({ labels: dropName(s.labels), v: keep ? 1 : 0 });
      else if (keep) out.push({ labels: s.labels, v: s.v }); // the vector's own value, whichever side it is on
      continue;
    }
    out.push({ labels: dropName(s.labels), v });
  }
  return out;
}

/** The labels vector matching compares: on(labels) keeps only those, ignoring(labels) drops them (and the name). */
function signature(l: Labels, m: VectorMatching): string {
  const picked: Record<string, string> = {};
  if (m.on) {
    for (const k of m.labels) if (l[k] !== undefined && l[k] !== '') picked[k] = l[k]!;
  } else {
    for (const [k, v] of Object.entries(l)) if (k !== '__name__' && !m.labels.includes(k)) picked[k] = v;
  }
  return labelsText(picked);
}

function vectorVector(op: BinaryOp, lhs: readonly Sample[], rhs: readonly Sample[], m: VectorMatching, bool: boolean): Sample[] {
  // group_right: the left side is the "one" side; swap so `many` is always iterated.
  const swapped = m.card === 'one-to-many';
  const many = swapped ? rhs : lhs;
  const one = swapped ? lhs : rhs;
  const oneBySig = new Map<string, Sample>();
  for (const s of one) {
    const k = signature(s.labels, m);
    const dup = oneBySig.get(k);
    if (dup) {
      throw new PromQLEvalError(`found duplicate series for the match group ${k} on the ${swapped ? 'left' : 'right'} hand-side of the operation: [${labelsText(dup.labels)}, ${labelsText(s.labels)}];many-to-many matching not allowed: matching labels must be unique on one side`);
    }
    oneBySig.set(k, s);
  }
  const matchedOneToOne = new Set<string>();
  const resultKeys = new Set<string>();
  const out: Sample[] = [];
  for (const s of many) {
    const k = signature(s.labels, m);
    const o = oneBySig.get(k);
    if (!o) continue;
    if (m.card === 'one-to-one') {
      if (matchedOneToOne.has(k)) throw new PromQLEvalError(`multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)`);
      matchedOneToOne.add(k);
    }
    const [l, r] = swapped ? [o.v, s.v] : [s.v, o.v];
    const [v, keep] = scalarOp(op, l, r);
    const isComparison = COMPARISON.has(op);
    if (isComparison && !bool && !keep) continue;
    const value = isComparison ? (bool ? (keep ? 1 : 0) : l) : v;
    const labels = resultLabels(s.labels, o.labels, op, m, bool);
    if (m.card !== 'one-to-one') {
      const rk = labelsText(labels);
      if (resultKeys.has(rk)) throw new PromQLEvalError('multiple matches for labels: grouping labels must ensure unique matches');
      resultKeys.add(rk);
    }
    out.push({ labels, v: value });
  }
  return out;
}

/** Prometheus's resultMetric: the "many" side's labels, the name dropped for arithmetic (and bool), narrowed for one-to-one, plus group_x's included labels. */
function resultLabels(many: Labels, one: Labels, op: BinaryOp, m: VectorMatching, bool: boolean): Labels {
  let out: Record<string, string> = { ...many };
  if (ARITHMETIC.has(op) || bool) delete out.__name__;
  if (m.card === 'one-to-one') {
    if (m.on) {
      const kept: Record<string, string> = {};
      for (const k of m.labels) if (out[k] !== undefined) kept[k] = out[k]!;
      out = kept;
    } else for (const k of m.labels) delete out[k];
  }
  for (const k of m.include) {
    const v = one[k];
    if (v === undefined || v === '') delete out[k];
    else out[k] = v;
  }
  return out;
}

function setOp(op: 'and' | 'or' | 'unless', lhs: readonly Sample[], rhs: readonly Sample[], m: VectorMatching): Sample[] {
  const rSigs = new Set(rhs.map((s) => signature(s.labels, m)));
  if (op === 'and') return lhs.filter((s) => rSigs.has(signature(s.labels, m)));
  if (op === 'unless') return lhs.filter((s) => !rSigs.has(signature(s.labels, m)));
  const lSigs = new Set(lhs.map((s) => signature(s.labels, m)));
  return [...lhs, ...rhs.filter((s) => !lSigs.has(signature(s.labels, m)))];
}
