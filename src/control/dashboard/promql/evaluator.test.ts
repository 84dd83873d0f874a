import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MetricsStore, seriesKey } from '../metrics-store.js';
import { Evaluator, extrapolatedRate } from './evaluator.js';
import { LINEAR_REGEXP } from './linear-regexp.js';
import { parsePromQL, PromQLParseError } from './parser.js';
import { labelsText, PromQLEvalError, type Labels, type Value } from './values.js';

const T0 = 1_700_000_000_000;
const S = 1000;

/** A store with `series` sampled every 10 s from T0 (values in order). */
function storeWith(series: [Labels, (number | 'stale')[]][]): MetricsStore {
  const store = new MetricsStore({ windowMs: 3_600_000, maxSeries: 1000, maxSamples: 1_000_000 });
  for (const [labels, values] of series) {
    values.forEach((v, i) => {
      if (v === 'stale') store.markStale(seriesKey(labels), T0 + i * 10 * S);
      else store.append(labels, T0 + i * 10 * S, v);
    });
  }
  return store;
}

/** A vector result as "labels value" lines, sorted, for exact comparison. */
function lines(v: Value): string[] {
  if (v.type === 'scalar') return [`scalar ${v.v}`];
  if (v.type !== 'vector') throw new Error(`not a vector: ${v.type}`);
  return v.samples.map((s) => `${labelsText(s.labels)} ${+s.v.toFixed(6)}`).sort();
}

const req = (labels: Record<string, string>): Labels => ({ __name__: 'req_total', ...labels });
const bucket = (le: string, labels: Record<string, string> = {}): Labels => ({ __name__: 'lat_bucket', le, ...labels });

const STORE = storeWith([
  // counters: +10 every 10 s (1/s), one with a reset
  [req({ svc: 'a', code: '200' }), [0, 10, 20, 30, 40, 50, 60]],
  [req({ svc: 'a', code: '500' }), [0, 1, 2, 3, 4, 5, 6]],
  [req({ svc: 'b', code: '200' }), [100, 110, 120, 5, 15, 25, 35]],
  // a histogram: 100 observations, 50 ≤ 10, 90 ≤ 100
  [bucket('10', { svc: 'a' }), [0, 0, 0, 0, 0, 0, 50]],
  [bucket('100', { svc: 'a' }), [0, 0, 0, 0, 0, 0, 90]],
  [bucket('+Inf', { svc: 'a' }), [0, 0, 0, 0, 0, 0, 100]],
  [{ __name__: 'info', svc: 'a', team: 'x' }, [1, 1, 1, 1, 1, 1, 1]],
  [{ __name__: 'info', svc: 'b', team: 'y' }, [1, 1, 1, 1, 1, 1, 1]],
  [{ __name__: 'gone' , svc: 'a' }, [1, 1, 'stale']],
]);
const AT = T0 + 60 * S; // the last sample's time

