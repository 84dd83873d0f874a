// The receiver's memory: recent traces in Zipkin's v2 span model, bounded by
// trace count and by bytes (each span's JSON size). When a bound is hit the
// oldest trace goes (its spans counted as evicted); a span larger than the
// whole byte bound is refused (counted as dropped). Everything the query API
// reads is derived from here; nothing here grows without a bound.

/** A Zipkin v2 span as the query API serves it. */
export interface StoredSpan {
  traceId: string;
  id: string;
  parentId?: string;
  name?: string;
  kind?: 'CLIENT' | 'SERVER' | 'PRODUCER' | 'CONSUMER';
  /** Epoch microseconds. */
  timestamp?: number;
  /** Microseconds. */
  duration?: number;
  localEndpoint?: { serviceName?: string; ipv4?: string; ipv6?: string; port?: number };
  remoteEndpoint?: { serviceName?: string; ipv4?: string; ipv6?: string; port?: number };
  tags?: Record<string, string>;
  shared?: boolean;
}

export interface TraceStoreLimits {
  /** Traces kept (default 1000). */
  readonly maxTraces: number;
  /** Bytes of span JSON kept (default 32 MiB). */
  readonly maxBytes: number;
  /** Spans kept per trace (default 10000); more are dropped. */
  readonly maxSpansPerTrace: number;
}

export const TRACE_STORE_DEFAULTS: TraceStoreLimits = Object.freeze({ maxTraces: 1000, maxBytes: 32 * 1024 * 1024, maxSpansPerTrace: 10000 });

interface TraceEntry {
  readonly id: string;
  spans: StoredSpan[];
  bytes: number;
}

export interface TraceStoreCounters {
  spansAccepted: number;
  /** Spans refused on arrival (too large, or the trace is full). */
  spansDropped: number;
  /** Spans removed with an evicted trace. */
  spansEvicted: number;
  tracesEvicted: number;
}

/** A trace id in the store's form: lower-case hex, 32 digits (64-bit ids padded, as Zipkin compares them). */
export function normalizeTraceId(id: string): string {
  const l = id.toLowerCase();
  return l.length < 32 ? l.padStart(32, '0') : l;
}

export class TraceStore {
  /** Insertion order is age order: the first entry is the oldest. */
  private readonly traces = new Map<string, TraceEntry>();
  private bytes = 0;
  readonly counters: TraceStoreCounters = { spansAccepted: 0, spansDropped: 0, spansEvicted: 0, tracesEvicted: 0 };
  readonly limits: TraceStoreLimits;

  constructor(limits: Partial<TraceStoreLimits> = {}) {
    this.limits = { ...TRACE_STORE_DEFAULTS, ...limits };
  }

  get traceCount(): number {
    return this.traces.size;
  }

  get byteCount(): number {
    return this.bytes;
  }

  add(span: StoredSpan): void {
    const size = Buffer.byteLength(JSON.stringify(span));
    if (size > this.limits.maxBytes) {
      this.counters.spansDropped++;
      return;
    }
    const id = normalizeTraceId(span.traceId);
    let e = this.traces.get(id);
    if (e && e.spans.length >= this.limits.maxSpansPerTrace) {
      this.counters.spansDropped++;
      return;
    }
    if (!e) {
      while (this.traces.size >= this.limits.maxTraces) this.evictOldest();
      e = { id, spans: [], bytes: 0 };
      this.traces.set(id, e);
    }
    e.spans.push(span);
    e.bytes += size;
    this.bytes += size;
    this.counters.spansAccepted++;
    while (this.bytes > this.limits.maxBytes) {
      const oldest = this.traces.values().next().value as TraceEntry;
      this.evict(oldest);
    }
  }

  private evictOldest(): void {
    const oldest = this.traces.values().next().value as TraceEntry | undefined;
    if (oldest) this.evict(oldest);
  }

  private evict(e: TraceEntry): void {
    this.traces.delete(e.id);
    this.bytes -= e.bytes;
    this.counters.tracesEvicted++;
    this.counters.spansEvicted += e.spans.length;
  }

  trace(id: string): readonly StoredSpan[] | undefined {
    return this.traces.get(normalizeTraceId(id))?.spans;
  }

  /** Every trace, newest first. */
  allTraces(): StoredSpan[][] {
    return [...this.traces.values()].reverse().map((e) => e.spans);
  }

  clear(): void {
    this.traces.clear();
    this.bytes = 0;
  }
}
