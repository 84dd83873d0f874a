// PromQL parser: text → syntax tree (ast.ts), with Prometheus's operator
// precedence and its parse-time type checks (a range vector where an instant
// vector belongs, a function's argument types, comparisons between scalars
// without `bool`). Errors carry the 1-based column: `1:14: parse error: …`,
// Prometheus's own shape. Anything outside the supported subset (subqueries,
// `@`, functions the evaluator lacks) is refused by name, never half-parsed.
import type { AggregateOp, BinaryOp, Expr, LabelMatcher, MatchOp, ValueType, VectorMatching } from './ast.js';
import { FUNCTIONS, SUPPORTED_FUNCTION_NAMES } from './function-signatures.js';
import { anchoredRegExp } from './linear-regexp.js';

export class PromQLParseError extends Error {
  constructor(readonly position: number, readonly reason: string) {
    super(`1:${position + 1}: parse error: ${reason}`);
  }
}

type TokKind = 'num' | 'dur' | 'str' | 'ident' | 'op' | 'eof';
interface Tok {
  kind: TokKind;
  text: string;
  pos: number;
  /** Numbers and durations (ms). */
  value?: number;
}

const AGGREGATES: ReadonlySet<string> = new Set<AggregateOp>(['sum', 'avg', 'min', 'max', 'count', 'group', 'topk', 'bottomk', 'quantile', 'stddev', 'stdvar']);
const PARAM_AGGREGATES: ReadonlySet<string> = new Set(['topk', 'bottomk', 'quantile']);
const UNSUPPORTED_AGGREGATES: ReadonlySet<string> = new Set(['count_values', 'limitk', 'limit_ratio']);
const COMPARISON: ReadonlySet<string> = new Set(['==', '!=', '>', '<', '>=', '<=']);
const SET_OPS: ReadonlySet<string> = new Set(['and', 'or', 'unless']);
const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };
const MULTI_OPS = ['==', '!=', '>=', '<=', '=~', '!~'];
const SINGLE_OPS = '(){}[],=+-*/%^<>:@';

