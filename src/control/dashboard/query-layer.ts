// The query layer: Prometheus's HTTP API answers (query, query_range) from
// the embedded store, or from a real Prometheus when --prometheus names one.
// A Prometheus that fails or is slower than the timeout is not waited for:
// the embedded store answers and the answer carries a warning saying so. The
// graph builder and the HTTP API both go through here, so both work the same
// with either source.
import { DASHBOARD_DEFAULTS } from './defaults.js';
import { Evaluator, type EvaluatorOptions } from './promql/evaluator.js';
import { parsePromQL, PromQLParseError } from './promql/parser.js';
import { PromQLEvalError, type Labels, type SeriesSource } from './promql/values.js';

/** Prometheus's API answer shapes. */
export interface PromSuccess<T> {
  status: 'success';
  data: T;
  warnings?: string[];
}
export interface PromError {
  status: 'error';
  errorType: 'bad_data' | 'execution' | 'timeout' | 'unavailable';
  error: string;
  warnings?: string[];
}
export type InstantData = { resultType: 'vector'; result: { metric: Labels; value: [number, string] }[] } | { resultType: 'scalar' | 'string'; result: [number, string] };
export type RangeData = { resultType: 'matrix'; result: { metric: Labels; values: [number, string][] }[] };
export type PromAnswer<T> = PromSuccess<T> | PromError;

/** What a query came back from, for the UI's status line. */
export interface QueryLayer {
  /** Instant query at `time` (Unix seconds; default now). */
  query(q: string, time?: number): Promise<PromAnswer<InstantData>>;
  /** Range query (Unix seconds, step in seconds). */
  queryRange(q: string, start: number, end: number, step: number): Promise<PromAnswer<RangeData>>;
}

/** Prometheus's float formatting (Go's strconv 'f', -1): no exponent, NaN, +Inf, -Inf. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const s = String(v);
  if (!s.includes('e')) return s;
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s)!;
  const [, sign, int, frac = '', expText] = m as unknown as [string, string, string, string | undefined, string];
  const exp = Number(expText);
  const digits = int + frac;
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const point = 1 + exp;
  return point >= digits.length ? `${sign}${digits}${'0'.repeat(point - digits.length)}` : `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** Unix seconds as Prometheus prints them (milliseconds precision). */
function ts(ms: number): number {
  return Math.round(ms) / 1000;
}

export class EmbeddedQueryLayer implements QueryLayer {
  constructor(private readonly source: SeriesSource, private readonly evaluatorOptions: Partial<EvaluatorOptions> = {}, private readonly now: () => number = Date.now) {}

  async query(q: string, time?: number): Promise<PromAnswer<InstantData>> {
    return this.guard(() => {
      const expr = parsePromQL(q);
      const tMs = time !== undefined ? time * 1000 : this.now();
      const v = new Evaluator(this.source, this.evaluatorOptions).instant(expr, tMs);
      switch (v.type) {
        case 'scalar': return { resultType: 'scalar', result: [ts(tMs), formatValue(v.v)] };
        case 'string': return { resultType: 'string', result: [ts(tMs), v.v] };
        case 'vector': return { resultType: 'vector', result: v.samples.map((s) => ({ metric: s.labels, value: [ts(tMs), formatValue(s.v)] as [number, string] })) };
        case 'matrix':
          // A bare range selector: Prometheus answers a matrix for an instant query; kept as such.
          return { resultType: 'matrix', result: v.series.map((s) => ({ metric: s.labels, values: s.points.map((p) => [ts(p.t), formatValue(p.v)] as [number, string]) })) } as unknown as InstantData;
      }
    });
  }

  async queryRange(q: string, start: number, end: number, step: number): Promise<PromAnswer<RangeData>> {
    return this.guard(() => {
      const expr = parsePromQL(q);
      const series = new Evaluator(this.source, this.evaluatorOptions).range(expr, start * 1000, end * 1000, step * 1000);
      return { resultType: 'matrix', result: series.map((s) => ({ metric: s.labels, values: s.points.map((p) => [ts(p.t), formatValue(p.v)] as [number, string]) })) };
    });
  }

  private guard<T>(f: () => T): PromAnswer<T> {
    try {
      return { status: 'success', data: f() };
    } catch (e) {
      if (e instanceof PromQLParseError || e instanceof PromQLEvalError) return { status: 'error', errorType: e instanceof PromQLParseError ? 'bad_data' : 'execution', error: e.message };
      // The parser and evaluator recurse along the expression: thousands of nested parentheses or a chain of
      // thousands of operators exhaust the stack. That is the query's fault, not the server's (a 400, not a 500).
      if (e instanceof RangeError && /call stack/i.test(e.message)) return { status: 'error', errorType: 'bad_data', error: 'query nested too deeply for the embedded store (thousands of parentheses or operators)' };
      throw e;
    }
  }
}

