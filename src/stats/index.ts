// Public surface of the stats subsystem.
export { Counter } from './counter.js';
export { Gauge, type GaugeImportMode } from './gauge.js';
export { Histogram, type HistogramUnit } from './histogram.js';
export { Scope } from './scope.js';
export { StatsStore, type StatsStoreOptions, type StatKind } from './stats-store.js';
export type { StatMeta } from './stat-meta.js';
export type { Tag } from './tag-extractor.js';
export { TagProducer, defaultTagProducer, type TagProducerOptions, type TagSpec, type TagExtraction } from './tag-producer.js';
export { TagNames } from './well-known-tags.js';
export { DEFAULT_HISTOGRAM_BUCKETS, SUPPORTED_QUANTILES, DEFAULT_STATS_FLUSH_INTERVAL_MS } from './defaults.js';
export { parseStatsParams, DEFAULT_STATS_PARAMS, type StatsParams, type ParseResult, type StatsFormat, type StatsTypeFilter, type HistogramBucketsMode } from './stats-params.js';
export { renderStatsText } from './render-text.js';
export { renderStatsJson, buildStatsJson } from './render-json.js';
export { renderPrometheus, PROMETHEUS_CONTENT_TYPE } from './render-prometheus.js';
export { decodeStatsConfig, type StringMatcherDecoder } from './stats-config.js';
