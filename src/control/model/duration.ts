// Istio's duration strings: the one parser validation and translation share. Istio reads durations the way Go's
// time.ParseDuration does (Kubernetes stores them as strings and Istio's CRD
// rules use CEL's duration(), which shares the syntax): a sequence of decimal
// numbers, each with a unit, e.g. "1.5s", "100ms", "5m", "1h30m", "250us";
// "0" alone is allowed. Protobuf's JSON form ("0.25s") is a subset.

const UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3,
  'μs': 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

const COMPONENT = /^(\d*)(?:\.(\d*))?([a-zµμ]+)/;

/** Nanoseconds of a duration string, or undefined when it is not well formed. */
export function parseDuration(text: string): number | undefined {
  let s = text;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') return undefined;
  let total = 0;
  while (s.length > 0) {
    const m = COMPONENT.exec(s);
    if (!m) return undefined;
    const whole = m[1]!;
    const frac = m[2];
    if (whole === '' && (frac === undefined || frac === '')) return undefined;
    const unit = UNIT_NS[m[3]!];
    if (unit === undefined) return undefined;
    total += Number(`${whole || '0'}.${frac || '0'}`) * unit;
    s = s.slice(m[0].length);
  }
  return sign * Math.round(total);
}


/** Milliseconds of a duration string (undefined input or a malformed one: undefined). */
export function parseDurationMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ns = parseDuration(text);
  return ns === undefined ? undefined : ns / 1e6;
}
