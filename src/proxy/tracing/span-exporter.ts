// Sends finished spans to a collector, off the request path. The tracer
// appends to a bounded queue (O(1), no I/O); a report goes out when
// min_flush_spans are waiting or the flush timer fires, over the proxy's own
// cluster manager (the collector is a cluster like any other: its load
// balancing, TLS and circuit breakers apply). A collector that is slow or down
// only fills the queue: past its bound new spans are dropped and counted
// (spans_dropped), and at most maxReportsInFlight reports wait on it.
import type { ProxyContext } from '../context.js';
import type { Counter } from '../../stats/counter.js';
import type { TimerHandle } from '../../common/clock.js';
import { HeaderMap } from '../http/headers.js';
import type { UpstreamRequest } from '../upstream/types.js';
import type { FinishedSpan } from './finished-span.js';
import { TRACING_DEFAULTS, type CollectorTarget } from './tracing-config.js';

/** A wire format: a batch of spans → one request body. */
export interface SpanEncoder {
  readonly contentType: string;
  /** gRPC unary call: the body is length-prefixed and success is grpc-status 0. */
  readonly grpc: boolean;
  encode(spans: readonly FinishedSpan[]): Buffer;
}

export interface ExporterLimits {
  readonly minFlushSpans: number;
  readonly flushIntervalMs: number;
  readonly maxQueuedSpans: number;
  readonly maxReportsInFlight: number;
  readonly maxSpansPerReport: number;
}

export const DEFAULT_EXPORTER_LIMITS: ExporterLimits = {
  minFlushSpans: TRACING_DEFAULTS.minFlushSpans,
  flushIntervalMs: TRACING_DEFAULTS.flushIntervalMs,
  maxQueuedSpans: TRACING_DEFAULTS.maxQueuedSpans,
  maxReportsInFlight: TRACING_DEFAULTS.maxReportsInFlight,
  maxSpansPerReport: TRACING_DEFAULTS.maxSpansPerReport,
};

/** The counters every exporter declares (its tracer's registration lists them): Envoy's tracer stats, plus spans_dropped for the bounded queue. */
export const EXPORTER_COUNTERS = ['spans_sent', 'spans_dropped', 'timer_flushed', 'reports_sent', 'reports_dropped', 'reports_failed', 'reports_skipped_no_cluster'] as const;

/** Envoy's tracer stats (tracing.<driver>.*), plus spans_dropped for the bounded queue. */
class ExporterStats {
  readonly spansSent: Counter;
  readonly spansDropped: Counter;
  readonly timerFlushed: Counter;
  readonly reportsSent: Counter;
  readonly reportsDropped: Counter;
  readonly reportsFailed: Counter;
  readonly reportsSkippedNoCluster: Counter;
  constructor(ctx: ProxyContext, prefix: string) {
    const c = (n: string) => ctx.stats.counter(`${prefix}${n}`);
    this.spansSent = c('spans_sent');
    this.spansDropped = c('spans_dropped');
    this.timerFlushed = c('timer_flushed');
    this.reportsSent = c('reports_sent');
    this.reportsDropped = c('reports_dropped');
    this.reportsFailed = c('reports_failed');
    this.reportsSkippedNoCluster = c('reports_skipped_no_cluster');
  }
}

export class SpanExporter {
  private queue: FinishedSpan[] = [];
  private inFlight = 0;
  private timer: TimerHandle | undefined;
  private closed = false;
  private readonly stats: ExporterStats;
  private readonly pending = new Set<UpstreamRequest>();

  /** `statPrefix` e.g. `tracing.zipkin.`. */
  constructor(
    private readonly ctx: ProxyContext,
    private readonly target: CollectorTarget,
    private readonly encoder: SpanEncoder,
    statPrefix: string,
    private readonly limits: ExporterLimits = DEFAULT_EXPORTER_LIMITS,
  ) {
    this.stats = new ExporterStats(ctx, statPrefix);
    this.armTimer();
  }

  /** Spans waiting for a report. */
  get queued(): number {
    return this.queue.length;
  }

