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
   * Most series kept. A Bookinfo sidecar exposes ~2,000 series, ~300 of
   * them kept (dropMetrics); 20,000 leaves room for ~60 such sidecars
   * before new series are refused and counted.
   */
  maxSeries: 20_000,
  /** Most samples kept in all (~17 bytes each: a 50 MiB ceiling); beyond it the oldest go first (the window shortens). */
  maxSamples: 3_000_000,
  /**
   * Metric names not stored: Envoy's per-cluster, per-listener and per-HCM
   * stats (≈85% of a sidecar's exposition here). Istio's sidecars do not
   * expose them by default either (proxyStatsMatcher: only server,
   * cluster_manager and listener_manager stats besides istio_*), so Istio's
   * dashboards and Kiali never query them. A real Prometheus (--prometheus)
   * keeps whatever it scrapes.
   */
  dropMetrics: /^envoy_(?!server_|cluster_manager_|listener_manager_)/,
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
