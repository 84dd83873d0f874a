// Metrics from the Telemetry API, as Istio merges them (pilot/pkg/model/
// telemetry.go mergeMetrics, generateStatsConfig): the Telemetries of the
// workload (root namespace, namespace, workload) apply their overrides in
// order, later ones winning per metric, side and tag; providers of a later
// scope replace the earlier ones; disabling ALL_METRICS removes the stats
// filter (metadata exchange stays). The result is stats.PluginConfig's
// `metrics` list for the istio.stats filter of one listener side.
import type { IstioMetric, MetricsOverrides, TagOverride } from '../../api/telemetry.js';
import { telemetryChain, type KeyedTelemetry } from '../model/telemetry-index.js';
import type { MeshConfig } from '../model/types.js';
import type { TelemetrySide } from './telemetry-access-log.js';
import type { TranslateContext } from './translate-context.js';

/** Istio's metric enum → the stats filter's metric name (istio_ prefix omitted, as Istio's config). */
export const PROMETHEUS_METRIC_NAMES: Readonly<Record<Exclude<IstioMetric, 'ALL_METRICS'>, string>> = {
  REQUEST_COUNT: 'requests_total',
  REQUEST_DURATION: 'request_duration_milliseconds',
  REQUEST_SIZE: 'request_bytes',
  RESPONSE_SIZE: 'response_bytes',
  TCP_OPENED_CONNECTIONS: 'tcp_connections_opened_total',
  TCP_CLOSED_CONNECTIONS: 'tcp_connections_closed_total',
  TCP_SENT_BYTES: 'tcp_sent_bytes_total',
  TCP_RECEIVED_BYTES: 'tcp_received_bytes_total',
  GRPC_REQUEST_MESSAGES: 'request_messages_total',
  GRPC_RESPONSE_MESSAGES: 'response_messages_total',
};
const ALL_METRICS = (Object.keys(PROMETHEUS_METRIC_NAMES) as (keyof typeof PROMETHEUS_METRIC_NAMES)[]).sort();

/** One entry of stats.PluginConfig.metrics (Istio's MetricConfig, snake_case as in the TypedStruct). */
export interface StatsMetricConfig {
  name: string;
  dimensions?: Record<string, string>;
  tags_to_remove?: string[];
  drop?: boolean;
}

/** What istio.stats does on one listener side: absent when metrics are off (no prometheus provider, or ALL_METRICS disabled). */
export interface SideMetrics {
  readonly metrics: StatsMetricConfig[];
}

const PROMETHEUS = 'prometheus';

interface Override {
  disabled?: boolean;
  tags: Map<string, TagOverride>;
}

function matchesOf(o: MetricsOverrides): string[] {
  const m = o.match;
  if (m?.customMetric !== undefined) return [m.customMetric];
  if (m?.metric === undefined || m.metric === 'ALL_METRICS') return ALL_METRICS;
  return [m.metric];
}

function sidesOf(o: MetricsOverrides): TelemetrySide[] {
  const mode = o.match?.mode;
  return mode === 'CLIENT' || mode === 'SERVER' ? [mode] : ['CLIENT', 'SERVER'];
}

const isAllMetrics = (o: MetricsOverrides) => o.match?.customMetric === undefined && o.match?.metric === 'ALL_METRICS';
const names = (ps: { name?: string }[] | undefined): string[] => (ps ?? []).map((p) => p.name ?? '').filter((n) => n !== '');

/** Istio's mergeMetrics for the prometheus provider and one side; undefined when metrics are off there. */
export function mergeMetrics(chain: readonly KeyedTelemetry[], mesh: MeshConfig, side: TelemetrySide): SideMetrics | undefined {
  const metrics = chain.flatMap((t) => t.obj.spec?.metrics ?? []);
  const defaults = [...(mesh.defaultProviders.metrics ?? [])];
  let inScope = defaults;
  for (const m of metrics) {
    const n = names(m.providers);
    if (n.length > 0) inScope = n;
  }
  const prometheusInScope = inScope.some((n) => n.toLowerCase() === PROMETHEUS);
  if (!prometheusInScope) return undefined;
  const perMetric = new Map<string, Override>();
  let disabledAll = false;
  let parent = defaults;
  for (const m of metrics) {
    let n = names(m.providers);
    if (n.length === 0) n = parent;
    parent = n;
    if (!n.some((x) => x.toLowerCase() === PROMETHEUS)) continue;
    for (const o of m.overrides ?? []) {
      if (isAllMetrics(o) && o.disabled === true) {
        disabledAll = true;
        continue;
      }
      // A later scope that enables anything re-enables the filter (Istio: root disables all, a namespace enables some).
      disabledAll = false;
      if (!sidesOf(o).includes(side)) continue;
      for (const metric of matchesOf(o)) {
        const cur = perMetric.get(metric) ?? { tags: new Map<string, TagOverride>() };
        if (o.disabled !== undefined) cur.disabled = o.disabled;
        for (const [k, v] of Object.entries(o.tagOverrides ?? {})) cur.tags.set(k, v);
        perMetric.set(metric, cur);
      }
    }
  }
  if (disabledAll) return undefined;
  const out: StatsMetricConfig[] = [];
  for (const metric of [...perMetric.keys()].sort()) {
    const o = perMetric.get(metric)!;
    const name = (PROMETHEUS_METRIC_NAMES as Record<string, string>)[metric] ?? metric;
    const cfg: StatsMetricConfig = { name };
    const dims: Record<string, string> = {};
    const remove: string[] = [];
    for (const tag of [...o.tags.keys()].sort()) {
      const t = o.tags.get(tag)!;
      if (t.operation === 'REMOVE') remove.push(tag);
      else dims[tag] = t.value ?? '';
    }
    if (Object.keys(dims).length > 0) cfg.dimensions = dims;
    if (remove.length > 0) cfg.tags_to_remove = remove;
    if (o.disabled) cfg.drop = true;
    out.push(cfg);
  }
  return { metrics: out };
}

/** The istio.stats settings of one side of this proxy (undefined: no stats filter). */
export function telemetryMetrics(ctx: TranslateContext, side: TelemetrySide): SideMetrics | undefined {
  return mergeMetrics(telemetryChain(ctx.push.telemetry(ctx.proxy.namespace, ctx.proxy.labels)), ctx.push.mesh, side);
}
