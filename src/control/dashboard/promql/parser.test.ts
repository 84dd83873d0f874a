import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Expr } from './ast.js';
import { parsePromQL, PromQLParseError, typeOf } from './parser.js';

/** A compact rendering of the tree, so each case states the structure it expects. */
function show(e: Expr): string {
  switch (e.kind) {
    case 'number': return String(e.value);
    case 'string': return JSON.stringify(e.value);
    case 'selector': return `${e.name ?? ''}{${e.matchers.map((m) => `${m.name}${m.op}${JSON.stringify(m.value)}`).join(',')}}${e.offsetMs ? ` offset ${e.offsetMs}` : ''}`;
    case 'range': return `${show(e.selector)}[${e.rangeMs}]`;
    case 'call': return `${e.func}(${e.args.map(show).join(', ')})`;
    case 'aggregate': return `${e.op}${e.grouping.length || e.without ? ` ${e.without ? 'without' : 'by'}(${e.grouping.join(',')})` : ''}(${e.param ? `${show(e.param)}, ` : ''}${show(e.expr)})`;
    case 'binary': {
      const m = e.matching && e.matching.card !== 'many-to-many' || (e.matching?.labels.length ?? 0) > 0
        ? ` ${e.matching!.on ? 'on' : 'ignoring'}(${e.matching!.labels.join(',')})${e.matching!.card === 'many-to-one' ? ` group_left(${e.matching!.include.join(',')})` : e.matching!.card === 'one-to-many' ? ` group_right(${e.matching!.include.join(',')})` : ''}`
        : '';
      return `(${show(e.lhs)} ${e.op}${e.bool ? ' bool' : ''}${m} ${show(e.rhs)})`;
    }
    case 'unary': return `${e.op}${show(e.expr)}`;
    case 'paren': return show(e.expr);
  }
}

const OK: [string, string][] = [
  ['up', 'up{}'],
  ['istio_requests_total{reporter="destination", response_code!~"5.*"}', 'istio_requests_total{reporter="destination",response_code!~"5.*"}'],
  ['{__name__="up", job=~"a|b"}', '{__name__="up",job=~"a|b"}'],
  ["x{a='single', b=`raw\\n`}", 'x{a="single",b="raw\\\\n"}'],
  ['rate(x[5m])', 'rate(x{}[300000])'],
  ['rate(x[1h30m])', 'rate(x{}[5400000])'],
  ['x offset 5m', 'x{} offset 300000'],
  ['rate(x[1m] offset 1m)', 'rate(x{} offset 60000[60000])'],
  ['sum(rate(x[1m])) by (a, b)', 'sum by(a,b)(rate(x{}[60000]))'],
  ['sum by (a) (x)', 'sum by(a)(x{})'],
  ['sum without (le) (x)', 'sum without(le)(x{})'],
  ['topk(3, x)', 'topk(3, x{})'],
  ['quantile(0.9, x)', 'quantile(0.9, x{})'],
  ['histogram_quantile(0.99, sum(rate(b_bucket[1m])) by (le))', 'histogram_quantile(0.99, sum by(le)(rate(b_bucket{}[60000])))'],
  ['1 + 2 * 3', '(1 + (2 * 3))'],
  ['(1 + 2) * 3', '((1 + 2) * 3)'],
  ['2 ^ 3 ^ 2', '(2 ^ (3 ^ 2))'],
  ['-2 ^ 2', '-(2 ^ 2)'],
  ['a - b - c', '((a{} - b{}) - c{})'],
  ['a / on(x) b', '(a{} / on(x) b{})'],
  ['a * on(x) group_left(y) b', '(a{} * on(x) group_left(y) b{})'],
  ['a + ignoring(z) group_right b', '(a{} + ignoring(z) group_right() b{})'],
  ['a > bool 1', '(a{} > bool 1)'],
  ['a or b and c', '(a{} or (b{} and c{}))'],
  ['a == 1 or b', '((a{} == 1) or b{})'],
  ['a unless on(x) b', '(a{} unless on(x) b{})'],
  ['label_replace(up, "d", "$1", "s", "(.*)")', 'label_replace(up{}, "d", "$1", "s", "(.*)")'],
  ['vector(1) + scalar(x)', '(vector(1) + scalar(x{}))'],
  ['round(x, 0.1)', 'round(x{}, 0.1)'],
  ['clamp_min(x, 0)', 'clamp_min(x{}, 0)'],
  ['x # a comment', 'x{}'],
  ['1e3 + 0x10 + .5 + Inf', '(((1000 + 16) + 0.5) + Infinity)'],
  ['sum(x) / sum(y) * 100', '((sum(x{}) / sum(y{})) * 100)'],
  ['time()', 'time()'],
];

test('parses the PromQL of Istio\'s dashboards and Kiali, with Prometheus\'s precedence', () => {
  for (const [q, want] of OK) assert.equal(show(parsePromQL(q)), want, q);
});

test('types: scalar, vector, range vector', () => {
  assert.equal(typeOf(parsePromQL('1 + 1')), 'scalar');
  assert.equal(typeOf(parsePromQL('x + 1')), 'vector');
  assert.equal(typeOf(parsePromQL('x[5m]')), 'matrix');
  assert.equal(typeOf(parsePromQL('scalar(x)')), 'scalar');
});

const ERRORS: [string, RegExp][] = [
  ['', /no expression found/],
  ['predict_linear(x[5m], 60)', /unsupported PromQL function "predict_linear".*supports: .*rate/],
  ['count_values("v", x)', /unsupported PromQL aggregation "count_values"/],
  ['rate(x)', /expected type range vector in call to function "rate", got instant vector/],
  ['sum(x[5m])', /expected type instant vector in aggregation expression, got range vector/],
  ['x[5m] + 1', /binary expression must contain only scalar and instant vector types/],
  ['1 > 2', /comparisons between scalars must use BOOL modifier/],
  ['x{a="b"', /expected ',' or '}'/],
  ['x{a=b}', /expected a quoted label value/],
  ['x{a~"b"}', /unexpected character '~'|expected a label matching operator/],
  ['{a=""}', /at least one non-empty matcher/],
  ['x{a=~"("}', /invalid regular expression/],
  ['rate(x[5m:1m])', /subqueries/],
  ['x @ 100', /@ modifier/],
  ['(x + 1', /expected '\)'/],
  ['x y', /unexpected "y"/],
  ['"abc', /unterminated quoted string/],
  ['x[5]', /expected a duration/],
  ['a and 1', /set operator "and" not allowed in binary scalar expression/],
  ['a + group_left b', /unexpected keyword "group_left"|needs on/],
  ['a or on(x) group_left b', /no grouping allowed for "or"/],
  ['histogram_quantile(x, y)', /expected type scalar in call to function "histogram_quantile"/],
  ['round()', /expected 1 to 2 argument/],
  ['sum(x) by (a) by (b)', /two grouping clauses|unexpected/],
];

test('refuses what it cannot evaluate, with the position and a reason that names the problem', () => {
  for (const [q, re] of ERRORS) {
    assert.throws(() => parsePromQL(q), (e: unknown) => {
      assert.ok(e instanceof PromQLParseError, `${q}: ${String(e)}`);
      assert.match(e.message, /^1:\d+: parse error: /, q);
      assert.match(e.message, re, q);
      return true;
    }, q);
  }
});

test('the error position points at the offending token', () => {
  assert.throws(() => parsePromQL('sum(rate(x[5m])) + nope(x)'), (e: unknown) => e instanceof PromQLParseError && e.position === 19);
});
