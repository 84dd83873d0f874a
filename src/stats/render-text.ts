// /stats as plain text, in Envoy's layout: `name: value` for counters and
// gauges sorted by name, then one line per histogram with its quantiles as
// `P<q>(<interval>,<cumulative>)`.
import { SUPPORTED_QUANTILES } from './defaults.js';
import { formatG, formatShortest, formatStatValue } from './format-number.js';
import type { Histogram } from './histogram.js';
import { compareStatNames } from './stat-name-order.js';
import type { StatsStore } from './stats-store.js';
import { shouldShow, showsCounters, showsGauges, showsHistograms, visibleCounter, visibleGauge, type StatsParams } from './stats-params.js';

/** `P0(nan,2) P25(nan,2.025) …`: Envoy's quantile summary of one histogram. */
export function quantileSummary(h: Histogram): string {
  const interval = h.intervalQuantiles();
  const cumulative = h.cumulativeQuantiles();
  const parts: string[] = [];
  for (let i = 0; i < SUPPORTED_QUANTILES.length; i++) {
    parts.push(`P${formatG(SUPPORTED_QUANTILES[i]! * 100)}(${formatShortest(interval[i]!)},${formatShortest(cumulative[i]!)})`);
  }
  return parts.join(' ');
}

/** `B0.5(0,1) B1(0,3) …`: counts per bucket bound, interval then cumulative. */
export function bucketSummary(h: Histogram, mode: 'cumulative' | 'disjoint'): string {
  const interval = mode === 'cumulative' ? h.intervalCumulativeBuckets() : h.intervalDisjointBuckets();
  const total = mode === 'cumulative' ? h.cumulativeBuckets() : h.disjointBuckets();
  const parts: string[] = [];
  for (let i = 0; i < h.bounds.length; i++) parts.push(`B${formatG(h.bounds[i]!)}(${interval[i]},${total[i]})`);
  return parts.join(' ');
}

export function renderStatsText(store: StatsStore, params: StatsParams): string {
  const lines: { name: string; text: string }[] = [];
  if (showsCounters(params)) {
    for (const c of store.counters()) if (visibleCounter(c, params)) lines.push({ name: c.meta.name, text: formatStatValue(c.value) });
  }
  if (showsGauges(params)) {
    for (const g of store.gauges()) if (visibleGauge(g, params)) lines.push({ name: g.meta.name, text: formatStatValue(g.value) });
  }
  lines.sort((a, b) => compareStatNames(a.name, b.name));
  let out = '';
  for (const l of lines) out += `${l.name}: ${l.text}\n`;

  if (showsHistograms(params)) {
    const hs = store.histograms().filter((h) => shouldShow(h, params));
    hs.sort((a, b) => compareStatNames(a.meta.name, b.meta.name));
    for (const h of hs) {
      let text: string;
      if (!h.used) text = 'No recorded values';
      else if (params.histogramBuckets === 'none') text = quantileSummary(h);
      else text = bucketSummary(h, params.histogramBuckets);
      out += `${h.meta.name}: ${text}\n`;
    }
  }
  return out;
}
