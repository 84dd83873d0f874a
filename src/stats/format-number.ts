// Number formatting that matches what Envoy's admin prints, so text output can
// be compared line by line with Envoy's. Envoy formats doubles with the {fmt}
// library: `{}` (shortest round-trip) in quantile summaries, `{:g}` for bucket
// bounds in bucket summaries, `{:.32g}` for Prometheus `le` and `_sum`.

interface Decimal {
  negative: boolean;
  /** Significant digits, no leading or trailing zeros (except "0" for zero). */
  digits: string;
  /** Decimal exponent of the first digit. */
  exp: number;
}

function decompose(v: number, precision?: number): Decimal {
  const s = precision === undefined ? Math.abs(v).toExponential() : Math.abs(v).toExponential(precision - 1);
  const e = s.indexOf('e');
  let digits = s.slice(0, e).replace('.', '');
  digits = digits.replace(/0+$/, '') || '0';
  return { negative: v < 0 || Object.is(v, -0), digits, exp: Number(s.slice(e + 1)) };
}

function render(d: Decimal, useExp: boolean): string {
  const sign = d.negative && d.digits !== '0' ? '-' : '';
  if (useExp) {
    const mant = d.digits.length > 1 ? `${d.digits[0]}.${d.digits.slice(1)}` : d.digits;
    const a = Math.abs(d.exp);
    return `${sign}${mant}e${d.exp < 0 ? '-' : '+'}${a < 10 ? '0' : ''}${a}`;
  }
  if (d.exp < 0) return `${sign}0.${'0'.repeat(-d.exp - 1)}${d.digits}`;
  if (d.digits.length <= d.exp + 1) return sign + d.digits + '0'.repeat(d.exp + 1 - d.digits.length);
  return `${sign}${d.digits.slice(0, d.exp + 1)}.${d.digits.slice(d.exp + 1)}`;
}

function special(v: number): string | undefined {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (v === 0) return '0';
  return undefined;
}

/** C's `%.<precision>g` (and {fmt}'s `{:.<precision>g}`); precision 6 is `{:g}`. */
export function formatG(v: number, precision = 6): string {
  const s = special(v);
  if (s !== undefined) return s;
  const p = Math.max(1, precision);
  // Integers that fit in the precision print as themselves (the common case: counts, bounds, integer sums).
  if (Number.isSafeInteger(v) && Math.abs(v) < 10 ** p) return String(v);
  const d = decompose(v, p);
  return render(d, d.exp < -4 || d.exp >= p);
}

/** {fmt}'s `{}` for a double: shortest digits that round-trip, exponent form outside [1e-4, 1e16). */
export function formatShortest(v: number): string {
  const s = special(v);
  if (s !== undefined) return s;
  // In this range JavaScript's own shortest round-trip form is already fixed-point, as {fmt}'s is.
  const a = Math.abs(v);
  if (a >= 1e-4 && a < 1e16) return String(v);
  const d = decompose(v);
  return render(d, d.exp < -4 || d.exp >= 16);
}

/** A counter or gauge value: integers as integers, anything else like {fmt}'s `{}`. */
export function formatStatValue(v: number): string {
  return Number.isSafeInteger(v) ? String(v) : formatShortest(v);
}
