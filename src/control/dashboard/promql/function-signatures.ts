// The PromQL functions the embedded store evaluates, with their argument and
// result types: one table, read by the parser (type checks, "unsupported
// function" errors that list what is supported) and the evaluator.
import type { ValueType } from './ast.js';

export interface FunctionSignature {
  readonly args: readonly ValueType[];
  readonly returns: ValueType;
  /** How many trailing arguments may be left out. */
  readonly optional?: number;
  /** The last argument type repeats (label_join's source labels). */
  readonly variadic?: boolean;
}

const overTime = { args: ['matrix'], returns: 'vector' } as const;
const math = { args: ['vector'], returns: 'vector' } as const;

export const FUNCTIONS: Readonly<Record<string, FunctionSignature>> = Object.freeze({
  rate: overTime,
  irate: overTime,
  increase: overTime,
  delta: overTime,
  idelta: overTime,
  resets: overTime,
  changes: overTime,
  sum_over_time: overTime,
  avg_over_time: overTime,
  min_over_time: overTime,
  max_over_time: overTime,
  count_over_time: overTime,
  last_over_time: overTime,
  present_over_time: overTime,
  absent_over_time: overTime,
  histogram_quantile: { args: ['scalar', 'vector'], returns: 'vector' },
  vector: { args: ['scalar'], returns: 'vector' },
  scalar: { args: ['vector'], returns: 'scalar' },
  time: { args: [], returns: 'scalar' },
  abs: math,
  ceil: math,
  floor: math,
  sqrt: math,
  exp: math,
  ln: math,
  log2: math,
  log10: math,
  sgn: math,
  round: { args: ['vector', 'scalar'], returns: 'vector', optional: 1 },
  clamp: { args: ['vector', 'scalar', 'scalar'], returns: 'vector' },
  clamp_min: { args: ['vector', 'scalar'], returns: 'vector' },
  clamp_max: { args: ['vector', 'scalar'], returns: 'vector' },
  label_replace: { args: ['vector', 'string', 'string', 'string', 'string'], returns: 'vector' },
  label_join: { args: ['vector', 'string', 'string', 'string'], returns: 'vector', variadic: true },
  absent: { args: ['vector'], returns: 'vector' },
  sort: math,
  sort_desc: math,
});

export const SUPPORTED_FUNCTION_NAMES: readonly string[] = Object.freeze(Object.keys(FUNCTIONS).sort());
