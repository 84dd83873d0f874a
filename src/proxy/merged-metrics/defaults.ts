// Defaults of the merged metrics endpoint, each with the reason for its value.

export const MERGED_METRICS_DEFAULTS = {
  /** Istio's path on the agent's status port (15020). */
  path: '/stats/prometheus',
  /** Istio's status port, where its injector points Prometheus. */
  istioPort: 15020,
  /** Prometheus's own default metrics path, what an application without `prometheus.io/path` serves. */
  appPath: '/metrics',
  /** Below Prometheus's default 10 s scrape timeout, so a slow application still leaves the proxy's part in time. */
  appTimeoutMs: 5_000,
  /** An application's metrics beyond 32 MiB are refused (counted as a failure) rather than buffered without bound. */
  maxAppBytes: 32 * 1024 * 1024,
} as const;
