// cluster.<name>.* stats, under Envoy's names.
import type { Counter, Gauge, Histogram, StatsStore } from '../../stats/index.js';

export class ClusterStats {
  readonly upstreamRqTotal: Counter;
  readonly upstreamRqActive: Gauge;
  readonly upstreamRqCompleted: Counter;
  readonly upstreamRqPendingTotal: Counter;
  readonly upstreamRqPendingActive: Gauge;
  readonly upstreamRqPendingOverflow: Counter;
  readonly upstreamRqTimeout: Counter;
  readonly upstreamRqPerTryTimeout: Counter;
  readonly upstreamRqRxReset: Counter;
  readonly upstreamRqTxReset: Counter;
  readonly upstreamRqRetry: Counter;
  readonly upstreamRqRetrySuccess: Counter;
  readonly upstreamRqRetryOverflow: Counter;
  readonly upstreamRqRetryLimitExceeded: Counter;
  readonly upstreamRqRetryBackoffExponential: Counter;
  readonly upstreamRqMaxDurationReached: Counter;
  readonly upstreamCxTotal: Counter;
  readonly upstreamCxActive: Gauge;
  readonly upstreamCxHttp1Total: Counter;
  readonly upstreamCxHttp2Total: Counter;
  readonly upstreamCxConnectFail: Counter;
  readonly upstreamCxConnectTimeout: Counter;
  readonly upstreamCxDestroy: Counter;
  readonly upstreamCxDestroyLocal: Counter;
  readonly upstreamCxDestroyRemote: Counter;
  readonly upstreamCxDestroyWithActiveRq: Counter;
  readonly upstreamCxOverflow: Counter;
  readonly upstreamCxNoneHealthy: Counter;
  readonly upstreamCxRxBytesTotal: Counter;
  readonly upstreamCxTxBytesTotal: Counter;
  readonly upstreamCxMaxRequests: Counter;
  readonly upstreamCxIdleTimeout: Counter;
  /** Envoy's http2.keepalive_timeout: connections closed because a PING went unanswered. */
  readonly http2KeepaliveTimeout: Counter;
  readonly upstreamCxProtocolError: Counter;
  readonly membershipTotal: Gauge;
  readonly membershipHealthy: Gauge;
  readonly membershipDegraded: Gauge;
  readonly membershipChange: Counter;
  readonly updateSuccess: Counter;
  readonly updateFailure: Counter;
  readonly cbCxOpen: Gauge;
  readonly cbRqPendingOpen: Gauge;
  readonly cbRqOpen: Gauge;
  readonly cbRqRetryOpen: Gauge;
  readonly rqTime: Histogram;
  readonly cxConnectMs: Histogram;
  private readonly byCode = new Map<number, Counter>();
  private readonly byClass: Counter[];

  constructor(private readonly store: StatsStore, readonly prefix: string) {
    const c = (n: string) => store.counter(prefix + n);
    const g = (n: string) => store.gauge(prefix + n);
    this.upstreamRqTotal = c('upstream_rq_total');
    this.upstreamRqActive = g('upstream_rq_active');
    this.upstreamRqCompleted = c('upstream_rq_completed');
    this.upstreamRqPendingTotal = c('upstream_rq_pending_total');
    this.upstreamRqPendingActive = g('upstream_rq_pending_active');
    this.upstreamRqPendingOverflow = c('upstream_rq_pending_overflow');
    this.upstreamRqTimeout = c('upstream_rq_timeout');
    this.upstreamRqPerTryTimeout = c('upstream_rq_per_try_timeout');
    this.upstreamRqRxReset = c('upstream_rq_rx_reset');
    this.upstreamRqTxReset = c('upstream_rq_tx_reset');
    this.upstreamRqRetry = c('upstream_rq_retry');
    this.upstreamRqRetrySuccess = c('upstream_rq_retry_success');
    this.upstreamRqRetryOverflow = c('upstream_rq_retry_overflow');
    this.upstreamRqRetryLimitExceeded = c('upstream_rq_retry_limit_exceeded');
    this.upstreamRqRetryBackoffExponential = c('upstream_rq_retry_backoff_exponential');
    this.upstreamRqMaxDurationReached = c('upstream_rq_max_duration_reached');
    this.upstreamCxTotal = c('upstream_cx_total');
    this.upstreamCxActive = g('upstream_cx_active');
    this.upstreamCxHttp1Total = c('upstream_cx_http1_total');
    this.upstreamCxHttp2Total = c('upstream_cx_http2_total');
    this.upstreamCxConnectFail = c('upstream_cx_connect_fail');
    this.upstreamCxConnectTimeout = c('upstream_cx_connect_timeout');
    this.upstreamCxDestroy = c('upstream_cx_destroy');
    this.upstreamCxDestroyLocal = c('upstream_cx_destroy_local');
    this.upstreamCxDestroyRemote = c('upstream_cx_destroy_remote');
    this.upstreamCxDestroyWithActiveRq = c('upstream_cx_destroy_with_active_rq');
    this.upstreamCxOverflow = c('upstream_cx_overflow');
    this.upstreamCxNoneHealthy = c('upstream_cx_none_healthy');
    this.upstreamCxRxBytesTotal = c('upstream_cx_rx_bytes_total');
    this.upstreamCxTxBytesTotal = c('upstream_cx_tx_bytes_total');
    this.upstreamCxMaxRequests = c('upstream_cx_max_requests');
    this.upstreamCxIdleTimeout = c('upstream_cx_idle_timeout');
    this.http2KeepaliveTimeout = c('http2.keepalive_timeout');
    this.upstreamCxProtocolError = c('upstream_cx_protocol_error');
    this.membershipTotal = g('membership_total');
    this.membershipHealthy = g('membership_healthy');
    this.membershipDegraded = g('membership_degraded');
    this.membershipChange = c('membership_change');
    this.updateSuccess = c('update_success');
    this.updateFailure = c('update_failure');
    this.cbCxOpen = g('circuit_breakers.default.cx_open');
    this.cbRqPendingOpen = g('circuit_breakers.default.rq_pending_open');
    this.cbRqOpen = g('circuit_breakers.default.rq_open');
    this.cbRqRetryOpen = g('circuit_breakers.default.rq_retry_open');
    this.rqTime = store.histogram(prefix + 'upstream_rq_time', 'milliseconds');
    this.cxConnectMs = store.histogram(prefix + 'upstream_cx_connect_ms', 'milliseconds');
    this.byClass = [1, 2, 3, 4, 5].map((k) => c(`upstream_rq_${k}xx`));
  }

  /** Counts a response from upstream: upstream_rq_<code>, upstream_rq_<N>xx, upstream_rq_completed. */
  recordResponse(status: number): void {
    let ctr = this.byCode.get(status);
    if (!ctr) {
      ctr = this.store.counter(`${this.prefix}upstream_rq_${status}`);
      this.byCode.set(status, ctr);
    }
    ctr.inc();
    const k = (status / 100) | 0;
    if (k >= 1 && k <= 5) this.byClass[k - 1]!.inc();
    this.upstreamRqCompleted.inc();
  }
}