  /** Called on the request path: never blocks, never throws. */
  add(span: FinishedSpan): void {
    if (this.closed) return;
    if (this.queue.length >= this.limits.maxQueuedSpans) {
      this.stats.spansDropped.inc();
      return;
    }
    this.queue.push(span);
    if (this.queue.length >= this.limits.minFlushSpans && this.inFlight < this.limits.maxReportsInFlight) {
      // Not in the request's own call stack: the report starts after the current event.
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => {
          this.flushScheduled = false;
          this.flush();
        });
      }
    }
  }

  private flushScheduled = false;

  /** Sends what is queued, in reports of at most maxSpansPerReport, while report slots are free. */
  flush(): void {
    while (!this.closed && this.queue.length > 0 && this.inFlight < this.limits.maxReportsInFlight) {
      const batch = this.queue.length <= this.limits.maxSpansPerReport ? this.queue : this.queue.slice(0, this.limits.maxSpansPerReport);
      this.queue = batch === this.queue ? [] : this.queue.slice(batch.length);
      this.send(batch);
    }
  }

  private armTimer(): void {
    if (this.closed || this.limits.flushIntervalMs <= 0) return;
    this.timer = this.ctx.clock.setTimer(this.limits.flushIntervalMs, () => {
      this.stats.timerFlushed.inc();
      this.flush();
      this.armTimer();
    });
  }

  private send(spans: readonly FinishedSpan[]): void {
    const cluster = this.ctx.clusters.get(this.target.cluster);
    if (!cluster) {
      this.stats.reportsSkippedNoCluster.inc();
      this.stats.spansDropped.add(spans.length);
      return;
    }
    let body: Buffer;
    try {
      body = this.encoder.encode(spans);
    } catch (err) {
      this.ctx.log.error(`tracing: encoding ${spans.length} spans failed: ${String(err)}`);
      this.stats.reportsFailed.inc();
      return;
    }
    this.stats.spansSent.add(spans.length);
    const host = cluster.pickHost();
    if (!host) {
      this.stats.reportsFailed.inc();
      return;
    }
    const h = new HeaderMap();
    h.set('content-type', this.encoder.contentType);
    if (this.encoder.grpc) {
      h.set('te', 'trailers');
      const framed = Buffer.allocUnsafe(5 + body.length);
      framed[0] = 0;
      framed.writeUInt32BE(body.length, 1);
      body.copy(framed, 5);
      body = framed;
    }
    h.set('content-length', String(body.length));
    for (const [k, v] of this.target.headers) h.add(k, v);
    this.inFlight++;
    let done = false;
    let status = 0;
    let grpcStatus: string | undefined;
    let timer: TimerHandle | undefined;
    let req: UpstreamRequest | undefined;
    const end = (outcome: 'sent' | 'dropped' | 'failed') => {
      if (done) return;
      done = true;
      timer?.cancel();
      if (req) this.pending.delete(req);
      this.inFlight--;
      if (outcome === 'sent') this.stats.reportsSent.inc();
      else if (outcome === 'dropped') this.stats.reportsDropped.inc();
      else this.stats.reportsFailed.inc();
      // A freed slot takes the next batch if enough waits.
      if (this.queue.length >= this.limits.minFlushSpans) this.flush();
    };
    const verdict = () => {
      if (status < 200 || status >= 300) return 'dropped' as const;
      if (this.encoder.grpc && grpcStatus !== '0') return 'dropped' as const;
      return 'sent' as const;
    };
    try {
      req = cluster.newRequest(host, this.encoder.grpc ? 'HTTP/2' : 'HTTP/1.1', { method: 'POST', path: this.target.path, authority: this.target.authority, scheme: 'http', headers: h, end: false }, {
        onHeaders: (st, headers, endStream) => {
          status = st;
          grpcStatus = headers.get('grpc-status');
          if (endStream) end(verdict());
        },
        onData: (_chunk, endStream) => {
          if (endStream) end(verdict());
        },
        onTrailers: (t) => {
          grpcStatus = t.get('grpc-status') ?? grpcStatus;
          end(verdict());
        },
        onReset: () => end('failed'),
      });
      this.pending.add(req);
      if (this.target.timeoutMs > 0) {
        timer = this.ctx.clock.setTimer(this.target.timeoutMs, () => {
          if (done) return;
          req?.reset();
          end('failed');
        });
      }
      req.sendData(body, true);
    } catch (err) {
      this.ctx.log.error(`tracing: report to cluster ${this.target.cluster} failed: ${String(err)}`);
      end('failed');
    }
  }

  /** Stops the timer and aborts reports in flight; queued spans are discarded. */
  close(): void {
    this.closed = true;
    this.timer?.cancel();
    for (const r of this.pending) r.reset();
    this.pending.clear();
    this.queue = [];
  }
}