const CASES: [string, string[]][] = [
  ['req_total{svc="a"}', ['req_total{code="200", svc="a"} 60', 'req_total{code="500", svc="a"} 6']],
  ['req_total{svc!="a", code=~"2.."}', ['req_total{code="200", svc="b"} 35']],
  // Ranges are left-open, (t - 1m, t] (Prometheus 3's rule): 6 samples, 10..60 s; extrapolated 10 s back to where the counter was zero.
  ['rate(req_total{svc="a",code="200"}[1m])', ['{code="200", svc="a"} 1']],
  ['increase(req_total{svc="a",code="200"}[1m])', ['{code="200", svc="a"} 60']],
  // The reset (120 → 5) counts as +5 from zero, not -115: 110 → 120, 0 → 35 is 45 in 50 s, extrapolated to 60 s.
  ['increase(req_total{svc="b"}[1m])', ['{code="200", svc="b"} 54']],
  ['irate(req_total{svc="b"}[1m])', ['{code="200", svc="b"} 1']],
  ['sum by (svc) (rate(req_total[1m]))', ['{svc="a"} 1.1', '{svc="b"} 0.9']],
  ['sum(rate(req_total[1m])) by (svc)', ['{svc="a"} 1.1', '{svc="b"} 0.9']],
  ['sum without (code) (req_total)', ['{svc="a"} 66', '{svc="b"} 35']],
  ['count(req_total)', ['{} 3']],
  ['max(req_total)', ['{} 60']],
  ['avg by (svc) (req_total)', ['{svc="a"} 33', '{svc="b"} 35']],
  ['topk(1, req_total)', ['req_total{code="200", svc="a"} 60']],
  // Success rate, Istio's dashboards' form.
  ['sum(rate(req_total{code!~"5.*"}[1m])) / sum(rate(req_total[1m]))', ['{} 0.95']],
  // Median 10 (the 50th is the last of the first bucket); p90 = 100; p99 = the largest finite bound.
  ['histogram_quantile(0.5, lat_bucket)', ['{svc="a"} 10']],
  ['histogram_quantile(0.75, sum by (le) (lat_bucket))', ['{} 66.25']],
  ['histogram_quantile(0.99, lat_bucket)', ['{svc="a"} 100']],
  ['req_total > 30', ['req_total{code="200", svc="a"} 60', 'req_total{code="200", svc="b"} 35']],
  ['req_total > bool 30', ['{code="200", svc="a"} 1', '{code="200", svc="b"} 1', '{code="500", svc="a"} 0']],
  ['30 < req_total', ['req_total{code="200", svc="a"} 60', 'req_total{code="200", svc="b"} 35']],
  ['req_total * 2', ['{code="200", svc="a"} 120', '{code="200", svc="b"} 70', '{code="500", svc="a"} 12']],
  ['-req_total{code="500"}', ['{code="500", svc="a"} -6']],
  // One-to-one: the labels after ignoring must match exactly.
  ['req_total{code="200"} / ignoring(code) req_total{code="500"}', ['{svc="a"} 10']],
  ['sum by (svc) (req_total) / on(svc) sum by (svc) (req_total)', ['{svc="a"} 1', '{svc="b"} 1']],
  // group_left copies `team` from the one side.
  ['req_total * on(svc) group_left(team) info', ['{code="200", svc="a", team="x"} 60', '{code="200", svc="b", team="y"} 35', '{code="500", svc="a", team="x"} 6']],
  ['req_total and on(svc) info{team="y"}', ['req_total{code="200", svc="b"} 35']],
  ['req_total unless on(svc) info{team="y"}', ['req_total{code="200", svc="a"} 60', 'req_total{code="500", svc="a"} 6']],
  ['info{svc="a"} or info', ['info{svc="a", team="x"} 1', 'info{svc="b", team="y"} 1']],
  ['vector(2)', ['{} 2']],
  ['scalar(max(req_total)) * 2', ['scalar 120']],
  ['round(rate(req_total{svc="b"}[1m]), 0.1)', ['{code="200", svc="b"} 0.9']],
  ['clamp_min(req_total{code="500"} - 10, 0)', ['{code="500", svc="a"} 0']],
  ['label_replace(info, "service", "svc-$1", "svc", "(.*)")', ['info{service="svc-a", svc="a", team="x"} 1', 'info{service="svc-b", svc="b", team="y"} 1']],
  ['label_replace(info, "svc", "", "svc", "a")', ['info{svc="b", team="y"} 1', 'info{team="x"} 1']],
  // A series whose last sample is a staleness marker is gone from instant queries at once (not after 5 minutes).
  ['gone', []],
  ['absent(gone{svc="a"})', ['{svc="a"} 1']],
  ['absent(info)', []],
  ['count_over_time(info{svc="a"}[30s])', ['{svc="a", team="x"} 3']],
  ['max_over_time(req_total{svc="b"}[1m])', ['{code="200", svc="b"} 120']],
  ['nope', []],
  ['1 + 2 * 3', ['scalar 7']],
  ['2 > bool 1', ['scalar 1']],
];

test('evaluates the supported PromQL as Prometheus does (table)', () => {
  const ev = new Evaluator(STORE);
  for (const [q, want] of CASES) assert.deepEqual(lines(ev.instant(parsePromQL(q), AT)), want, q);
});

