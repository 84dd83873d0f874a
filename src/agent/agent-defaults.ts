// The node agent's defaults, each with the reason for its value. Names in
// comments are istio-agent's environment variables for the same setting.

export const AGENT_DEFAULTS = {
  /** Istio's CA address (CA_ADDR): istiod's TLS port. */
  caPort: 15012,
  /** The name the CA server's certificate must carry (istio-agent checks istiod's service name). */
  caServerName: 'istiod.istio-system.svc',
  /** Requested workload certificate lifetime (SECRET_TTL: 24 h). */
  certTtlMs: 24 * 3600_000,
  /**
   * Rotate when this share of the lifetime is left (SECRET_GRACE_PERIOD_RATIO
   * 0.5): at half life, so a CA outage as long as half a lifetime costs
   * nothing.
   */
  gracePeriodRatio: 0.5,
  /**
   * Random share of the lifetime added to or taken from the grace period
   * (SECRET_GRACE_PERIOD_RATIO_JITTER 0.01), so sidecars started together do
   * not all ask the CA at the same instant.
   */
  gracePeriodJitterRatio: 0.01,
  /** First retry after a failed CSR; doubles per failure up to the maximum. */
  retryInitialMs: 1_000,
  retryMaxMs: 60_000,
  /** How long one CreateCertificate call may take (connect, TLS, sign) before it counts as failed. */
  callTimeoutMs: 10_000,
  /** How often the remaining-lifetime gauge is refreshed (Istio derives it at scrape time). */
  expiryGaugeRefreshMs: 15_000,
} as const;
