// A strict parser of the Prometheus text exposition format (0.0.4), used by
// tests (here and in integration tests) to prove /stats/prometheus output is
// valid, not just that it contains some substring. It refuses what a
// Prometheus server would refuse or silently mangle: bad names, bad escapes,
// a second TYPE for a family, a TYPE after the family's samples, a family whose
// samples are split up, duplicate series, and histograms whose buckets are not
// cumulative or whose +Inf bucket does not equal _count.

export type PromType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface PromSample {
  /** Sample name, e.g. `envoy_cluster_upstream_rq_time_bucket`. */
  name: string;
  labels: Record<string, string>;
  value: number;
  /** The sample's own timestamp (Unix ms), when the exposition gives one. */
  timestampMs?: number;
}

export interface PromFamily {
  name: string;
  type: PromType;
  samples: PromSample[];
}

export class PromParseError extends Error {
  constructor(readonly line: number, message: string) {
    super(`line ${line}: ${message}`);
  }
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES: readonly PromType[] = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];

function parseValue(s: string, line: number): number {
  if (s === 'NaN') return NaN;
  if (s === '+Inf' || s === 'Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) throw new PromParseError(line, `invalid value '${s}'`);
  return Number(s);
}

/** Parses `{a="x",b="y"}` starting at `s[i] === '{'`; returns labels and the index after '}'. */
function parseLabels(s: string, i: number, line: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  i++;
  for (;;) {
    if (s[i] === '}') return { labels, end: i + 1 };
    const eq = s.indexOf('=', i);
    if (eq < 0) throw new PromParseError(line, 'label without =');
    const name = s.slice(i, eq);
    if (!LABEL_NAME.test(name)) throw new PromParseError(line, `invalid label name '${name}'`);
    if (name in labels) throw new PromParseError(line, `duplicate label '${name}'`);
    if (s[eq + 1] !== '"') throw new PromParseError(line, `label '${name}' value is not quoted`);
    let j = eq + 2;
    let value = '';
    for (;;) {
      const c = s[j];
      if (c === undefined) throw new PromParseError(line, `unterminated value of label '${name}'`);
      if (c === '"') break;
      if (c === '\\') {
        const n = s[j + 1];
        if (n === '\\') value += '\\';
        else if (n === '"') value += '"';
        else if (n === 'n') value += '\n';
        else throw new PromParseError(line, `invalid escape '\\${n ?? ''}' in label '${name}'`);
        j += 2;
        continue;
      }
      value += c;
      j++;
    }
    labels[name] = value;
    i = j + 1;
    if (s[i] === ',') {
      i++;
      continue;
    }
    if (s[i] !== '}') throw new PromParseError(line, `expected ',' or '}' after label '${name}'`);
  }
}

/** The family a sample name belongs to, given the declared types. */
function familyOf(sample: string, types: Map<string, PromType>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!sample.endsWith(suffix)) continue;
    const base = sample.slice(0, -suffix.length);
    const t = types.get(base);
    if (t === 'histogram' || (t === 'summary' && suffix !== '_bucket')) return base;
  }
  return sample;
}

