// One span as the tracer hands it to an exporter: everything the wire formats
// (Zipkin v2 JSON, OTLP) need, already in plain values.

export type SpanKind = 'SERVER' | 'CLIENT';

export interface FinishedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentId: string | undefined;
  readonly name: string;
  readonly kind: SpanKind;
  /** Wall-clock start, microseconds since the epoch. */
  readonly startUs: number;
  readonly durationUs: number;
  /** Zipkin's shared span: the server side of a span the client started (same id). */
  readonly shared: boolean;
  readonly tracestate: string | undefined;
  /** Tag name/value pairs in the order they were set. */
  readonly tags: readonly (readonly [string, string])[];
  /** The proxy: Zipkin's localEndpoint (serviceName from the node's cluster, ip and port of the listener). */
  readonly localService: string;
  readonly localIp: string;
  readonly localPort: number;
}
