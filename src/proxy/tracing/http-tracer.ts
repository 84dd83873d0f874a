// The connection manager's tracer: Envoy's HCM tracing, one span per request
// per proxy. At the start of a request (after routing) it takes the decision
// (sampling.ts), continues the incoming trace context or starts one, and
// writes this span's context into the request headers the router forwards,
// so the next hop continues the trace. When the stream ends, a sampled span
// gets Envoy's standard tags and goes to the exporter's queue; an unsampled
// one costs only the ids and the propagation headers, as in Envoy.
import type { ProxyContext } from '../context.js';
import type { HeaderMap } from '../http/headers.js';
import type { HttpStream, StreamTracer } from '../http/stream.js';
import { responseFlagsToString } from '../access-log/response-flags.js';
import { decideTrace } from './sampling.js';
import { b3SamplingOnly, extractB3, extractW3c, injectB3, injectW3c, type SpanContext } from './span-context.js';
import { newSpanId, newTraceId } from './trace-ids.js';
import type { FinishedSpan, SpanKind } from './finished-span.js';
import type { SpanExporter } from './span-exporter.js';
import { exporterFor } from './tracer-exporters.js';
import type { TracingConfig } from './tracing-config.js';

/** The span of one stream, from start() to finish(). */
export interface ActiveSpan {
  /** This span's own context: what went to the next hop. */
  readonly context: SpanContext;
  readonly parentId: string | undefined;
  /** Zipkin shared span (server side reusing the client's span id). */
  readonly shared: boolean;
}

/** The listener's direction decides the span kind, as Envoy's operation name: OUTBOUND egress (CLIENT), else ingress (SERVER). */
export function spanKindFor(trafficDirection: 'INBOUND' | 'OUTBOUND' | 'UNSPECIFIED' | undefined): SpanKind {
  return trafficDirection === 'OUTBOUND' ? 'CLIENT' : 'SERVER';
}

export class HttpTracer implements StreamTracer<ActiveSpan> {
  /** Found on the first sampled span (exporters are shared per proxy; see tracer-exporters.ts). */
  private exporter: SpanExporter | undefined;
  private readonly localService: string;
  private readonly nodeId: string;
  private readonly zone: string;

  constructor(
    readonly config: TracingConfig,
    private readonly ctx: ProxyContext,
    readonly kind: SpanKind,
  ) {
    // Envoy's Zipkin localEndpoint.serviceName is the node's cluster (Istio: "<app>.<namespace>").
    this.localService = ctx.node?.cluster || '-';
    this.nodeId = ctx.node?.id ?? '';
    this.zone = ctx.node?.locality?.zone ?? '';
  }

  start(s: HttpStream): ActiveSpan {
    const cfg = this.config;
    const h = s.headers;
    const reason = decideTrace(h, cfg, this.ctx.random);
    const zipkin = cfg.tracer.kind === 'zipkin';
    const parent = zipkin ? extractB3(h) : extractW3c(h);
    // An incoming sampling flag wins over the local decision (Envoy's extractSampled).
    const incoming = parent ? parent.sampled : zipkin ? b3SamplingOnly(h) : undefined;
    const sampled = incoming ?? reason !== 'none';
    let context: SpanContext;
    let parentId: string | undefined;
    let shared = false;
    if (!parent) {
      context = { traceId: newTraceId(zipkin ? cfg.tracer.kind === 'zipkin' && cfg.tracer.traceId128 : true), spanId: newSpanId(), sampled };
    } else if (zipkin && this.kind === 'SERVER' && cfg.tracer.kind === 'zipkin' && cfg.tracer.sharedSpanContext) {
      // Zipkin's shared span: the server side records under the client's span id.
      shared = true;
      parentId = parent.parentId;
      context = { traceId: parent.traceId, spanId: parent.spanId, ...(parentId ? { parentId } : {}), sampled, ...(parent.b3Single ? { b3Single: true } : {}) };
    } else {
      parentId = parent.spanId;
      context = {
        traceId: parent.traceId,
        spanId: newSpanId(),
        parentId,
        sampled,
        ...(parent.tracestate ? { tracestate: parent.tracestate } : {}),
        ...(parent.b3Single ? { b3Single: true } : {}),
      };
    }
    if (zipkin) injectB3(h, context);
    else injectW3c(h, context);
    return { context, parentId, shared };
  }

  finish(s: HttpStream, span: ActiveSpan): void {
    if (!span.context.sampled) return;
    const info = s.info;
    const h = s.headers;
    const tags: [string, string][] = [];
    const t = (k: string, v: string) => tags.push([k, v]);
    t('component', 'proxy');
    if (this.nodeId) t('node_id', this.nodeId);
    if (this.zone) t('zone', this.zone);
    const rid = h.get('x-request-id');
    if (rid) t('guid:x-request-id', rid);
    const ctid = h.get('x-client-trace-id');
    if (ctid) t('guid:x-client-trace-id', ctid);
    t('http.url', `${s.scheme}://${s.authority}${truncate(s.path, this.config.maxPathTagLength)}`);
    t('http.method', s.method);
    t('downstream_cluster', h.get('x-envoy-downstream-service-cluster') ?? '-');
    t('user_agent', h.get('user-agent') ?? '-');
    t('http.protocol', info.protocol ?? '-');
    t('peer.address', info.downstreamRemoteAddress ?? '-');
    t('request_size', String(info.bytesReceived));
    t('response_size', String(info.bytesSent));
    t('response_flags', responseFlagsToString(info.responseFlags));
    if (info.upstreamCluster) {
      t('upstream_cluster', info.upstreamCluster);
      t('upstream_cluster.name', info.upstreamCluster);
    }
    if (info.upstreamHost) t('upstream_address', info.upstreamHost);
    t('http.status_code', String(info.responseCode));
    if (info.responseCode === 0 || info.responseCode >= 500) t('error', 'true');
    // A reply this proxy made itself: its x-weft-error (code, cause, config object), for the dashboard's "explain a local reply".
    if (info.weftError) t('x-weft-error', info.responseHeaders?.get('x-weft-error') ?? info.weftError);
    for (const c of this.config.customTags) {
      if (c.kind === 'request_header') t(c.tag, requestHeaderTag(h, c.header, c.defaultValue));
      else t(c.tag, c.value);
    }
    const conn = s.conn;
    const finished: FinishedSpan = {
      traceId: span.context.traceId,
      spanId: span.context.spanId,
      parentId: span.parentId,
      name: s.route?.route.decorator?.operation || (this.kind === 'SERVER' ? 'ingress' : `egress ${s.authority}`),
      kind: this.kind,
      startUs: Math.round(info.startTime * 1000),
      durationUs: Math.round((info.duration ?? 0) * 1000),
      shared: span.shared,
      tracestate: span.context.tracestate,
      tags,
      localService: this.localService,
      localIp: conn.localAddress.startsWith('::ffff:') ? conn.localAddress.slice(7) : conn.localAddress,
      localPort: conn.localPort,
    };
    (this.exporter ??= exporterFor(this.ctx, this.config.tracer)).add(finished);
  }
}

/** Envoy's http.url keeps the query and cuts the path at max_path_tag_length. */
function truncate(path: string, max: number): string {
  return path.length > max ? path.slice(0, max) : path;
}

function requestHeaderTag(h: HeaderMap, name: string, dflt: string): string {
  const v = h.getJoined(name);
  return v === undefined || v === '' ? dflt : v;
}
