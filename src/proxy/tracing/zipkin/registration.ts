// envoy.tracers.zipkin: envoy.config.trace.v3.ZipkinConfig → ZipkinTracerConfig.
// Zipkin v2 JSON over HTTP (HTTP_JSON); B3 propagation (zipkin-propagation in span-context.ts).
import { ConfigErrors, joinPath } from '../../../common/errors.js';
import type { envoy_config_trace_v3_ZipkinConfig as ZipkinProto } from '../../../xds/gen/types.js';
import { checkSupported, wrapped } from '../../config/support.js';
import type { TracerRegistration } from '../../extensions/tracer-registration.js';
import { EXPORTER_COUNTERS } from '../span-exporter.js';
import { TRACING_DEFAULTS, type ZipkinTracerConfig } from '../tracing-config.js';

export const ZIPKIN_TYPE_URL = 'type.googleapis.com/envoy.config.trace.v3.ZipkinConfig';

export function decodeZipkinConfig(z: ZipkinProto, path: string, errs: ConfigErrors): ZipkinTracerConfig | undefined {
  checkSupported(z, path, errs, ['collector_cluster', 'collector_endpoint', 'trace_id_128bit', 'shared_span_context', 'collector_endpoint_version', 'collector_hostname', 'split_spans_for_request']);
  const cluster = z.collector_cluster ?? '';
  const endpoint = z.collector_endpoint ?? '';
  if (!cluster) errs.required(joinPath(path, 'collector_cluster'));
  if (!endpoint) errs.required(joinPath(path, 'collector_endpoint'));
  else if (!endpoint.startsWith('/')) errs.error(joinPath(path, 'collector_endpoint'), 'collector_endpoint must be a path starting with "/" (e.g. /api/v2/spans)');
  // Unset (the enum's deprecated zero) is read as HTTP_JSON, the only version Istio sends.
  const version = z.collector_endpoint_version ?? 'HTTP_JSON';
  if (version !== 'HTTP_JSON') errs.unsupported(joinPath(path, 'collector_endpoint_version'), `collector_endpoint_version ${version} (weft sends HTTP_JSON)`);
  if (z.split_spans_for_request) errs.unsupported(joinPath(path, 'split_spans_for_request'), 'split_spans_for_request: true');
  if (!cluster || !endpoint.startsWith('/') || version !== 'HTTP_JSON' || z.split_spans_for_request) return undefined;
  return {
    kind: 'zipkin',
    collector: { cluster, path: endpoint, authority: z.collector_hostname || cluster, timeoutMs: TRACING_DEFAULTS.reportTimeoutMs, headers: [] },
    traceId128: z.trace_id_128bit ?? false,
    sharedSpanContext: wrapped(z.shared_span_context, TRACING_DEFAULTS.sharedSpanContext),
  };
}

export const zipkinTracerRegistration: TracerRegistration = {
  name: 'envoy.tracers.zipkin',
  typeUrls: [ZIPKIN_TYPE_URL],
  decode: (cfg, path, errs) => decodeZipkinConfig(cfg as ZipkinProto, path, errs),
  // tracing/span-exporter.ts; Envoy's names under tracing.zipkin., plus weft's spans_dropped.
  stats: { prefix: 'tracing.zipkin.', counters: EXPORTER_COUNTERS },
};
