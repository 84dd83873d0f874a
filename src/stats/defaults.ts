// Defaults for the stats subsystem, each in one place with the reason for it.

/**
 * Upper bounds of histogram buckets, in the histogram's unit. These are Envoy's
 * defaults (`stats_config.histogram_bucket_settings` unset), so `le` labels on
 * /stats/prometheus line up with dashboards built against Envoy and Istio.
 */
export const DEFAULT_HISTOGRAM_BUCKETS: readonly number[] = Object.freeze([
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000,
]);

/**
 * Quantiles shown for each histogram on /stats and /stats?format=json, as
 * fractions. Envoy's fixed list; tools that read Envoy's JSON index into it.
 */
export const SUPPORTED_QUANTILES: readonly number[] = Object.freeze([0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 1]);

/**
 * How often the proxy should call StatsStore.flush() (the bootstrap's
 * `stats_flush_interval`): Envoy's default, which is also the window that the
 * "interval" quantiles of /stats describe.
 */
export const DEFAULT_STATS_FLUSH_INTERVAL_MS = 5000;

/** Prefix of every Envoy-named metric on /stats/prometheus (Envoy's namespace). */
export const PROMETHEUS_NAMESPACE_PREFIX = 'envoy_';
