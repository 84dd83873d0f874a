// Tallies a load run: status codes, weft's error codes (and the Envoy
// response flag each stands for), chosen response headers, transport errors
// and latency percentiles; prints them for people or as JSON for tests.

/** x-weft-error code → Envoy response flag, for the codes with exactly one flag. */
export const FLAG_BY_WEFT_CODE: Readonly<Record<string, string>> = {
  WEFT_NO_ROUTE: 'NR',
  WEFT_NO_CLUSTER: 'NC',
  WEFT_NO_HEALTHY_UPSTREAM: 'UH',
  WEFT_UPSTREAM_CONNECT_FAILURE: 'UF',
  WEFT_UPSTREAM_OVERFLOW: 'UO',
  WEFT_UPSTREAM_TIMEOUT: 'UT',
  WEFT_UPSTREAM_PROTOCOL_ERROR: 'UPE',
  WEFT_RETRY_LIMIT: 'URX',
  WEFT_FAULT_ABORT: 'FI',
  WEFT_RATE_LIMITED: 'RL',
};

export interface LoadSummary {
  url: string;
  requests: number;
  seconds: number;
  achievedRps: number;
  concurrency: number;
  status: Record<string, number>;
  /** First word of x-weft-error. */
  weftErrors: Record<string, number>;
  /** Envoy response flags derived from weftErrors. */
  flags: Record<string, number>;
  /** Per --count-header: value → count (`(none)` when absent). */
  headers: Record<string, Record<string, number>>;
  /** Transport failures by error code (ECONNREFUSED, timeout, …); these have no status. */
  errors: Record<string, number>;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
}

export class LoadTally {
  private readonly status = new Map<string, number>();
  private readonly weft = new Map<string, number>();
  private readonly errors = new Map<string, number>();
  private readonly headers = new Map<string, Map<string, number>>();
  private latencies: number[] = [];

  constructor(private readonly countHeaders: readonly string[]) {
    for (const h of countHeaders) this.headers.set(h, new Map());
  }

  /** One answered request; `header` reads a response header by lower-case name. */
  response(status: number, ms: number, header: (name: string) => string | undefined): void {
    bump(this.status, String(status));
    const w = header('x-weft-error');
    if (w) bump(this.weft, w.split(' ', 1)[0]!);
    for (const [name, m] of this.headers) bump(m, header(name) ?? '(none)');
    this.latencies.push(ms);
  }

  /** One request that got no response at all. */
  failure(code: string, ms: number): void {
    bump(this.errors, code);
    this.latencies.push(ms);
  }

  get count(): number {
    return this.latencies.length;
  }

  summary(url: string, seconds: number, concurrency: number): LoadSummary {
    const sorted = Float64Array.from(this.latencies).sort();
    const flags = new Map<string, number>();
    for (const [code, n] of this.weft) {
      const f = FLAG_BY_WEFT_CODE[code];
      if (f) flags.set(f, (flags.get(f) ?? 0) + n);
    }
    return {
      url,
      requests: sorted.length,
      seconds: round(seconds),
      achievedRps: seconds > 0 ? round(sorted.length / seconds) : 0,
      concurrency,
      status: Object.fromEntries(this.status),
      weftErrors: Object.fromEntries(this.weft),
      flags: Object.fromEntries(flags),
      headers: Object.fromEntries([...this.headers].map(([k, m]) => [k, Object.fromEntries(m)])),
      errors: Object.fromEntries(this.errors),
      latencyMs: { p50: pct(sorted, 0.5), p90: pct(sorted, 0.9), p99: pct(sorted, 0.99), max: round(sorted.length ? sorted[sorted.length - 1]! : 0) },
    };
  }
}

/** Nearest-rank percentile of sorted values. */
export function pct(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return round(sorted[i]!);
}

export function formatSummary(s: LoadSummary): string {
  const kv = (m: Record<string, number>) =>
    Object.entries(m)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([k, v]) => `${k}=${v}`)
      .join('  ') || '-';
  const lines = [
    `${s.requests} requests to ${s.url} in ${s.seconds.toFixed(2)} s (${s.achievedRps.toFixed(1)}/s), concurrency ${s.concurrency}`,
    `status        ${kv(s.status)}`,
    `x-weft-error  ${kv(s.weftErrors)}`,
    `flags         ${kv(s.flags)}`,
  ];
  for (const [h, m] of Object.entries(s.headers)) lines.push(`${h}  ${kv(m)}`);
  if (Object.keys(s.errors).length > 0) lines.push(`no response   ${kv(s.errors)}`);
  lines.push(`latency ms    p50=${s.latencyMs.p50}  p90=${s.latencyMs.p90}  p99=${s.latencyMs.p99}  max=${s.latencyMs.max}`);
  return lines.join('\n');
}

function bump(m: Map<string, number>, k: string): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
