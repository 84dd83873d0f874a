// How messages are printed: one Istio-like line each, or JSON.
//   Error [WEFT0302 (IST0101)] (VirtualService reviews.default) spec.http[0].route[1].destination.subset: subset "v4" not found in DestinationRule reviews.default at reviews.yaml:14
import type { ValidationMessage } from './message.js';

const SEVERITY_WORD = { error: 'Error', warning: 'Warning', info: 'Info' } as const;
const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 } as const;

export function formatMessage(m: ValidationMessage): string {
  const key = m.key ? ` (${m.key})` : '';
  const path = m.path ? ` ${m.path}:` : '';
  const where = m.file !== undefined ? ` at ${m.file}${m.line !== undefined ? `:${m.line}` : ''}` : '';
  const code = m.istio ? `${m.code} (${m.istio})` : m.code;
  return `${SEVERITY_WORD[m.severity]} [${code}]${key}${path} ${m.message}${where}`;
}

/** Messages in a stable order: by file, line, then severity (errors first). */
export function sortMessages(messages: readonly ValidationMessage[]): ValidationMessage[] {
  return [...messages].sort(
    (a, b) =>
      (a.file ?? '').localeCompare(b.file ?? '') ||
      (a.line ?? 0) - (b.line ?? 0) ||
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      a.code.localeCompare(b.code),
  );
}

/** Counts for the summary line. */
export function countBySeverity(messages: readonly ValidationMessage[]): { errors: number; warnings: number; infos: number } {
  let errors = 0;
  let warnings = 0;
  let infos = 0;
  for (const m of messages) {
    if (m.severity === 'error') errors++;
    else if (m.severity === 'warning') warnings++;
    else infos++;
  }
  return { errors, warnings, infos };
}