test('instant selectors look back 5 minutes, and no further', () => {
  const ev = new Evaluator(STORE);
  assert.deepEqual(lines(ev.instant(parsePromQL('info{svc="a"}'), AT + 299 * S)), ['info{svc="a", team="x"} 1']);
  assert.deepEqual(lines(ev.instant(parsePromQL('info{svc="a"}'), AT + 301 * S)), []);
  // offset moves the evaluation time back.
  assert.deepEqual(lines(ev.instant(parsePromQL('req_total{svc="a",code="200"} offset 30s'), AT)), ['req_total{code="200", svc="a"} 30']);
});

test('execution errors: many-to-many matching, one-to-one with duplicates', () => {
  const ev = new Evaluator(STORE);
  assert.throws(() => ev.instant(parsePromQL('req_total / on(svc) req_total'), AT), (e: unknown) => e instanceof PromQLEvalError && /many-to-many matching not allowed/.test(e.message));
  assert.throws(() => ev.instant(parsePromQL('req_total * on(svc) info'), AT), (e: unknown) => e instanceof PromQLEvalError && /many-to-one matching must be explicit/.test(e.message));
});

test('range queries: one instant evaluation per step, series keyed by labels, sorted', () => {
  const ev = new Evaluator(STORE);
  const r = ev.range(parsePromQL('sum by (svc) (req_total)'), T0, T0 + 20 * S, 10 * S);
  assert.deepEqual(r.map((s) => [labelsText(s.labels), s.points.map((p) => [(p.t - T0) / S, p.v])]), [
    ['{svc="a"}', [[0, 0], [10, 11], [20, 22]]],
    ['{svc="b"}', [[0, 100], [10, 110], [20, 120]]],
  ]);
  assert.throws(() => ev.range(parsePromQL('up'), T0, T0 + 1e9 * S, S), /exceeded maximum resolution/);
});

test('the sample budget stops a query that would read too much', () => {
  const ev = new Evaluator(STORE, { maxSamples: 10 });
  assert.throws(() => ev.instant(parsePromQL('rate(req_total[1m])'), AT), /too many samples/);
});

test('the sample budget bounds a range query\'s result too (a peak: the points held so far plus one step\'s reads)', () => {
  // 3 series × 7 steps = 21 points: each step reads only 3 samples, but the result would hold 21.
  const q = parsePromQL('req_total');
  assert.equal(new Evaluator(STORE, { maxSamples: 30 }).range(q, T0, AT, 10 * S).reduce((n, s) => n + s.points.length, 0), 21);
  assert.throws(() => new Evaluator(STORE, { maxSamples: 20 }).range(q, T0, AT, 10 * S), /too many samples/);
});

test('range queries at huge timestamps end (steps are counted, not found by adding the step to t)', () => {
  const ev = new Evaluator(STORE);
  // At 9e21 ms doubles are 2^20 ms apart: t + 1 s is t again, and stepping by adding never reached the end.
  const r = ev.range(parsePromQL('vector(1)'), 9e21, 9e21 + 2 * 2 ** 20, S);
  assert.equal(r[0]!.points.length, Math.floor((2 * 2 ** 20) / S) + 1);
  assert.throws(() => ev.range(parsePromQL('vector(1)'), Infinity, Infinity, S), /finite/);
  // Prometheus allows (end - start) / step = 11,000: 11,001 points.
  assert.equal(ev.range(parsePromQL('vector(1)'), T0, T0 + 11_000 * S, S)[0]!.points.length, 11_001);
});