function lex(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    const start = i;
    if (c === '"' || c === "'" || c === '`') {
      let out = '';
      i++;
      for (;;) {
        const d = src[i];
        if (d === undefined) throw new PromQLParseError(start, 'unterminated quoted string');
        if (d === c) break;
        if (d === '\\' && c !== '`') {
          const e = src[i + 1];
          const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'", a: '\x07', b: '\b', f: '\f', v: '\v' };
          if (e !== undefined && e in map) {
            out += map[e];
            i += 2;
            continue;
          }
          throw new PromQLParseError(i, `unknown escape sequence '\\${e ?? ''}'`);
        }
        out += d;
        i++;
      }
      i++;
      toks.push({ kind: 'str', text: out, pos: start });
      continue;
    }
    if (/[0-9.]/.test(c) && (c !== '.' || /[0-9]/.test(src[i + 1] ?? ''))) {
      // A duration is digits followed by units (5m, 1h30m, 500ms); otherwise a number.
      const dur = /^(?:\d+(?:ms|[smhdwy]))+/.exec(src.slice(i));
      if (dur && !/[a-zA-Z0-9_]/.test(src[i + dur[0].length] ?? '')) {
        let ms = 0;
        for (const m of dur[0].matchAll(/(\d+)(ms|[smhdwy])/g)) ms += Number(m[1]) * DURATION_UNITS[m[2]!]!;
        toks.push({ kind: 'dur', text: dur[0], pos: start, value: ms });
        i += dur[0].length;
        continue;
      }
      const num = /^(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/.exec(src.slice(i))!;
      toks.push({ kind: 'num', text: num[0], pos: start, value: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    if (/[a-zA-Z_:]/.test(c)) {
      const id = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(src.slice(i))![0];
      i += id.length;
      const low = id.toLowerCase();
      if (low === 'inf' || low === 'nan') toks.push({ kind: 'num', text: id, pos: start, value: low === 'inf' ? Infinity : NaN });
      else toks.push({ kind: 'ident', text: id, pos: start });
      continue;
    }
    const two = src.slice(i, i + 2);
    if (MULTI_OPS.includes(two)) {
      toks.push({ kind: 'op', text: two, pos: start });
      i += 2;
      continue;
    }
    if (SINGLE_OPS.includes(c)) {
      toks.push({ kind: 'op', text: c, pos: start });
      i++;
      continue;
    }
    throw new PromQLParseError(i, `unexpected character '${c}'`);
  }
  toks.push({ kind: 'eof', text: '', pos: src.length });
  return toks;
}

/** The type an expression evaluates to. */
export function typeOf(e: Expr): ValueType {
  switch (e.kind) {
    case 'number': return 'scalar';
    case 'string': return 'string';
    case 'selector': return 'vector';
    case 'range': return 'matrix';
    case 'call': return FUNCTIONS[e.func]!.returns;
    case 'aggregate': return 'vector';
    case 'binary': return typeOf(e.lhs) === 'scalar' && typeOf(e.rhs) === 'scalar' ? 'scalar' : 'vector';
    case 'unary': return typeOf(e.expr);
    case 'paren': return typeOf(e.expr);
  }
}

/** Binary operator precedence, lowest first (Prometheus's table); ^ is right-associative. */
function precedence(op: string): number {
  if (op === 'or') return 1;
  if (op === 'and' || op === 'unless') return 2;
  if (COMPARISON.has(op)) return 3;
  if (op === '+' || op === '-') return 4;
  if (op === '*' || op === '/' || op === '%' || op === 'atan2') return 5;
  if (op === '^') return 6;
  return 0;
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Tok[]) {}

  private get t(): Tok {
    return this.toks[this.i]!;
  }

  private next(): Tok {
    return this.toks[this.i++]!;
  }

  private is(text: string, kind: TokKind = 'op'): boolean {
    return this.t.kind === kind && this.t.text === text;
  }

  private expect(text: string, what = `'${text}'`): Tok {
    if (!this.is(text)) throw new PromQLParseError(this.t.pos, `expected ${what}, found ${describe(this.t)}`);
    return this.next();
  }

  parse(): Expr {
    if (this.t.kind === 'eof') throw new PromQLParseError(0, 'no expression found in input');
    const e = this.expr(1);
    if ((this.t as Tok).kind !== 'eof') throw new PromQLParseError(this.t.pos, `unexpected ${describe(this.t)}`);
    return e;
  }

  private binaryOpAt(): string | undefined {
    const t = this.t;
    if (t.kind === 'op' && ['+', '-', '*', '/', '%', '^', '==', '!=', '>', '<', '>=', '<='].includes(t.text)) return t.text;
    if (t.kind === 'ident' && ['and', 'or', 'unless', 'atan2'].includes(t.text.toLowerCase())) return t.text.toLowerCase();
    return undefined;
  }

  private expr(minPrec: number): Expr {
    let lhs = this.unary();
    for (;;) {
      const op = this.binaryOpAt();
      if (!op) return lhs;
      const prec = precedence(op);
      if (prec < minPrec) return lhs;
      const opTok = this.next();
      let bool = false;
      if (this.t.kind === 'ident' && this.t.text === 'bool') {
        if (!COMPARISON.has(op)) throw new PromQLParseError(this.t.pos, 'bool modifier can only be used on comparison operators');
        bool = true;
        this.next();
      }
      const matching = this.matching(op);
      const rhs = this.expr(op === '^' ? prec : prec + 1);
      lhs = this.checkBinary({ kind: 'binary', op: op as BinaryOp, lhs, rhs, bool, ...(matching ? { matching } : {}) }, opTok.pos);
    }
  }

  /** on(...)/ignoring(...) and group_left/group_right after a binary operator. */
  private matching(op: string): VectorMatching | undefined {
    const kw = this.t.kind === 'ident' ? this.t.text : '';
    let on = false;
    let labels: string[] = [];
    let has = false;
    if (kw === 'on' || kw === 'ignoring') {
      this.next();
      on = kw === 'on';
      labels = this.labelList();
      has = true;
    }
    let card: VectorMatching['card'] = SET_OPS.has(op) ? 'many-to-many' : 'one-to-one';
    let include: string[] = [];
    const g = this.t.kind === 'ident' ? this.t.text : '';
    if (g === 'group_left' || g === 'group_right') {
      const pos = this.t.pos;
      if (!has) throw new PromQLParseError(pos, `${g} needs on(...) or ignoring(...) before it`);
      if (SET_OPS.has(op)) throw new PromQLParseError(pos, `no grouping allowed for "${op}" operation`);
      this.next();
      card = g === 'group_left' ? 'many-to-one' : 'one-to-many';
      if (this.is('(')) include = this.labelList();
      has = true;
    }
    return has ? { card, on, labels, include } : (SET_OPS.has(op) ? { card, on: false, labels: [], include: [] } : undefined);
  }

  private checkBinary(e: Extract<Expr, { kind: 'binary' }>, pos: number): Expr {
    const lt = typeOf(e.lhs);
    const rt = typeOf(e.rhs);
    for (const [t, side] of [[lt, 'left'], [rt, 'right']] as const) {
      if (t !== 'scalar' && t !== 'vector') throw new PromQLParseError(pos, `binary expression must contain only scalar and instant vector types (the ${side} side is a ${t === 'matrix' ? 'range vector' : t})`);
    }
    if (SET_OPS.has(e.op) && (lt !== 'vector' || rt !== 'vector')) throw new PromQLParseError(pos, `set operator "${e.op}" not allowed in binary scalar expression`);
    if (COMPARISON.has(e.op) && lt === 'scalar' && rt === 'scalar' && !e.bool) throw new PromQLParseError(pos, 'comparisons between scalars must use BOOL modifier');
    if (e.matching && e.matching.card !== 'many-to-many' && (lt !== 'vector' || rt !== 'vector')) {
      if (e.matching.labels.length || e.matching.include.length || e.matching.card !== 'one-to-one') throw new PromQLParseError(pos, 'vector matching only allowed between instant vectors');
    }
    return e;
  }

  private unary(): Expr {
    if (this.is('-') || this.is('+')) {
      const op = this.next().text as '-' | '+';
      // Unary minus binds looser than ^ (-2^2 is -4), as in Prometheus.
      const inner = this.powerOperand();
      const t = typeOf(inner);
      if (t !== 'scalar' && t !== 'vector') throw new PromQLParseError(this.t.pos, 'unary expression only allowed on expressions of type scalar or instant vector');
      if (inner.kind === 'number') return { kind: 'number', value: op === '-' ? -inner.value : inner.value };
      return { kind: 'unary', op, expr: inner };
    }
    return this.postfix(this.primary());
  }

  /** An operand with any ^ chain applied (the unary operator's operand). */
  private powerOperand(): Expr {
    let base = this.postfix(this.primary());
    if (this.is('^')) {
      const pos = this.next().pos;
      const matching = this.matching('^');
      const rhs = this.expr(precedence('^'));
      base = this.checkBinary({ kind: 'binary', op: '^', lhs: base, rhs, bool: false, ...(matching ? { matching } : {}) }, pos);
    }
    return base;
  }

  /** [range], offset, and the refused subquery / @ forms. */
  private postfix(e: Expr): Expr {
    for (;;) {
      if (this.is('[')) {
        const pos = this.next().pos;
        const d = this.next();
        if (d.kind !== 'dur') throw new PromQLParseError(d.pos, `expected a duration in the range brackets (e.g. [5m]), found ${describe(d)}`);
        if (this.is(':') || (this.t.kind === 'ident' && this.t.text.startsWith(':'))) throw new PromQLParseError(this.t.pos, 'subqueries (expr[range:step]) are not supported by the embedded store');
        this.expect(']');
        if (e.kind !== 'selector') throw new PromQLParseError(pos, `ranges only allowed for vector selectors (a subquery is needed otherwise, which the embedded store does not support)`);
        if (d.value! <= 0) throw new PromQLParseError(d.pos, 'range must be positive');
        e = { kind: 'range', selector: e, rangeMs: d.value! };
        continue;
      }
      if (this.t.kind === 'ident' && this.t.text === 'offset') {
        const pos = this.next().pos;
        let sign = 1;
        if (this.is('-')) {
          this.next();
          sign = -1;
        }
        const d = this.next();
        if (d.kind !== 'dur') throw new PromQLParseError(d.pos, `expected a duration after offset, found ${describe(d)}`);
        if (e.kind === 'selector') e = { ...e, offsetMs: sign * d.value! };
        else if (e.kind === 'range') e = { ...e, selector: { ...e.selector, offsetMs: sign * d.value! } };
        else throw new PromQLParseError(pos, 'offset modifier must be preceded by an instant vector selector or range vector selector');
        continue;
      }
      if (this.is('@')) throw new PromQLParseError(this.t.pos, 'the @ modifier is not supported by the embedded store');
      return e;
    }
  }

  private primary(): Expr {
    const t = this.t;
    if (t.kind === 'num') {
      this.next();
      return { kind: 'number', value: t.value! };
    }
    if (t.kind === 'str') {
      this.next();
      return { kind: 'string', value: t.text };
    }
    if (t.kind === 'dur') throw new PromQLParseError(t.pos, `unexpected duration "${t.text}"`);
    if (this.is('(')) {
      this.next();
      const e = this.expr(1);
      this.expect(')');
      return { kind: 'paren', expr: e };
    }
    if (this.is('{')) return this.selector(undefined, t.pos);
    if (t.kind === 'ident') {
      const name = t.text;
      const after = this.toks[this.i + 1]!;
      if (AGGREGATES.has(name.toLowerCase()) && (after.text === '(' || after.text === 'by' || after.text === 'without') && after.kind !== 'str') return this.aggregate();
      if (UNSUPPORTED_AGGREGATES.has(name) && after.text === '(') throw new PromQLParseError(t.pos, `unsupported PromQL aggregation "${name}" (the embedded store supports: ${[...AGGREGATES].join(', ')})`);
      if (after.kind === 'op' && after.text === '(') return this.call();
      if (['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset'].includes(name)) throw new PromQLParseError(t.pos, `unexpected keyword "${name}"`);
      this.next();
      return this.selector(name, t.pos);
    }
    throw new PromQLParseError(t.pos, `unexpected ${describe(t)}`);
  }

  private selector(name: string | undefined, pos: number): Extract<Expr, { kind: 'selector' }> {
    const matchers: LabelMatcher[] = [];
    if (this.is('{')) {
      this.next();
      while (!this.is('}')) {
        const l = this.next();
        if (l.kind !== 'ident' && l.kind !== 'str') throw new PromQLParseError(l.pos, `expected a label name, found ${describe(l)}`);
        const op = this.next();
        if (op.kind !== 'op' || !['=', '!=', '=~', '!~'].includes(op.text)) throw new PromQLParseError(op.pos, `expected a label matching operator (=, !=, =~, !~), found ${describe(op)}`);
        const v = this.next();
        if (v.kind !== 'str') throw new PromQLParseError(v.pos, `expected a quoted label value, found ${describe(v)}`);
        matchers.push(matcher(l.text, op.text as MatchOp, v.text, v.pos));
        if (this.is(',')) this.next();
        else if (!this.is('}')) throw new PromQLParseError(this.t.pos, `expected ',' or '}' in label matchers, found ${describe(this.t)}`);
      }
      this.next();
    }
    const nameMatcher = matchers.find((m) => m.name === '__name__');
    if (name !== undefined && nameMatcher) throw new PromQLParseError(pos, `metric name must not be set twice: "${name}" or "${nameMatcher.value}"`);
    // Prometheus: a selector must contain at least one matcher that does not match the empty string.
    if (name === undefined && matchers.every(matchesEmpty)) throw new PromQLParseError(pos, 'vector selector must contain at least one non-empty matcher');
    return { kind: 'selector', ...(name !== undefined ? { name } : {}), matchers, offsetMs: 0 };
  }

  private labelList(): string[] {
    this.expect('(');
    const out: string[] = [];
    while (!this.is(')')) {
      const l = this.next();
      if (l.kind !== 'ident' && l.kind !== 'str') throw new PromQLParseError(l.pos, `expected a label name in grouping, found ${describe(l)}`);
      out.push(l.text);
      if (this.is(',')) this.next();
      else if (!this.is(')')) throw new PromQLParseError(this.t.pos, `expected ',' or ')' in grouping, found ${describe(this.t)}`);
    }
    this.next();
    return out;
  }

  private aggregate(): Expr {
    const opTok = this.next();
    const op = opTok.text.toLowerCase() as AggregateOp;
    let grouping: string[] = [];
    let without = false;
    let grouped = false;
    const modifier = (): void => {
      if (this.t.kind === 'ident' && (this.t.text === 'by' || this.t.text === 'without')) {
        if (grouped) throw new PromQLParseError(this.t.pos, 'aggregation has two grouping clauses');
        without = this.next().text === 'without';
        grouping = this.labelList();
        grouped = true;
      }
    };
    modifier();
    this.expect('(', `'(' after ${op}`);
    let param: Expr | undefined;
    if (PARAM_AGGREGATES.has(op)) {
      param = this.expr(1);
      this.expect(',', `',' after the parameter of ${op}`);
    }
    const expr = this.expr(1);
    this.expect(')');
    modifier();
    const t = typeOf(expr);
    if (t !== 'vector') throw new PromQLParseError(opTok.pos, `expected type instant vector in aggregation expression, got ${typeName(t)}`);
    if (param && typeOf(param) !== 'scalar') throw new PromQLParseError(opTok.pos, `expected type scalar in aggregation parameter, got ${typeName(typeOf(param))}`);
    return { kind: 'aggregate', op, expr, grouping, without, ...(param ? { param } : {}) };
  }

  private call(): Expr {
    const nameTok = this.next();
    const sig = FUNCTIONS[nameTok.text];
    if (!sig) {
      throw new PromQLParseError(nameTok.pos, `unsupported PromQL function "${nameTok.text}" (the embedded store supports: ${SUPPORTED_FUNCTION_NAMES.join(', ')}; pass --prometheus URL to use a real Prometheus)`);
    }
    this.expect('(');
    const args: Expr[] = [];
    while (!this.is(')')) {
      args.push(this.expr(1));
      if (this.is(',')) this.next();
      else if (!this.is(')')) throw new PromQLParseError(this.t.pos, `expected ',' or ')' in the arguments of ${nameTok.text}, found ${describe(this.t)}`);
    }
    this.next();
    const min = sig.args.length - (sig.optional ?? 0);
    if (args.length < min || (!sig.variadic && args.length > sig.args.length)) {
      throw new PromQLParseError(nameTok.pos, `expected ${sig.optional ? `${min} to ${sig.args.length}` : sig.args.length} argument(s) in call to "${nameTok.text}", got ${args.length}`);
    }
    args.forEach((a, k) => {
      const want = sig.args[Math.min(k, sig.args.length - 1)]!;
      const got = typeOf(a);
      if (got !== want) throw new PromQLParseError(nameTok.pos, `expected type ${typeName(want)} in call to function "${nameTok.text}", got ${typeName(got)}`);
    });
    return { kind: 'call', func: nameTok.text, args };
  }
}

function typeName(t: ValueType): string {
  return t === 'matrix' ? 'range vector' : t === 'vector' ? 'instant vector' : t;
}

function describe(t: Tok): string {
  if (t.kind === 'eof') return 'end of input';
  if (t.kind === 'str') return `string "${t.text}"`;
  return `"${t.text}"`;
}

function matchesEmpty(m: LabelMatcher): boolean {
  switch (m.op) {
    case '=': return m.value === '';
    case '!=': return m.value !== '';
    case '=~': return m.re!.test('');
    case '!~': return !m.re!.test('');
  }
}

/** A label matcher; regexes are anchored (Prometheus matches the whole value) and run in linear time (linear-regexp.ts). */
export function matcher(name: string, op: MatchOp, value: string, pos = 0): LabelMatcher {
  if (op === '=~' || op === '!~') {
    let re: RegExp;
    try {
      re = anchoredRegExp(value);
    } catch (e) {
      throw new PromQLParseError(pos, `invalid regular expression "${value}": ${(e as Error).message}`);
    }
    return { name, op, value, re };
  }
  return { name, op, value };
}

/** Parses a PromQL expression; throws PromQLParseError with the position and reason. */
export function parsePromQL(src: string): Expr {
  return new Parser(lex(src)).parse();
}
