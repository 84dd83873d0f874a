// /stats/prometheus: the Prometheus text exposition format (version 0.0.4), as
// Envoy writes it. Envoy-named stats appear under their tag-extracted family
// (`envoy_cluster_upstream_rq{envoy_response_code="200",envoy_cluster_name="x"}`),
// labeled metrics under their own name. Counters, then gauges, then
// histograms; families sorted by name, each with one `# TYPE` line followed by
// all its samples sorted by stat name. Names and labels were rendered when each
// stat was created (StatMeta); this file only concatenates.
import { formatG, formatStatValue } from './format-number.js';
import type { Counter } from './counter.js';
import type { Gauge } from './gauge.js';
import type { Histogram } from './histogram.js';
import { compareStatNames } from './stat-name-order.js';
import type { StatsStore } from './stats-store.js';
import { shouldShow, showsCounters, showsGauges, showsHistograms, visibleCounter, visibleGauge, type StatsParams } from './stats-params.js';

/** Content-Type of the response body. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Stat = Counter | Gauge | Histogram;

/** Sample values: the format spells the specials NaN, +Inf, -Inf. */
function sampleValue(v: number, fmt: (v: number) => string): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return fmt(v);
}

const sum32 = (v: number): string => formatG(v, 32);

function groupByFamily<T extends Stat>(stats: readonly T[]): [string, T[]][] {
  const groups = new Map<string, T[]>();
  for (const s of stats) {
    const g = groups.get(s.meta.promName);
    if (g) g.push(s);
    else groups.set(s.meta.promName, [s]);
  }
  const out = [...groups.entries()];
  out.sort((a, b) => compareStatNames(a[0], b[0]));
  for (const [, g] of out) g.sort((a, b) => compareStatNames(a.meta.name, b.meta.name));
  return out;
}

/** Formatted `le` values per bounds array (histograms share the default one). */
const leCache = new WeakMap<readonly number[], string[]>();

function leValues(bounds: readonly number[]): string[] {
  let le = leCache.get(bounds);
  // Exact binary values print as Envoy prints them (%.32g); others (0.01, 0.1: istiod's
  // second buckets) in their shortest round-trip form, as Go's Prometheus client does.
  if (!le) leCache.set(bounds, (le = bounds.map((b) => (Number.isInteger(b * 1024) ? formatG(b, 32) : String(b)))));
  return le;
}

function histogramSamples(h: Histogram): string {
  const { promName, promLabels } = h.meta;
  const lePrefix = promLabels === '' ? '' : promLabels + ',';
  const cumulative = h.cumulativeBuckets();
  const le = leValues(h.bounds);
  let out = '';
  for (let i = 0; i < le.length; i++) out += `${promName}_bucket{${lePrefix}le="${le[i]}"} ${cumulative[i]}\n`;
  out += `${promName}_bucket{${lePrefix}le="+Inf"} ${h.count}\n`;
  out += `${promName}_sum{${promLabels}} ${sampleValue(h.sum, sum32)}\n`;
  out += `${promName}_count{${promLabels}} ${h.count}\n`;
  return out;
}

export function renderPrometheus(store: StatsStore, params: StatsParams): string {
  // A family name can come from two kinds (say a counter and a labeled gauge
  // of the same name); the exposition format allows one TYPE per family, so
  // the first kind wins and the clash is left out rather than emitted invalid.
  const emitted = new Set<string>();
  let out = '';
  const section = <T extends Stat>(stats: T[], type: string, sample: (s: T) => string): void => {
    for (const [family, members] of groupByFamily(stats)) {
      if (emitted.has(family)) continue;
      emitted.add(family);
      out += `# TYPE ${family} ${type}\n`;
      for (const s of members) out += sample(s);
    }
  };
  if (showsCounters(params)) {
    section(store.counters().filter((c) => visibleCounter(c, params)), 'counter', (c) => `${c.meta.promName}{${c.meta.promLabels}} ${sampleValue(c.value, formatStatValue)}\n`);
  }
  if (showsGauges(params)) {
    section(store.gauges().filter((g) => visibleGauge(g, params)), 'gauge', (g) => `${g.meta.promName}{${g.meta.promLabels}} ${sampleValue(g.value, formatStatValue)}\n`);
  }
  if (showsHistograms(params)) {
    section(store.histograms().filter((h) => shouldShow(h, params)), 'histogram', histogramSamples);
  }
  return out;
}
