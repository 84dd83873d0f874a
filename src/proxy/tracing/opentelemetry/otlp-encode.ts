// Spans → OTLP ExportTraceServiceRequest (protobuf), as Envoy's OpenTelemetry
// tracer fills it: one ResourceSpans whose resource carries service.name, one
// ScopeSpans, span attributes as string values.
import type { FinishedSpan } from '../finished-span.js';
import type { SpanEncoder } from '../span-exporter.js';
import { ExportTraceServiceRequest } from './otlp-proto.js';

/** OTLP Span.SpanKind values. */
const SPAN_KIND = { SERVER: 2, CLIENT: 3 } as const;

/** A fixed64 as protobufjs's writer takes it without the `long` package: low and high 32 bits. */
function nanos(us: number): { low: number; high: number; unsigned: boolean } {
  const ns = BigInt(Math.round(us)) * 1000n;
  return { low: Number(ns & 0xffffffffn), high: Number(ns >> 32n), unsigned: true };
}

function hexBytes(hex: string, bytes: number): Buffer {
  return Buffer.from(hex.padStart(bytes * 2, '0'), 'hex');
}

function otlpSpan(s: FinishedSpan): object {
  return {
    traceId: hexBytes(s.traceId, 16),
    spanId: hexBytes(s.spanId, 8),
    ...(s.parentId ? { parentSpanId: hexBytes(s.parentId, 8) } : {}),
    ...(s.tracestate ? { traceState: s.tracestate } : {}),
    name: s.name,
    kind: SPAN_KIND[s.kind],
    startTimeUnixNano: nanos(s.startUs),
    endTimeUnixNano: nanos(s.startUs + s.durationUs),
    attributes: s.tags.map(([key, v]) => ({ key, value: { stringValue: v } })),
  };
}

/** The request for one batch; `serviceName` is the resource's service.name. */
export function buildExportRequest(spans: readonly FinishedSpan[], serviceName: string): object {
  return {
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: serviceName } }] },
      scopeSpans: [{ scope: { name: 'envoy' }, spans: spans.map(otlpSpan) }],
    }],
  };
}

export function otlpEncoder(serviceName: string, grpc: boolean): SpanEncoder {
  return {
    contentType: grpc ? 'application/grpc' : 'application/x-protobuf',
    grpc,
    encode: (spans) => Buffer.from(ExportTraceServiceRequest.encode(buildExportRequest(spans, serviceName)).finish()),
  };
}
