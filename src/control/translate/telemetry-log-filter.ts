// Telemetry accessLogging[].filter.expression: Istio compiles the CEL
// expression into Envoy's envoy.access_loggers.extension_filters.cel. weft's
// proxy has no CEL engine, so the control plane translates the subset that
// Envoy's built-in filters express exactly: comparisons of response.code with
// an integer, joined by && and || (&& binds tighter, no parentheses), e.g.
// Istio's documented `response.code >= 400`. Anything else is refused by
// name with this list, never dropped.
import type { envoy_config_accesslog_v3_AccessLogFilter as AccessLogFilter } from '../../xds/gen/types.js';

export const SUPPORTED_LOG_FILTER = 'comparisons of response.code with an integer (==, !=, >=, <=, >, <), joined by && and ||';

const ATOM = /^\s*response\.code\s*(==|!=|>=|<=|>|<)\s*(\d{1,3})\s*$/;

function statusFilter(op: 'EQ' | 'GE' | 'LE', value: number): AccessLogFilter {
  return { status_code_filter: { comparison: { op, value: { default_value: value, runtime_key: 'access_log.status_code' } } } };
}

function atom(text: string): AccessLogFilter | string {
  const m = ATOM.exec(text);
  if (!m) return `"${text.trim()}" is not supported by weft (supported: ${SUPPORTED_LOG_FILTER})`;
  const n = Number(m[2]);
  switch (m[1]) {
    case '==': return statusFilter('EQ', n);
    case '>=': return statusFilter('GE', n);
    case '<=': return statusFilter('LE', n);
    case '>': return statusFilter('GE', n + 1);
    case '<': return statusFilter('LE', n - 1);
    default: return { or_filter: { filters: [statusFilter('LE', n - 1), statusFilter('GE', n + 1)] } };
  }
}

/** Envoy's AccessLogFilter for `expression`, or the reasons it is outside weft's subset. */
export function translateLogFilterExpression(expression: string): AccessLogFilter | { readonly errors: string[] } {
  const errors: string[] = [];
  const ors: AccessLogFilter[] = [];
  for (const disjunct of expression.split('||')) {
    const ands: AccessLogFilter[] = [];
    for (const part of disjunct.split('&&')) {
      const f = atom(part);
      if (typeof f === 'string') errors.push(f);
      else ands.push(f);
    }
    ors.push(ands.length === 1 ? ands[0]! : { and_filter: { filters: ands } });
  }
  if (errors.length > 0) return { errors };
  return ors.length === 1 ? ors[0]! : { or_filter: { filters: ors } };
}
