// One exporter per collector per proxy, shared by every HCM (and every config
// version of it) that names the same provider: a config update keeps the
// queue, its timer and its counters, as Envoy keeps one driver per tracer
// config. Kept per ProxyContext (a WeakMap, so tests that build bare contexts
// need no setup); the server closes them on shutdown.
import type { ProxyContext } from '../context.js';
import { otlpEncoder } from './opentelemetry/otlp-encode.js';
import { SpanExporter, DEFAULT_EXPORTER_LIMITS, type ExporterLimits } from './span-exporter.js';
import type { TracerConfig } from './tracing-config.js';
import { zipkinJsonEncoder } from './zipkin/zipkin-json.js';

const byContext = new WeakMap<ProxyContext, Map<string, SpanExporter>>();
const limitsByContext = new WeakMap<ProxyContext, ExporterLimits>();

/** The exporter for `tracer`'s collector, made on first use. */
export function exporterFor(ctx: ProxyContext, tracer: TracerConfig): SpanExporter {
  let m = byContext.get(ctx);
  if (!m) byContext.set(ctx, (m = new Map()));
  const key = JSON.stringify([tracer.kind, tracer.collector, tracer.kind === 'opentelemetry' ? [tracer.transport, tracer.serviceName] : []]);
  let e = m.get(key);
  if (!e) {
    const limits = limitsByContext.get(ctx) ?? DEFAULT_EXPORTER_LIMITS;
    e = tracer.kind === 'zipkin'
      ? new SpanExporter(ctx, tracer.collector, zipkinJsonEncoder, 'tracing.zipkin.', limits)
      : new SpanExporter(ctx, tracer.collector, otlpEncoder(tracer.serviceName, tracer.transport === 'grpc'), 'tracing.opentelemetry.', limits);
    m.set(key, e);
  }
  return e;
}

/** Flushes every exporter of the proxy now (tests, and the admin's flush). */
export function flushTracerExporters(ctx: ProxyContext): void {
  for (const e of byContext.get(ctx)?.values() ?? []) e.flush();
}

/** Overrides the batching limits for exporters made from now on (tests: small queues, no timer). */
export function setExporterLimits(ctx: ProxyContext, limits: Partial<ExporterLimits>): void {
  limitsByContext.set(ctx, { ...DEFAULT_EXPORTER_LIMITS, ...limits });
}

/** Stops every exporter of the proxy (server shutdown). */
export function closeTracerExporters(ctx: ProxyContext): void {
  for (const e of byContext.get(ctx)?.values() ?? []) e.close();
  byContext.delete(ctx);
}
