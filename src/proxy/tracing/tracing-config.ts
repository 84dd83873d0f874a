// The decoded, immutable tracing settings of one HttpConnectionManager
// (HttpConnectionManager.tracing) and of its provider (envoy.tracers.*).
// Decoded once at the config boundary (decode-tracing.ts); the request path
// reads only these types, never the protos.

/** Where a tracer sends its spans: a cluster of the proxy's own cluster manager. */
export interface CollectorTarget {
  /** Cluster name (must exist when a report goes out; reports_skipped_no_cluster otherwise). */
  readonly cluster: string;
  /** Request path, e.g. `/api/v2/spans` or `/v1/traces`. */
  readonly path: string;
  /** `:authority` of the report (Envoy: collector_hostname, else the cluster name). */
  readonly authority: string;
  /** Per-report timeout; 0: none. */
  readonly timeoutMs: number;
  /** Extra request headers (http_service.request_headers_to_add). */
  readonly headers: readonly (readonly [string, string])[];
}

export interface ZipkinTracerConfig {
  readonly kind: 'zipkin';
  readonly collector: CollectorTarget;
  /** trace_id_128bit: new traces get 128-bit ids (default 64-bit). */
  readonly traceId128: boolean;
  /** shared_span_context (default true): the server span reuses the client's span id. */
  readonly sharedSpanContext: boolean;
}

export interface OpenTelemetryTracerConfig {
  readonly kind: 'opentelemetry';
  readonly collector: CollectorTarget;
  /** OTLP/HTTP protobuf (http_service) or OTLP/gRPC (grpc_service with envoy_grpc). */
  readonly transport: 'http' | 'grpc';
  /** service_name: the resource's service.name (Envoy's default "unknown_service:envoy"). */
  readonly serviceName: string;
}

export type TracerConfig = ZipkinTracerConfig | OpenTelemetryTracerConfig;

/** A custom_tags entry: how to find the tag's value for one request. */
export type CustomTagConfig =
  | { readonly kind: 'literal'; readonly tag: string; readonly value: string }
  | { readonly kind: 'environment'; readonly tag: string; readonly value: string }
  | { readonly kind: 'request_header'; readonly tag: string; readonly header: string; readonly defaultValue: string };

export interface TracingConfig {
  /** The tracer's canonical name (for stats and messages). */
  readonly providerName: string;
  readonly tracer: TracerConfig;
  /** Sampling as a fraction of 10000 (Envoy keeps the Percent as numerator/10000). */
  readonly clientSampling: number;
  readonly randomSampling: number;
  readonly overallSampling: number;
  readonly verbose: boolean;
  readonly maxPathTagLength: number;
  /** Environment tags are resolved at decode time: their value is fixed for the process. */
  readonly customTags: readonly CustomTagConfig[];
  /** spawn_upstream_span: the router makes its own CLIENT span per upstream request. Not run yet: refused when true. */
  readonly spawnUpstreamSpan: boolean;
}

/** Defaults, as Envoy documents them. */
export const TRACING_DEFAULTS = {
  /** client_sampling, random_sampling, overall_sampling: 100% (of 10000). */
  sampling: 10000,
  /** max_path_tag_length: 256. */
  maxPathTagLength: 256,
  /** ZipkinConfig.shared_span_context: true. */
  sharedSpanContext: true,
  /** OpenTelemetryConfig.service_name when empty. */
  otelServiceName: 'unknown_service:envoy',
  /** http_service.http_uri.timeout is required by Envoy; grpc_service.timeout: none. */
  reportTimeoutMs: 5000,
  /** Envoy's runtime tracing.zipkin.min_flush_spans / tracing.opentelemetry.min_flush_spans: 5. */
  minFlushSpans: 5,
  /** Envoy's runtime tracing.*.flush_interval_ms: 5 s. */
  flushIntervalMs: 5000,
  /**
   * Spans held while the collector is slow or down. Envoy's buffer grows
   * without bound between flushes; weft caps it so a dead collector costs a
   * fixed amount of memory and the excess is counted (spans_dropped).
   */
  maxQueuedSpans: 4096,
  /** Reports in flight at once per tracer; more spans wait in the queue. */
  maxReportsInFlight: 2,
  /** Spans per report at most (a bounded body). */
  maxSpansPerReport: 512,
} as const;