test('extrapolatedRate: Prometheus\'s extrapolation towards the window edges', () => {
  const p = (pairs: [number, number][]) => pairs.map(([t, v]) => ({ t: t * S, v }));
  // Samples at 15..45 s of a 60 s window (0, 60]: the 15 s before the first sample is more than 1.1 intervals,
  // so the series started inside the window: half an interval back (5 s; the zero point, 10 s back, is further),
  // and half an interval forward: 40. (Before Prometheus 2.51, #13725, the zero point won here: 45.)
  assert.equal(extrapolatedRate(p([[15, 10], [25, 20], [35, 30], [45, 40]]), 0, 60 * S, 60 * S, true, false), 40);
  // Within 1.1 intervals of the start the zero point still limits it: 2 at 5 s rising 1/s was zero 2 s before.
  assert.equal(extrapolatedRate(p([[5, 2], [15, 12], [25, 22], [35, 32]]), 0, 40 * S, 40 * S, true, false), 30 * (30 + 2 + 5) / 30);
  // A gauge (delta) is not bounded by zero: half an interval each side.
  assert.equal(extrapolatedRate(p([[15, 10], [25, 20], [35, 30], [45, 40]]), 0, 60 * S, 60 * S, false, false), 40);
  // A counter is not extrapolated below zero: from 2 at 15 s rising 1/s, zero was at 13 s (2 s before the first sample).
  assert.equal(extrapolatedRate(p([[15, 2], [25, 12], [35, 22]]), 0, 40 * S, 40 * S, true, false), 20 * (20 + 2 + 5) / 20);
  assert.equal(extrapolatedRate(p([[15, 2]]), 0, 40 * S, 40 * S, true, false), undefined);
});

test('label regexes run in linear time, as RE2 does (a catastrophic pattern cannot stop the control plane)', () => {
  assert.equal(LINEAR_REGEXP, true, 'this Node\'s V8 has the linear-time regexp engine');
  // With a backtracking engine this pattern takes seconds on 16 characters and effectively forever on
  // a 40-character metric name; the linear engine answers at once (the test would hang, not pass, without it).
  const name = 'istio_request_duration_milliseconds_bucket';
  const store = storeWith([[{ __name__: name, app: 'a'.repeat(200) }, [1]]]);
  const ev = new Evaluator(store);
  assert.deepEqual(lines(ev.instant(parsePromQL('{__name__=~"(.*.*)*X"}'), T0)), []);
  assert.deepEqual(lines(ev.instant(parsePromQL(`{__name__=~"(.*.*)*bucket", app=~"(a|aa)*"}`), T0)), [`${name}{app="${'a'.repeat(200)}"} 1`]);
  assert.deepEqual(lines(ev.instant(parsePromQL('label_replace(vector(1), "x", "$1", "nope", "(.*.*)*X")'), T0)), ['{} 1']);
  // What RE2 refuses, the linear engine refuses too: a parse error naming the pattern.
  assert.throws(() => parsePromQL('x{a=~"(b)\\\\1"}'), (e: unknown) => e instanceof PromQLParseError && /invalid regular expression "\(b\)\\1".*not RE2 syntax/.test(e.message));
  assert.throws(() => parsePromQL('x{a=~"(?=b)b"}'), PromQLParseError);
});

test('two metrics that differ only by name: operations that drop the name refuse the result, as Prometheus does', () => {
  const store = storeWith([
    [{ __name__: 'a_total', x: '1' }, [0, 10, 20]],
    [{ __name__: 'b_total', x: '1' }, [0, 20, 40]],
  ]);
  const ev = new Evaluator(store);
  const at = T0 + 20 * S;
  for (const q of ['rate({__name__=~"a_total|b_total"}[1m])', 'sum(rate({__name__=~"a_total|b_total"}[1m]))', 'max_over_time({__name__=~"a_total|b_total"}[1m])', '{__name__=~"a_total|b_total"} * 2', '-{__name__=~"a_total|b_total"}', 'abs({__name__=~"a_total|b_total"})']) {
    assert.throws(() => ev.instant(parsePromQL(q), at), (e: unknown) => e instanceof PromQLEvalError && /same labelset/.test(e.message), q);
  }
  // Comparisons keep the name; each metric on its own is fine; two queries added up are fine.
  assert.deepEqual(lines(ev.instant(parsePromQL('{__name__=~"a_total|b_total"} > 5'), at)), ['a_total{x="1"} 20', 'b_total{x="1"} 40']);
  assert.deepEqual(lines(ev.instant(parsePromQL('sum by (x) (increase(a_total[1m])) + sum by (x) (increase(b_total[1m]))'), at)), ['{x="1"} 60']);
});
