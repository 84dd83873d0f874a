// The control plane's embedded trace receiver: collector endpoints (Zipkin v2
// JSON, OTLP/HTTP protobuf and JSON) that fill a bounded TraceStore, and
// Zipkin's v2 query API over it, mounted on the debug HTTP server. The query
// paths and answers are Zipkin's (zipkin2 api v2), so Zipkin-reading tools
// (and weft's dashboard, later, on the same origin) can use them as they are.
//   POST /api/v2/spans                 Zipkin v2 JSON
//   POST /v1/traces                    OTLP/HTTP (application/x-protobuf or application/json)
//   GET  /api/v2/services              service names
//   GET  /api/v2/spans?serviceName=    span names of a service
//   GET  /api/v2/remoteServices?serviceName=
//   GET  /api/v2/traces?serviceName=&spanName=&minDuration=&maxDuration=&endTs=&lookback=&limit=
//   GET  /api/v2/trace/{traceId}
import type http from 'node:http';
import type { Counter, Gauge, StatsStore } from '../../stats/index.js';
import { decodeOtlpJson, decodeOtlpProtobuf, decodeZipkinJson, type DecodeResult } from './span-ingest.js';
import { TraceStore, type StoredSpan, type TraceStoreLimits } from './trace-store.js';

export interface TraceReceiverOptions {
  readonly limits?: Partial<TraceStoreLimits>;
  /** Largest request body accepted (default 16 MiB); larger ones get 413 and count as dropped messages. */
  readonly maxBodyBytes?: number;
  /** Milliseconds since the epoch (tests inject it). */
  readonly now?: () => number;
}

export const TRACE_RECEIVER_DEFAULTS = Object.freeze({ maxBodyBytes: 16 * 1024 * 1024, limit: 10, lookbackMs: 86_400_000 });

/** Zipkin server's collector metrics (zipkin_collector_*{transport}), plus the store's own. */
class ReceiverStats {
  readonly messages: Counter;
  readonly messagesDropped: Counter;
  readonly bytes: Counter;
  readonly spans: Counter;
  readonly spansDropped: Counter;
  readonly spansEvicted: Counter;
  readonly traces: Gauge;
  readonly storeBytes: Gauge;

  constructor(store: StatsStore) {
    const t = { transport: 'http' };
    this.messages = store.labeledCounter('zipkin_collector_messages_total', t);
    this.messagesDropped = store.labeledCounter('zipkin_collector_messages_dropped_total', t);
    this.bytes = store.labeledCounter('zipkin_collector_bytes_total', t);
    this.spans = store.labeledCounter('zipkin_collector_spans_total', t);
    this.spansDropped = store.labeledCounter('zipkin_collector_spans_dropped_total', t);
    this.spansEvicted = store.labeledCounter('weft_trace_store_spans_evicted_total', {});
    this.traces = store.labeledGauge('weft_trace_store_traces', {});
    this.storeBytes = store.labeledGauge('weft_trace_store_bytes', {});
  }
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function sendText(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`${text}\n`);
}

function traceStart(spans: readonly StoredSpan[]): number {
  let min = Infinity;
  for (const s of spans) if (s.timestamp !== undefined && s.timestamp < min) min = s.timestamp;
  return min === Infinity ? 0 : min;
}

/** A non-negative integer query parameter, or an error text. */
function intParam(q: URLSearchParams, name: string): number | undefined | { error: string } {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^\d+$/.test(v)) return { error: `${name} must be a non-negative integer, got "${v}"` };
  return Number(v);
}

export class TraceReceiver {
  readonly store: TraceStore;
  private readonly stats: ReceiverStats | undefined;
  private readonly maxBody: number;
  private readonly now: () => number;

  constructor(opts: TraceReceiverOptions = {}, stats?: StatsStore) {
    this.store = new TraceStore(opts.limits);
    this.stats = stats ? new ReceiverStats(stats) : undefined;
    this.maxBody = opts.maxBodyBytes ?? TRACE_RECEIVER_DEFAULTS.maxBodyBytes;
    this.now = opts.now ?? Date.now;
  }

