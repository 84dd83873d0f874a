// /stats?format=json in Envoy's shape:
//   {"stats":[{"name":…,"value":…},…,{"histograms":{"supported_quantiles":[0,25,…],
//     "computed_quantiles":[{"name":…,"values":[{"cumulative":…,"interval":…},…]}]}}]}
// With histogram_buckets=cumulative|disjoint the last element is instead
//   {"histograms":[{"name":…,"buckets":[{"upper_bound":…,"interval":…,"cumulative":…},…]}]}
// NaN (no samples) is written as null.
import { SUPPORTED_QUANTILES } from './defaults.js';
import type { Histogram } from './histogram.js';
import { compareStatNames } from './stat-name-order.js';
import type { StatsStore } from './stats-store.js';
import { shouldShow, showsCounters, showsGauges, showsHistograms, visibleCounter, visibleGauge, type StatsParams } from './stats-params.js';

/** Quantiles as percentages, rounded so 0.995 shows as 99.5. */
const SUPPORTED_PERCENTILES = SUPPORTED_QUANTILES.map((q) => Math.round(q * 1000) / 10);

function num(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

export interface JsonStatsDocument {
  stats: unknown[];
}

/** The JSON document as a value (the admin serialises it; tests inspect it). */
export function buildStatsJson(store: StatsStore, params: StatsParams): JsonStatsDocument {
  const values: { name: string; value: number }[] = [];
  if (showsCounters(params)) for (const c of store.counters()) if (visibleCounter(c, params)) values.push({ name: c.meta.name, value: c.value });
  if (showsGauges(params)) for (const g of store.gauges()) if (visibleGauge(g, params)) values.push({ name: g.meta.name, value: g.value });
  values.sort((a, b) => compareStatNames(a.name, b.name));
  const stats: unknown[] = values;

  if (showsHistograms(params)) {
    const hs = store.histograms().filter((h) => shouldShow(h, params));
    hs.sort((a, b) => compareStatNames(a.meta.name, b.meta.name));
    if (hs.length > 0) stats.push({ histograms: params.histogramBuckets === 'none' ? quantilesBlock(hs) : hs.map((h) => bucketsEntry(h, params.histogramBuckets as 'cumulative' | 'disjoint')) });
  }
  return { stats };
}

function quantilesBlock(hs: Histogram[]): unknown {
  return {
    supported_quantiles: SUPPORTED_PERCENTILES,
    computed_quantiles: hs.map((h) => {
      const cumulative = h.cumulativeQuantiles();
      const interval = h.intervalQuantiles();
      return { name: h.meta.name, values: cumulative.map((c, i) => ({ cumulative: num(c), interval: num(interval[i]!) })) };
    }),
  };
}

function bucketsEntry(h: Histogram, mode: 'cumulative' | 'disjoint'): unknown {
  const interval = mode === 'cumulative' ? h.intervalCumulativeBuckets() : h.intervalDisjointBuckets();
  const total = mode === 'cumulative' ? h.cumulativeBuckets() : h.disjointBuckets();
  return { name: h.meta.name, buckets: h.bounds.map((b, i) => ({ upper_bound: b, interval: interval[i], cumulative: total[i] })) };
}

/** /stats?format=json body. */
export function renderStatsJson(store: StatsStore, params: StatsParams): string {
  return JSON.stringify(buildStatsJson(store, params));
}
