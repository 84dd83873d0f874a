// The stats of one worker as plain data, and their sum: how the primary of
// `--concurrency N` shows the whole proxy on /stats and /stats/prometheus.
// Counters and ordinary gauges add up across workers (Envoy's stats are
// process-wide, so a gauge like downstream_cx_active is the total); server.*
// and never_import gauges describe the process and take the largest value;
// histograms merge bucket counts and sketches (cumulative and last interval).
import { StatsStore, type StatsStoreOptions } from '../../stats/stats-store.js';
import type { GaugeImportMode } from '../../stats/gauge.js';
import type { HistogramState, HistogramUnit } from '../../stats/histogram.js';
import type { StatMeta } from '../../stats/stat-meta.js';

interface Named {
  name: string;
  /** Set for labeled stats: their Prometheus family and labels (in order). */
  family?: string;
  labels?: [string, string][];
}

export interface StatsSnapshot {
  counters: (Named & { value: number; flushed: number })[];
  gauges: (Named & { value: number; used: boolean; mode: GaugeImportMode })[];
  histograms: (Named & { unit: HistogramUnit; bounds: number[]; state: HistogramState })[];
}

function named(meta: StatMeta): Named {
  return meta.labeled ? { name: meta.name, family: meta.promName, labels: meta.tags.map((t) => [t.name, t.value]) } : { name: meta.name };
}

export function snapshotStats(store: StatsStore): StatsSnapshot {
  return {
    counters: store.counters().map((c) => ({ ...named(c.meta), value: c.value, flushed: c.flushedValue })),
    gauges: store.gauges().map((g) => ({ ...named(g.meta), value: g.value, used: g.used, mode: g.importMode })),
    histograms: store.histograms().map((h) => ({ ...named(h.meta), unit: h.unit, bounds: [...h.bounds], state: h.exportState() })),
  };
}

/** Gauges that describe a process, not traffic: the merged value is the largest, not the sum. */
function perProcess(name: string, mode: GaugeImportMode): boolean {
  return mode === 'never_import' || name.startsWith('server.');
}

/**
 * A fresh store holding the sum of `snapshots`, built with the bootstrap's
 * stats options (same tag extraction and buckets as the workers).
 * `overrides` sets gauges the primary knows better (server.concurrency).
 */
export function mergeStats(snapshots: readonly StatsSnapshot[], opts: StatsStoreOptions, overrides: Record<string, number> = {}): StatsStore {
  const store = new StatsStore(opts);
  for (const s of snapshots) {
    for (const c of s.counters) {
      const m = c.family ? store.labeledCounter(c.family, Object.fromEntries(c.labels ?? [])) : store.counter(c.name);
      m.add(c.value);
      m.flushedValue += c.flushed;
    }
    for (const g of s.gauges) {
      const m = g.family ? store.labeledGauge(g.family, Object.fromEntries(g.labels ?? []), g.mode) : store.gauge(g.name, g.mode);
      const wasUsed = m.used;
      if (perProcess(g.name, g.mode)) {
        if (!wasUsed || g.value > m.value) m.set(g.value);
      } else m.add(g.value);
      m.used = wasUsed || g.used;
    }
    for (const h of s.histograms) {
      const m = h.family ? store.labeledHistogram(h.family, Object.fromEntries(h.labels ?? []), h.unit, h.bounds) : store.histogram(h.name, h.unit);
      m.mergeState(h.state);
    }
  }
  for (const [name, v] of Object.entries(overrides)) store.gauge(name).set(v);
  return store;
}
