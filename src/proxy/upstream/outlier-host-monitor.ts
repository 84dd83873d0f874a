// Per-host outlier state: consecutive-error counters, per-interval request
// counts for success-rate analysis, and ejection bookkeeping. Plain fields,
// one shape, so the per-response update is a few integer writes.

/** Requests and successes in the interval being filled and in the last complete one. */
export class RequestCounts {
  total = 0;
  success = 0;
  lastTotal = 0;
  lastSuccess = 0;

  /** Ends an interval: the counts just gathered become the ones analysed. */
  roll(): void {
    this.lastTotal = this.total;
    this.lastSuccess = this.success;
    this.total = 0;
    this.success = 0;
  }

  /** Success rate (percent) of the last complete interval; NaN when it had no requests. */
  get lastSuccessRate(): number {
    return this.lastTotal === 0 ? NaN : (100 * this.lastSuccess) / this.lastTotal;
  }
}

export class OutlierHostMonitor {
  consecutive5xx = 0;
  consecutiveGatewayFailure = 0;
  consecutiveLocalOriginFailure = 0;
  /** Externally originated results (HTTP statuses; all results when errors are not split). */
  readonly external = new RequestCounts();
  /** Locally originated results (connect failures, timeouts, resets), when split_external_local_origin_errors. */
  readonly localOrigin = new RequestCounts();
  ejected = false;
  ejectedAt = 0;
  /** How long this ejection lasts (base × backoff, capped, plus jitter). */
  ejectionTimeMs = 0;
  /** Multiplier of base_ejection_time: grows with each ejection, shrinks while the host stays healthy. */
  ejectTimeBackoff = 0;
  /** Times ejected, ever (for /clusters and tests). */
  numEjections = 0;
  lastUnejectedAt = -1;
  /** Success rates (percent) from the last sweep, -1 when the host lacked volume (admin /clusters). */
  successRate = -1;
  localOriginSuccessRate = -1;

  resetConsecutive(): void {
    this.consecutive5xx = 0;
    this.consecutiveGatewayFailure = 0;
    this.consecutiveLocalOriginFailure = 0;
  }
}
