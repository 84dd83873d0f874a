// The dashboard's defaults, each with its reason, in one place.
export const DASHBOARD_DEFAULTS = Object.freeze({
  /** How often every target is scraped: short enough that a 1-minute graph window has a dozen points per series, long enough that scraping costs little. */
  scrapeIntervalMs: 5_000,
  /** A scrape slower than this fails (Prometheus's default scrape_timeout is 10 s; kept below the interval so scrapes never pile up). */
  scrapeTimeoutMs: 4_000,
  /** Largest exposition accepted from one target; larger ones fail the scrape, as Prometheus's body_size_limit does. */
  maxScrapeBytes: 16 * 1024 * 1024,
  /** The window kept in memory: the dashboard's longest time range (60 min). */
  windowMs: 60 * 60_000,
  /**
   * Most series kept. A Bookinfo sidecar exposes ~1,500 series (Envoy's
   * cluster and listener stats and Istio's metrics); 50,000 leaves room for
   * ~30 sidecars' worth at 720 samples each (5 s over 60 min) before new
   * series are refused and counted.
   */
  maxSeries: 50_000,
  /** Most samples kept in all: at ~16 bytes each, a 160 MiB ceiling; the oldest go first. */
  maxSamples: 10_000_000,
  /** A request to --prometheus slower than this is abandoned and the embedded store answers (the contract's 2 s). */
  prometheusTimeoutMs: 2_000,
  /** How long a Prometheus found unreachable is not asked again (the embedded store answers meanwhile, with the warning). */
  prometheusRetryMs: 10_000,
  /** Most local replies /api/dashboard/replies returns (its limit parameter is capped here). */
  maxReplies: 500,
  /** Replies returned when the request names no limit. */
  defaultReplies: 50,
});

/** The graph's time windows (the UI's selector), in Prometheus's duration syntax. */
export const GRAPH_WINDOWS = ['1m', '5m', '15m', '60m'] as const;
export type GraphWindow = (typeof GRAPH_WINDOWS)[number];