export interface PrometheusHealth {
  url: string;
  healthy: boolean;
  error?: string;
}

/**
 * A real Prometheus in front, the embedded store behind: every request goes
 * to Prometheus first (bounded by the timeout); when it fails, the embedded
 * store answers with a warning. After a failure Prometheus is not asked
 * again for `retryMs`, so a dead one does not add its timeout to every query.
 */
export class FallbackQueryLayer implements QueryLayer {
  private health: PrometheusHealth;
  private downUntil = 0;

  constructor(
    readonly url: string,
    private readonly embedded: QueryLayer,
    private readonly opts: { timeoutMs: number; retryMs: number; now: () => number } = { timeoutMs: DASHBOARD_DEFAULTS.prometheusTimeoutMs, retryMs: DASHBOARD_DEFAULTS.prometheusRetryMs, now: Date.now },
  ) {
    this.url = url.replace(/\/+$/, '');
    this.health = { url: this.url, healthy: true };
  }

  get status(): PrometheusHealth {
    return { ...this.health };
  }

  async query(q: string, time?: number): Promise<PromAnswer<InstantData>> {
    const params = new URLSearchParams({ query: q });
    if (time !== undefined) params.set('time', String(time));
    return this.ask('/api/v1/query', params, () => this.embedded.query(q, time));
  }

  async queryRange(q: string, start: number, end: number, step: number): Promise<PromAnswer<RangeData>> {
    const params = new URLSearchParams({ query: q, start: String(start), end: String(end), step: String(step) });
    return this.ask('/api/v1/query_range', params, () => this.embedded.queryRange(q, start, end, step));
  }

  /** Asks Prometheus directly whether it is healthy (for /api/dashboard/status); updates the health shown. */
  async probe(): Promise<PrometheusHealth> {
    try {
      const r = await fetch(`${this.url}/-/healthy`, { signal: AbortSignal.timeout(this.opts.timeoutMs) });
      await r.arrayBuffer();
      if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
      this.health = { url: this.url, healthy: true };
      this.downUntil = 0;
    } catch (e) {
      this.markDown(reason(e, this.opts.timeoutMs));
    }
    return this.status;
  }

  private markDown(error: string): void {
    this.health = { url: this.url, healthy: false, error };
    this.downUntil = this.opts.now() + this.opts.retryMs;
  }

  private async ask<T>(path: string, params: URLSearchParams, fallback: () => Promise<PromAnswer<T>>): Promise<PromAnswer<T>> {
    if (this.opts.now() < this.downUntil) return withWarning(await fallback(), this.warning(this.health.error ?? 'unreachable'));
    try {
      const r = await fetch(`${this.url}${path}?${params}`, { signal: AbortSignal.timeout(this.opts.timeoutMs) });
      const text = await r.text();
      let body: PromAnswer<T>;
      try {
        body = JSON.parse(text) as PromAnswer<T>;
      } catch {
        throw new Error(`HTTP ${r.status}, not a Prometheus API answer`);
      }
      if (body.status === 'error' && (r.status === 400 || r.status === 422)) {
        // Prometheus understood and refused the query: its answer stands (the embedded store would refuse it too, or differently).
        this.health = { url: this.url, healthy: true };
        return body;
      }
      if (body.status !== 'success') throw new Error(`HTTP ${r.status}: ${(body as PromError).error ?? 'error'}`);
      this.health = { url: this.url, healthy: true };
      return body;
    } catch (e) {
      const why = reason(e, this.opts.timeoutMs);
      this.markDown(why);
      return withWarning(await fallback(), this.warning(why));
    }
  }

  private warning(why: string): string {
    return `prometheus at ${this.url} unreachable: ${why}; answered from the embedded store`;
  }
}

/** Why a fetch() failed, in a few words (the cause's errno code, or the timeout). */
export function reason(e: unknown, timeoutMs: number): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  if (err.cause?.code) return `${err.cause.code}${err.cause.message ? ` (${err.cause.message})` : ''}`;
  return err.message;
}

function withWarning<T>(a: PromAnswer<T>, w: string): PromAnswer<T> {
  return { ...a, warnings: [...(a.warnings ?? []), w] };
}
