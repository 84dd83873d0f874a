// PromQL values as the evaluator passes them around, and the narrow interface
// it reads samples through (the embedded store implements it; tests use a
// table of points).
import type { LabelMatcher } from './ast.js';

/** A series' labels, `__name__` included while the series keeps its name. Never mutated once built. */
export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  readonly labels: Labels;
  readonly v: number;
}

export interface Point {
  /** Unix milliseconds. */
  readonly t: number;
  readonly v: number;
}

export interface RangeSeries {
  readonly labels: Labels;
  readonly points: readonly Point[];
}

export type Value =
  | { readonly type: 'scalar'; readonly v: number }
  | { readonly type: 'string'; readonly v: string }
  | { readonly type: 'vector'; readonly samples: readonly Sample[] }
  | { readonly type: 'matrix'; readonly series: readonly RangeSeries[] };

/**
 * One stored series' samples in a time range: `ts[from..to)` and the values
 * beside them. `stale[i] === 1` marks a staleness marker (the series vanished
 * from its target's scrape, or the scrape failed), as Prometheus writes one.
 */
export interface SeriesSlice {
  readonly labels: Labels;
  readonly ts: ArrayLike<number>;
  readonly vs: ArrayLike<number>;
  readonly stale?: ArrayLike<number>;
  readonly from: number;
  readonly to: number;
}

/** Where the evaluator reads samples from. */
export interface SeriesSource {
  /**
   * Every series matching all `matchers` (a `__name__` matcher included when
   * the selector names a metric), with its samples whose time t satisfies
   * startMs < t <= endMs. Series with no sample in the range may be left out.
   * The slices are read synchronously and must not be kept.
   */
  select(matchers: readonly LabelMatcher[], startMs: number, endMs: number): Iterable<SeriesSlice>;
  /**
   * Optional: the series matching `matchers`, to be sliced repeatedly (a
   * range query slices them once per step). Handles are valid for the
   * duration of one query.
   */
  match?(matchers: readonly LabelMatcher[]): readonly SeriesHandle[];
}

export interface SeriesHandle {
  /** The samples in (startMs, endMs], or undefined when there are none. */
  slice(startMs: number, endMs: number): SeriesSlice | undefined;
}

/** Evaluation failed for a reason in the query itself (Prometheus's "execution" errors): a 422/400 for the API. */
export class PromQLEvalError extends Error {}

/** Labels in Prometheus's text form, `{a="x", b="y"}` (sorted), for messages and stable ordering. */
export function labelsText(l: Labels): string {
  const keys = Object.keys(l).filter((k) => k !== '__name__').sort();
  return `${l.__name__ ?? ''}{${keys.map((k) => `${k}=${JSON.stringify(l[k])}`).join(', ')}}`;
}

export function dropName(l: Labels): Labels {
  if (!('__name__' in l)) return l;
  const { __name__: _drop, ...rest } = l;
  return rest;
}

export function matches(m: LabelMatcher, value: string | undefined): boolean {
  const v = value ?? '';
  switch (m.op) {
    case '=': return v === m.value;
    case '!=': return v !== m.value;
    case '=~': return m.re!.test(v);
    case '!~': return !m.re!.test(v);
  }
}
