// The PromQL syntax tree of the embedded store's query language: the subset
// Istio's Grafana dashboards and Kiali's graph use (docs/dashboard.md lists
// it). Produced by parser.ts, read by evaluator.ts; plain immutable data.

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  readonly name: string;
  readonly op: MatchOp;
  readonly value: string;
  /** Compiled for =~ and !~: anchored, as Prometheus anchors label regexes. */
  readonly re?: RegExp;
}

export type BinaryOp =
  | '+' | '-' | '*' | '/' | '%' | '^' | 'atan2'
  | '==' | '!=' | '>' | '<' | '>=' | '<='
  | 'and' | 'or' | 'unless';

export type AggregateOp = 'sum' | 'avg' | 'min' | 'max' | 'count' | 'group' | 'topk' | 'bottomk' | 'quantile' | 'stddev' | 'stdvar';

export interface VectorMatching {
  /** 'one-to-one', or group_left / group_right ('many-to-one' / 'one-to-many'), or the set operators' many-to-many. */
  readonly card: 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';
  /** true: on(labels); false: ignoring(labels). */
  readonly on: boolean;
  readonly labels: readonly string[];
  /** group_left(...) / group_right(...) labels copied from the "one" side. */
  readonly include: readonly string[];
}

export type Expr =
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'selector'; readonly name?: string; readonly matchers: readonly LabelMatcher[]; readonly offsetMs: number }
  | { readonly kind: 'range'; readonly selector: Extract<Expr, { kind: 'selector' }>; readonly rangeMs: number }
  | { readonly kind: 'call'; readonly func: string; readonly args: readonly Expr[] }
  | { readonly kind: 'aggregate'; readonly op: AggregateOp; readonly expr: Expr; readonly param?: Expr; readonly grouping: readonly string[]; readonly without: boolean }
  | { readonly kind: 'binary'; readonly op: BinaryOp; readonly lhs: Expr; readonly rhs: Expr; readonly bool: boolean; readonly matching?: VectorMatching }
  | { readonly kind: 'unary'; readonly op: '-' | '+'; readonly expr: Expr }
  | { readonly kind: 'paren'; readonly expr: Expr };

/** What an expression evaluates to, known from its syntax alone (checked at parse time, as Prometheus does). */
export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string';
