// The HCM `tracing` of a sidecar or gateway listener, as Istio builds it
// (pilot/pkg/networking/core/tracing.go, model/telemetry.go):
//   - the workload's Telemetries (root namespace, namespace, workload) give
//     the provider (the most specific scope that names one wins; only the
//     first is used), randomSamplingPercentage, disableSpanReporting and
//     customTags (merged by name, later scopes win), per side (match.mode);
//   - no Telemetry names a provider: meshConfig.defaultProviders.tracing;
//   - neither, and no Telemetry tracing at all: the legacy tracer of
//     meshConfig.defaultConfig.tracing.zipkin (when enableTracing). weft has
//     no default collector address, so without one there is no tracing.
// Sampling: the Telemetry's percentage, else defaultConfig.tracing.sampling,
// else Istio's 1%. The collector is a mesh service: its cluster is the
// outbound cluster `outbound|<port>||<host>` every sidecar already has.
import type { TracingCustomTag, WorkloadMode } from '../../api/telemetry.js';
import { telemetryChain, type KeyedTelemetry } from '../model/telemetry-index.js';
import type { ExtensionProvider, MeshConfig, MeshTracingCustomTag, ServiceModel } from '../model/types.js';
import type { envoy_extensions_filters_network_http_connection_manager_v3_HttpConnectionManager_Tracing as HcmTracing } from '../../xds/gen/types.js';
import { MESSAGE_CODES } from './messages.js';
import { outboundClusterName } from './names.js';
import { anyOf, durationFromMs } from './proto-helpers.js';
import type { TelemetrySide } from './telemetry-access-log.js';
import type { TranslateContext } from './translate-context.js';

/** Istio's default sampling (PILOT_TRACE_SAMPLING / ProxyConfig tracing.sampling): 1%. */
export const ISTIO_DEFAULT_SAMPLING = 1;
export const ZIPKIN_DEFAULT_PATH = '/api/v2/spans';
export const OTLP_HTTP_DEFAULT_PATH = '/v1/traces';
/** Envoy's http_uri.timeout is required; Istio's OpenTelemetry provider without one: 5 s (weft's exporter default too). */
const OTLP_DEFAULT_TIMEOUT_MS = 5000;

const ZIPKIN_TYPE_URL = 'type.googleapis.com/envoy.config.trace.v3.ZipkinConfig';
const OTEL_TYPE_URL = 'type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig';

/** The merged tracing settings of one side of a workload. */
export interface SideTracing {
  /** Provider name; undefined: the legacy defaultConfig.tracing.zipkin. */
  readonly provider: string | undefined;
  readonly sampling: number;
  readonly disableSpanReporting: boolean;
  readonly customTags: Readonly<Record<string, TracingCustomTag | MeshTracingCustomTag>>;
  readonly enableIstioTags: boolean;
}

function matchesSide(mode: WorkloadMode | undefined, side: TelemetrySide): boolean {
  return mode === undefined || mode === 'CLIENT_AND_SERVER' || mode === side;
}

/**
 * Istio's mergeTracing for one side: undefined when nothing turns tracing on
 * (no provider from a Telemetry or the mesh defaults, and no legacy tracer).
 */
export function mergeTracing(chain: readonly KeyedTelemetry[], mesh: MeshConfig, side: TelemetrySide): SideTracing | undefined {
  let provider: string | undefined;
  let pct: number | undefined;
  let disable = false;
  let istioTags = true;
  let any = false;
  const tags: Record<string, TracingCustomTag | MeshTracingCustomTag> = { ...(mesh.defaultTracing?.customTags ?? {}) };
  for (const t of chain) {
    for (const entry of t.obj.spec?.tracing ?? []) {
      if (!matchesSide(entry.match?.mode, side)) continue;
      any = true;
      const names = (entry.providers ?? []).map((p) => p.name ?? '').filter((n) => n !== '');
      if (names.length > 0) provider = names[0];
      if (entry.randomSamplingPercentage !== undefined) pct = entry.randomSamplingPercentage;
      if (entry.disableSpanReporting !== undefined) disable = entry.disableSpanReporting;
      if (entry.enableIstioTags !== undefined) istioTags = entry.enableIstioTags;
      for (const [k, v] of Object.entries(entry.customTags ?? {})) tags[k] = v;
    }
  }
  provider ??= mesh.defaultProviders.tracing?.[0];
  const sampling = pct ?? mesh.defaultTracing?.sampling ?? ISTIO_DEFAULT_SAMPLING;
  if (provider === undefined) {
    // Legacy: only without any Telemetry tracing, and only with a collector address.
    if (any || !mesh.enableTracing || !mesh.defaultTracing?.zipkin) return undefined;
  }
  return { provider, sampling, disableSpanReporting: disable, customTags: tags, enableIstioTags: istioTags };
}

