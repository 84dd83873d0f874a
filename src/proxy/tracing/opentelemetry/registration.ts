// envoy.tracers.opentelemetry: envoy.config.trace.v3.OpenTelemetryConfig →
// OpenTelemetryTracerConfig. OTLP/HTTP protobuf (http_service) or OTLP/gRPC
// (grpc_service.envoy_grpc); W3C trace context propagation.
import { ConfigErrors, joinPath } from '../../../common/errors.js';
import type {
  envoy_config_core_v3_HeaderValueOption as HeaderValueOption,
  envoy_config_trace_v3_OpenTelemetryConfig as OtelProto,
} from '../../../xds/gen/types.js';
import { checkSupported, durationMs } from '../../config/support.js';
import type { TracerRegistration } from '../../extensions/tracer-registration.js';
import { EXPORTER_COUNTERS } from '../span-exporter.js';
import { TRACING_DEFAULTS, type CollectorTarget, type OpenTelemetryTracerConfig } from '../tracing-config.js';

export const OPENTELEMETRY_TYPE_URL = 'type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig';

/** OTLP/gRPC's method path (opentelemetry.proto.collector.trace.v1.TraceService). */
export const OTLP_GRPC_EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

export function decodeOpenTelemetryConfig(o: OtelProto, path: string, errs: ConfigErrors): OpenTelemetryTracerConfig | undefined {
  checkSupported(o, path, errs, ['grpc_service', 'http_service', 'service_name']);
  // resource_detectors and sampler are refused by name above.
  let collector: CollectorTarget | undefined;
  let transport: 'http' | 'grpc' = 'http';
  if (o.grpc_service && o.http_service) errs.error(path, 'only one of grpc_service and http_service may be set');
  else if (o.http_service) collector = decodeHttpService(o.http_service, joinPath(path, 'http_service'), errs);
  else if (o.grpc_service) {
    transport = 'grpc';
    const gp = joinPath(path, 'grpc_service');
    const g = o.grpc_service;
    checkSupported(g, gp, errs, ['envoy_grpc', 'timeout', 'initial_metadata']);
    if (g.google_grpc) errs.unsupported(joinPath(gp, 'google_grpc'), 'google_grpc (use envoy_grpc)');
    else if (!g.envoy_grpc) errs.required(joinPath(gp, 'envoy_grpc'));
    else {
      const ep = joinPath(gp, 'envoy_grpc');
      checkSupported(g.envoy_grpc, ep, errs, ['cluster_name', 'authority']);
      const cluster = g.envoy_grpc.cluster_name ?? '';
      if (!cluster) errs.required(joinPath(ep, 'cluster_name'));
      else {
        collector = {
          cluster,
          path: OTLP_GRPC_EXPORT_PATH,
          authority: g.envoy_grpc.authority || cluster,
          timeoutMs: durationMs(g.timeout, TRACING_DEFAULTS.reportTimeoutMs),
          headers: (g.initial_metadata ?? []).map((h) => [(h.key ?? '').toLowerCase(), h.value ?? ''] as const),
        };
      }
    }
  } else errs.required(path, 'one of grpc_service or http_service is required');
  if (!collector) return undefined;
  return { kind: 'opentelemetry', collector, transport, serviceName: o.service_name || TRACING_DEFAULTS.otelServiceName };
}

function decodeHttpService(h: NonNullable<OtelProto['http_service']>, path: string, errs: ConfigErrors): CollectorTarget | undefined {
  checkSupported(h, path, errs, ['http_uri', 'request_headers_to_add']);
  const headers = decodeHeadersToAdd(h.request_headers_to_add, joinPath(path, 'request_headers_to_add'), errs);
  const up = joinPath(path, 'http_uri');
  const u = h.http_uri;
  if (!u) {
    errs.required(up);
    return undefined;
  }
  checkSupported(u, up, errs, ['uri', 'cluster', 'timeout']);
  const cluster = u.cluster ?? '';
  if (!cluster) errs.required(joinPath(up, 'cluster'));
  let url: URL | undefined;
  try {
    url = new URL(u.uri ?? '');
  } catch {
    errs.error(joinPath(up, 'uri'), `uri "${u.uri ?? ''}" is not an absolute URL (e.g. http://otel-collector:4318/v1/traces)`);
  }
  if (!cluster || !url) return undefined;
  return { cluster, path: url.pathname + url.search, authority: url.host, timeoutMs: durationMs(u.timeout, TRACING_DEFAULTS.reportTimeoutMs), headers };
}

function decodeHeadersToAdd(list: readonly HeaderValueOption[] | undefined, path: string, errs: ConfigErrors): (readonly [string, string])[] {
  const out: (readonly [string, string])[] = [];
  (list ?? []).forEach((o, i) => {
    const p = joinPath(path, i);
    checkSupported(o, p, errs, ['header']);
    checkSupported(o.header, joinPath(p, 'header'), errs, ['key', 'value']);
    const key = (o.header?.key ?? '').toLowerCase();
    if (!key) errs.required(joinPath(joinPath(p, 'header'), 'key'));
    else out.push([key, o.header?.value ?? '']);
  });
  return out;
}

export const openTelemetryTracerRegistration: TracerRegistration = {
  name: 'envoy.tracers.opentelemetry',
  typeUrls: [OPENTELEMETRY_TYPE_URL],
  decode: (cfg, path, errs) => decodeOpenTelemetryConfig(cfg as OtelProto, path, errs),
  // tracing/span-exporter.ts; Envoy's names under tracing.opentelemetry., plus the Zipkin-style report counters.
  stats: { prefix: 'tracing.opentelemetry.', counters: EXPORTER_COUNTERS },
};