  /** Handles the request when its path is the receiver's; false otherwise (the caller serves it). */
  handle(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://receiver');
    const p = url.pathname;
    if (p === '/api/v2/spans' && req.method === 'POST') return this.collect(req, res, 'zipkin'), true;
    if (p === '/v1/traces') {
      if (req.method !== 'POST') return sendText(res, 405, 'POST only'), true;
      return this.collect(req, res, 'otlp'), true;
    }
    if (!p.startsWith('/api/v2/')) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'GET only'), true;
    this.query(p, url.searchParams, res);
    return true;
  }

  private collect(req: http.IncomingMessage, res: http.ServerResponse, format: 'zipkin' | 'otlp'): void {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      if (tooLarge) return;
      size += c.length;
      if (size > this.maxBody) {
        tooLarge = true;
        this.stats?.messagesDropped.inc();
        sendText(res, 413, `body larger than ${this.maxBody} bytes`);
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('error', () => undefined);
    req.on('end', () => {
      if (tooLarge) return;
      const body = Buffer.concat(chunks);
      this.stats?.messages.inc();
      this.stats?.bytes.add(body.length);
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      let r: DecodeResult;
      try {
        if (format === 'zipkin') {
          if (type !== '' && type !== 'application/json') throw new Error(`content-type ${type} is not supported here (Zipkin v2 JSON: application/json)`);
          r = decodeZipkinJson(body);
        } else if (type === 'application/json') r = decodeOtlpJson(body);
        else if (type === 'application/x-protobuf' || type === 'application/protobuf') r = decodeOtlpProtobuf(body);
        else throw new Error(`content-type "${type}" is not OTLP/HTTP (application/x-protobuf or application/json)`);
      } catch (err) {
        this.stats?.messagesDropped.inc();
        sendText(res, 400, `cannot decode ${format === 'zipkin' ? 'Zipkin v2 JSON' : 'OTLP'}: ${(err as Error).message}`);
        return;
      }
      this.ingest(r);
      if (format === 'zipkin') {
        res.writeHead(202);
        res.end();
      } else if (type === 'application/json') {
        // ExportTraceServiceResponse; partial_success when spans were refused, as the OTLP spec asks.
        sendJson(res, 200, r.invalid > 0 ? { partialSuccess: { rejectedSpans: String(r.invalid), errorMessage: 'spans with invalid ids' } } : {});
      } else {
        // An empty ExportTraceServiceResponse encodes as no bytes.
        res.writeHead(200, { 'content-type': 'application/x-protobuf' });
        res.end();
      }
    });
  }

  /** Adds decoded spans (also the seam for in-process tests). */
  ingest(r: DecodeResult): void {
    const before = { ...this.store.counters };
    for (const s of r.spans) this.store.add(s);
    const c = this.store.counters;
    if (this.stats) {
      this.stats.spans.add(r.spans.length + r.invalid);
      this.stats.spansDropped.add(r.invalid + c.spansDropped - before.spansDropped);
      this.stats.spansEvicted.add(c.spansEvicted - before.spansEvicted);
      this.stats.traces.set(this.store.traceCount);
      this.stats.storeBytes.set(this.store.byteCount);
    }
  }

  private query(p: string, q: URLSearchParams, res: http.ServerResponse): void {
    if (p === '/api/v2/services') return sendJson(res, 200, this.services());
    if (p === '/api/v2/spans' || p === '/api/v2/remoteServices') {
      const svc = q.get('serviceName');
      if (!svc) return sendText(res, 400, 'serviceName is required');
      return sendJson(res, 200, p === '/api/v2/spans' ? this.spanNames(svc.toLowerCase()) : this.remoteServices(svc.toLowerCase()));
    }
    if (p === '/api/v2/traces') {
      const t = this.traces(q);
      return 'error' in t ? sendText(res, 400, t.error) : sendJson(res, 200, t.traces);
    }
    const m = /^\/api\/v2\/trace\/([0-9a-fA-F]{1,32})$/.exec(p);
    if (m) {
      const spans = this.store.trace(m[1]!);
      return spans ? sendJson(res, 200, spans) : sendText(res, 404, `Cannot find trace ${m[1]}`);
    }
    sendText(res, 404, `no such Zipkin API path ${p}`);
  }

  services(): string[] {
    const out = new Set<string>();
    for (const t of this.store.allTraces()) for (const s of t) if (s.localEndpoint?.serviceName) out.add(s.localEndpoint.serviceName);
    return [...out].sort();
  }

  spanNames(service: string): string[] {
    const out = new Set<string>();
    for (const t of this.store.allTraces()) for (const s of t) if (s.localEndpoint?.serviceName === service && s.name) out.add(s.name);
    return [...out].sort();
  }

  remoteServices(service: string): string[] {
    const out = new Set<string>();
    for (const t of this.store.allTraces()) for (const s of t) if (s.localEndpoint?.serviceName === service && s.remoteEndpoint?.serviceName) out.add(s.remoteEndpoint.serviceName);
    return [...out].sort();
  }

  /** Zipkin's getTraces: traces with a span matching every given criterion, newest first, at most `limit`. */
  traces(q: URLSearchParams): { traces: StoredSpan[][] } | { error: string } {
    if (q.get('annotationQuery')) return { error: 'annotationQuery is not supported by weft\'s trace receiver' };
    const ints: Record<string, number | undefined> = {};
    for (const n of ['minDuration', 'maxDuration', 'endTs', 'lookback', 'limit']) {
      const v = intParam(q, n);
      if (typeof v === 'object') return v;
      ints[n] = v;
    }
    const service = q.get('serviceName')?.toLowerCase() || undefined;
    const spanName = q.get('spanName')?.toLowerCase() || undefined;
    const endTs = ints.endTs ?? this.now();
    const lookback = ints.lookback ?? TRACE_RECEIVER_DEFAULTS.lookbackMs;
    const limit = ints.limit ?? TRACE_RECEIVER_DEFAULTS.limit;
    const fromUs = (endTs - lookback) * 1000;
    const toUs = endTs * 1000;
    const matches = (s: StoredSpan): boolean => {
      if (service !== undefined && s.localEndpoint?.serviceName !== service) return false;
      if (spanName !== undefined && s.name !== spanName) return false;
      if (ints.minDuration !== undefined && (s.duration ?? 0) < ints.minDuration) return false;
      if (ints.maxDuration !== undefined && (s.duration ?? 0) > ints.maxDuration) return false;
      return true;
    };
    const out = this.store.allTraces()
      .map((spans) => ({ spans, start: traceStart(spans) }))
      .filter((t) => t.start >= fromUs && t.start <= toUs && t.spans.some(matches))
      .sort((a, b) => b.start - a.start)
      .slice(0, limit)
      .map((t) => t.spans);
    return { traces: out };
  }
}