/** Istio's canonical service name and revision of a workload, from its labels. */
export function canonicalService(labels: Readonly<Record<string, string>>, workloadName: string): { name: string; revision: string } {
  return {
    name: labels['service.istio.io/canonical-name'] ?? labels['app.kubernetes.io/name'] ?? labels.app ?? (workloadName || 'unknown'),
    revision: labels['service.istio.io/canonical-revision'] ?? labels['app.kubernetes.io/version'] ?? labels.version ?? 'latest',
  };
}

function literal(tag: string, value: string) {
  return { tag, literal: { value } };
}

/** Istio's service tags (enableIstioTags, on by default), then the configured custom tags sorted by name. */
function customTags(ctx: TranslateContext, t: SideTracing): object[] {
  const out: object[] = [];
  if (t.enableIstioTags) {
    const cs = canonicalService(ctx.proxy.labels, ctx.proxy.workloadName);
    const meshId = typeof ctx.proxy.metadata.MESH_ID === 'string' ? ctx.proxy.metadata.MESH_ID : ctx.push.mesh.trustDomain;
    const clusterId = typeof ctx.proxy.metadata.CLUSTER_ID === 'string' ? ctx.proxy.metadata.CLUSTER_ID : 'Kubernetes';
    out.push(
      literal('istio.canonical_revision', cs.revision),
      literal('istio.canonical_service', cs.name),
      literal('istio.cluster_id', clusterId),
      literal('istio.mesh_id', meshId),
      literal('istio.namespace', ctx.proxy.namespace),
    );
  }
  for (const name of Object.keys(t.customTags).sort()) {
    const c = t.customTags[name]!;
    if (c.literal) out.push(literal(name, c.literal.value ?? ''));
    else if (c.environment) out.push({ tag: name, environment: { name: c.environment.name ?? '', ...(c.environment.defaultValue ? { default_value: c.environment.defaultValue } : {}) } });
    else if (c.header) out.push({ tag: name, request_header: { name: c.header.name ?? '', ...(c.header.defaultValue ? { default_value: c.header.defaultValue } : {}) } });
  }
  return out;
}

/** A provider's `service` as a registry host: an FQDN as given, `ns/host`, or `name.namespace` short form. */
function findCollector(ctx: TranslateContext, service: string): ServiceModel | undefined {
  const host = service.includes('/') ? service.slice(service.indexOf('/') + 1) : service;
  return ctx.serviceByHost.get(host) ?? ctx.serviceByHost.get(`${host}.svc.${ctx.push.mesh.domainSuffix}`);
}

function findProvider(mesh: MeshConfig, name: string): ExtensionProvider | undefined {
  return mesh.extensionProviders.find((p) => p.name === name);
}

/** The proxy's service name for OpenTelemetry resources, as Istio: `<canonical service>.<namespace>`. */
export function tracingServiceName(ctx: TranslateContext): string {
  return `${canonicalService(ctx.proxy.labels, ctx.proxy.workloadName).name}.${ctx.proxy.namespace}`;
}

