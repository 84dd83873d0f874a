// Prometheus naming and escaping, as Envoy's /stats/prometheus does it.

const INVALID_NAME_CHARS = /[^a-zA-Z0-9_]/g;

/** Replaces every character outside [a-zA-Z0-9_] with '_' (metric and label names). */
export function sanitizePrometheusName(name: string): string {
  return name.replace(INVALID_NAME_CHARS, '_');
}

/** Escapes a label value for the text format: backslash, double quote, newline. */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\\' ? '\\\\' : c === '"' ? '\\"' : '\\n'));
}

/** `a="x",b="y"` from (name, value) pairs; names sanitised, values escaped. */
export function formatLabels(pairs: readonly { readonly name: string; readonly value: string }[]): string {
  let out = '';
  for (const p of pairs) {
    if (out !== '') out += ',';
    out += `${sanitizePrometheusName(p.name)}="${escapeLabelValue(p.value)}"`;
  }
  return out;
}