/** Parses and validates an exposition; throws PromParseError on the first problem. */
export function parsePrometheusText(text: string): Map<string, PromFamily> {
  const families = new Map<string, PromFamily>();
  const types = new Map<string, PromType>();
  const series = new Set<string>();
  const closed = new Set<string>();
  let current: string | null = null;
  if (text !== '' && !text.endsWith('\n')) throw new PromParseError(text.split('\n').length, 'exposition must end with a newline');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();

  const enter = (family: string, line: number): PromFamily => {
    if (current !== family) {
      if (closed.has(family)) throw new PromParseError(line, `samples of family '${family}' are not grouped together`);
      if (current !== null) closed.add(current);
      current = family;
    }
    let f = families.get(family);
    if (!f) {
      f = { name: family, type: types.get(family) ?? 'untyped', samples: [] };
      families.set(family, f);
    }
    return f;
  };

  lines.forEach((raw, idx) => {
    const line = idx + 1;
    if (raw.trim() === '') return;
    if (raw.startsWith('#')) {
      const m = /^#\s+(TYPE|HELP)\s+(\S+)(?:\s+(.*))?$/.exec(raw);
      if (!m) return; // other comments are allowed
      const [, kw, name, rest] = m;
      if (!METRIC_NAME.test(name!)) throw new PromParseError(line, `invalid metric name '${name}' in ${kw}`);
      if (kw === 'TYPE') {
        if (!TYPES.includes(rest as PromType)) throw new PromParseError(line, `invalid type '${rest}'`);
        if (types.has(name!)) throw new PromParseError(line, `second TYPE line for '${name}'`);
        if (families.has(name!)) throw new PromParseError(line, `TYPE for '${name}' after its samples`);
        types.set(name!, rest as PromType);
        enter(name!, line);
      }
      return;
    }
    const nameEnd = raw.search(/[{ ]/);
    if (nameEnd <= 0) throw new PromParseError(line, 'sample without value');
    const name = raw.slice(0, nameEnd);
    if (!METRIC_NAME.test(name)) throw new PromParseError(line, `invalid metric name '${name}'`);
    let i = nameEnd;
    let labels: Record<string, string> = {};
    if (raw[i] === '{') ({ labels, end: i } = parseLabels(raw, i, line));
    if (raw[i] !== ' ') throw new PromParseError(line, 'expected a space before the value');
    const parts = raw.slice(i + 1).split(' ');
    if (parts.length > 2 || parts[0] === '') throw new PromParseError(line, `malformed value '${raw.slice(i + 1)}'`);
    const value = parseValue(parts[0]!, line);
    if (parts.length === 2 && !/^-?\d+$/.test(parts[1]!)) throw new PromParseError(line, `invalid timestamp '${parts[1]}'`);

    const family = enter(familyOf(name, types), line);
    const key = name + JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    if (series.has(key)) throw new PromParseError(line, `duplicate series ${name}${JSON.stringify(labels)}`);
    series.add(key);
    if (family.type === 'counter' && name !== family.name) throw new PromParseError(line, `sample '${name}' in counter family '${family.name}'`);
    if (family.type === 'counter' && !(value >= 0)) throw new PromParseError(line, `counter '${name}' has a negative or NaN value`);
    if (family.type === 'histogram' && name.endsWith('_bucket') && labels.le === undefined) throw new PromParseError(line, `bucket without le label`);
    family.samples.push(parts.length === 2 ? { name, labels, value, timestampMs: Number(parts[1]) } : { name, labels, value });
  });

  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

function checkHistogram(f: PromFamily): void {
  const byLabels = new Map<string, { buckets: [number, number][]; count?: number; sum?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort(([a], [b]) => (a < b ? -1 : 1)));
    let h = byLabels.get(key);
    if (!h) byLabels.set(key, (h = { buckets: [] }));
    if (s.name === `${f.name}_bucket`) h.buckets.push([parseValue(le!, 0), s.value]);
    else if (s.name === `${f.name}_count`) h.count = s.value;
    else if (s.name === `${f.name}_sum`) h.sum = s.value;
    else throw new PromParseError(0, `unexpected sample '${s.name}' in histogram '${f.name}'`);
  }
  for (const [key, h] of byLabels) {
    if (h.count === undefined || h.sum === undefined) throw new PromParseError(0, `histogram '${f.name}' ${key} lacks _count or _sum`);
    let prevLe = -Infinity;
    let prevCount = 0;
    for (const [le, c] of h.buckets) {
      if (!(le > prevLe)) throw new PromParseError(0, `histogram '${f.name}' ${key}: le values not ascending`);
      if (c < prevCount) throw new PromParseError(0, `histogram '${f.name}' ${key}: bucket counts not cumulative`);
      prevLe = le;
      prevCount = c;
    }
    if (prevLe !== Infinity) throw new PromParseError(0, `histogram '${f.name}' ${key}: no +Inf bucket`);
    if (prevCount !== h.count) throw new PromParseError(0, `histogram '${f.name}' ${key}: +Inf bucket ${prevCount} ≠ _count ${h.count}`);
  }
}
