// Query parameters of the admin's /stats and /stats/prometheus, parsed once per
// request, and the "is this stat shown" rule they imply. Names and values are
// Envoy's, so scripts written against Envoy's admin work unchanged.
import type { Counter } from './counter.js';
import type { Gauge } from './gauge.js';
import { compileRe2 } from './tag-extractor.js';

/** `type=`: which kinds of stat to show. */
export type StatsTypeFilter = 'All' | 'Counters' | 'Gauges' | 'Histograms' | 'TextReadouts';

/** `histogram_buckets=`: how histograms are shown; `none` is Envoy's default (quantiles). */
export type HistogramBucketsMode = 'none' | 'cumulative' | 'disjoint';

export type StatsFormat = 'text' | 'json' | 'prometheus';

export interface StatsParams {
  /** `usedonly`: hide counters never incremented, gauges never set, histograms never recorded. */
  usedOnly: boolean;
  /** `filter=<regex>`: show only stats whose name matches (anywhere). */
  filter: RegExp | null;
  type: StatsTypeFilter;
  histogramBuckets: HistogramBucketsMode;
  /** `format=`; `/stats/prometheus` forces `prometheus`. */
  format: StatsFormat;
}

export type ParseResult = { ok: true; params: StatsParams } | { ok: false; error: string };

export const DEFAULT_STATS_PARAMS: StatsParams = Object.freeze({
  usedOnly: false,
  filter: null,
  type: 'All',
  histogramBuckets: 'none',
  format: 'text',
}) as StatsParams;

const TYPES: readonly StatsTypeFilter[] = ['All', 'Counters', 'Gauges', 'Histograms', 'TextReadouts'];

/**
 * Parses `/stats` query parameters (`?usedonly&filter=…&format=json&type=…&histogram_buckets=…`).
 * An invalid value is an error (the admin answers 400 with it), never ignored.
 */
export function parseStatsParams(query: URLSearchParams | string, forceFormat?: StatsFormat): ParseResult {
  const q = typeof query === 'string' ? new URLSearchParams(query.startsWith('?') ? query.slice(1) : query) : query;
  const params: StatsParams = { ...DEFAULT_STATS_PARAMS };
  params.usedOnly = q.has('usedonly');
  const filter = q.get('filter');
  if (filter !== null && filter !== '') {
    try {
      params.filter = compileRe2(filter);
    } catch (e) {
      return { ok: false, error: `Invalid re2 regex: ${(e as Error).message}` };
    }
  }
  const type = q.get('type');
  if (type !== null) {
    if (!TYPES.includes(type as StatsTypeFilter)) return { ok: false, error: `invalid type=${type}; expected one of ${TYPES.join(', ')}` };
    params.type = type as StatsTypeFilter;
  }
  const hb = q.get('histogram_buckets');
  if (hb !== null) {
    if (hb !== 'none' && hb !== 'cumulative' && hb !== 'disjoint') {
      return { ok: false, error: `unsupported histogram_buckets=${hb}; weft supports none, cumulative, disjoint` };
    }
    params.histogramBuckets = hb;
  }
  const format = forceFormat ?? q.get('format') ?? 'text';
  if (format !== 'text' && format !== 'json' && format !== 'prometheus') {
    return { ok: false, error: `unsupported format=${format}; weft supports text, json, prometheus` };
  }
  params.format = format;
  if (params.format === 'prometheus' && params.histogramBuckets === 'disjoint') {
    return { ok: false, error: 'unsupported prometheus histogram bucket mode' };
  }
  return { ok: true, params };
}

/** Whether a stat passes `usedonly`, `filter` and gauge hiding. */
export function shouldShow(stat: { readonly used: boolean; readonly meta: { readonly name: string } }, params: StatsParams): boolean {
  if (params.usedOnly && !stat.used) return false;
  if (params.filter && !params.filter.test(stat.meta.name)) return false;
  return true;
}

export function showsCounters(p: StatsParams): boolean {
  return p.type === 'All' || p.type === 'Counters';
}

export function showsGauges(p: StatsParams): boolean {
  return p.type === 'All' || p.type === 'Gauges';
}

export function showsHistograms(p: StatsParams): boolean {
  return p.type === 'All' || p.type === 'Histograms';
}

/** A gauge is shown when it passes shouldShow() and is not a hidden gauge. */
export function visibleGauge(g: Gauge, p: StatsParams): boolean {
  return !g.hidden && shouldShow(g, p);
}

export function visibleCounter(c: Counter, p: StatsParams): boolean {
  return shouldShow(c, p);
}
