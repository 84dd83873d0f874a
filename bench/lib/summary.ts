// Medians across repetitions and the markdown tables the harness prints.

/** Median of the finite numbers in xs; undefined when there are none. */
export function median(xs: Array<number | null | undefined>): number | undefined {
  const v = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** a / b rendered as `0.72×`, or `—` when either side is missing. */
export function ratio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || b === 0) return '—';
  return `${(a / b).toFixed(2)}×`;
}

/** A number with sensible precision for a table cell, or `—`. */
export function fmt(x: number | undefined, digits = 0): string {
  if (x === undefined) return '—';
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A GitHub-flavoured markdown table; the first column is left-aligned, the rest right-aligned. */
export function markdownTable(headers: string[], rows: string[][]): string {
  const align = headers.map((_, i) => (i === 0 ? '---' : '---:'));
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(align), ...rows.map(line)].join('\n');
}
