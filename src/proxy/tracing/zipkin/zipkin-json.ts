// Zipkin's v2 JSON span model (POST /api/v2/spans, a JSON array), as Envoy's
// Zipkin driver writes it for collector_endpoint_version HTTP_JSON.
import type { SpanEncoder } from '../span-exporter.js';
import type { FinishedSpan } from '../finished-span.js';

/** The fields of a Zipkin v2 span weft writes. */
export interface ZipkinV2Span {
  traceId: string;
  id: string;
  parentId?: string;
  name: string;
  kind: 'SERVER' | 'CLIENT';
  timestamp: number;
  duration: number;
  localEndpoint: { serviceName: string; ipv4?: string; ipv6?: string; port?: number };
  tags: Record<string, string>;
  shared?: boolean;
}

export function toZipkinV2(s: FinishedSpan): ZipkinV2Span {
  const tags: Record<string, string> = {};
  for (const [k, v] of s.tags) tags[k] = v;
  const ep: ZipkinV2Span['localEndpoint'] = { serviceName: s.localService };
  if (s.localIp) {
    if (s.localIp.includes(':')) ep.ipv6 = s.localIp;
    else ep.ipv4 = s.localIp;
  }
  if (s.localPort) ep.port = s.localPort;
  return {
    traceId: s.traceId,
    id: s.spanId,
    ...(s.parentId ? { parentId: s.parentId } : {}),
    name: s.name,
    kind: s.kind,
    timestamp: s.startUs,
    // Zipkin reads a zero duration as "unknown"; a finished span took at least 1 µs.
    duration: Math.max(1, s.durationUs),
    localEndpoint: ep,
    tags,
    ...(s.shared ? { shared: true } : {}),
  };
}

export const zipkinJsonEncoder: SpanEncoder = {
  contentType: 'application/json',
  grpc: false,
  encode: (spans) => Buffer.from(JSON.stringify(spans.map(toZipkinV2))),
};