function providerConfig(ctx: TranslateContext, t: SideTracing): { provider: object; maxTagLength?: number } | undefined {
  const mesh = ctx.push.mesh;
  const key = `Proxy ${ctx.proxy.id}`;
  let service: string;
  let port: number;
  let p: ExtensionProvider | undefined;
  if (t.provider === undefined) {
    const a = /^([^:]+):(\d+)$/.exec(mesh.defaultTracing!.zipkin!.address)!;
    service = a[1]!;
    port = Number(a[2]);
  } else {
    p = findProvider(mesh, t.provider);
    if (!p) {
      ctx.messages.warn(MESSAGE_CODES.TELEMETRY_PROVIDER, key, 'tracing.providers', `tracing provider "${t.provider}" is not in meshConfig.extensionProviders: no tracing (as Istio)`);
      return undefined;
    }
    const tracer = p.zipkin ?? p.opentelemetry;
    if (!tracer) {
      ctx.messages.warn(MESSAGE_CODES.TELEMETRY_PROVIDER, key, 'tracing.providers', `provider "${t.provider}" is not a tracing provider (zipkin or opentelemetry): no tracing`);
      return undefined;
    }
    service = tracer.service;
    port = tracer.port;
  }
  const svc = findCollector(ctx, service);
  if (!svc) {
    ctx.messages.warn(MESSAGE_CODES.TELEMETRY_PROVIDER, key, 'tracing.providers', `tracing collector service "${service}" is not in the registry (or not visible to this proxy): no tracing`);
    return undefined;
  }
  const cluster = outboundClusterName(port, undefined, svc.hostname);
  if (p?.opentelemetry) {
    const o = p.opentelemetry;
    const base = { service_name: tracingServiceName(ctx) };
    const cfg = o.http
      ? {
        ...base,
        http_service: {
          http_uri: { uri: `http://${svc.hostname}:${port}${o.http.path ?? OTLP_HTTP_DEFAULT_PATH}`, cluster, timeout: durationFromMs(o.http.timeoutMs ?? OTLP_DEFAULT_TIMEOUT_MS) },
          ...(o.http.headers?.length ? { request_headers_to_add: o.http.headers.map((h) => ({ header: { key: h.name, value: h.value } })) } : {}),
        },
      }
      : {
        ...base,
        grpc_service: {
          envoy_grpc: { cluster_name: cluster, authority: svc.hostname },
          ...(o.grpc?.timeoutMs ? { timeout: durationFromMs(o.grpc.timeoutMs) } : {}),
          ...(o.grpc?.initialMetadata?.length ? { initial_metadata: o.grpc.initialMetadata.map((h) => ({ key: h.name, value: h.value })) } : {}),
        },
      };
    return { provider: { name: 'envoy.tracers.opentelemetry', typed_config: anyOf(OTEL_TYPE_URL, cfg) }, ...(o.maxTagLength ? { maxTagLength: o.maxTagLength } : {}) };
  }
  const z = p?.zipkin;
  const cfg = {
    collector_cluster: cluster,
    collector_endpoint: z?.path ?? ZIPKIN_DEFAULT_PATH,
    trace_id_128bit: true,
    shared_span_context: { value: false },
    collector_endpoint_version: 'HTTP_JSON',
    collector_hostname: svc.hostname,
  };
  const maxTagLength = z?.maxTagLength ?? (t.provider === undefined ? mesh.defaultTracing?.maxPathTagLength : undefined);
  return { provider: { name: 'envoy.tracers.zipkin', typed_config: anyOf(ZIPKIN_TYPE_URL, cfg) }, ...(maxTagLength ? { maxTagLength } : {}) };
}

/** The HCM `tracing` of one side of this proxy, or undefined for none. */
export function telemetryTracing(ctx: TranslateContext, side: TelemetrySide): HcmTracing | undefined {
  const chain = telemetryChain(ctx.push.telemetry(ctx.proxy.namespace, ctx.proxy.labels));
  const t = mergeTracing(chain, ctx.push.mesh, side);
  // disableSpanReporting: Istio keeps propagation and drops the reporter; weft's proxy needs a provider, so no tracing (docs/telemetry.md).
  if (!t || t.disableSpanReporting) return undefined;
  const p = providerConfig(ctx, t);
  if (!p) return undefined;
  const tags = customTags(ctx, t);
  return {
    client_sampling: { value: 100 },
    random_sampling: { value: t.sampling },
    overall_sampling: { value: 100 },
    ...(tags.length ? { custom_tags: tags } : {}),
    ...(p.maxTagLength ? { max_path_tag_length: { value: p.maxTagLength } } : {}),
    provider: p.provider,
  } as HcmTracing;
}
