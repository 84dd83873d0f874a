// http.<stat_prefix>.* stats of a connection manager, under Envoy's names.
import type { Counter, Gauge, Histogram, StatsStore } from '../../stats/index.js';

export class HcmStats {
  readonly downstreamRqTotal: Counter;
  readonly downstreamRqActive: Gauge;
  readonly downstreamRqHttp1Total: Counter;
  readonly downstreamRqHttp2Total: Counter;
  readonly downstreamRqCompleted: Counter;
  readonly downstreamRqTxReset: Counter;
  readonly downstreamRqRxReset: Counter;
  readonly downstreamRqIdleTimeout: Counter;
  readonly downstreamRqTimeout: Counter;
  readonly downstreamCxTotal: Counter;
  readonly downstreamCxActive: Gauge;
  readonly downstreamCxHttp1Total: Counter;
  readonly downstreamCxHttp1Active: Gauge;
  readonly downstreamCxHttp2Total: Counter;
  readonly downstreamCxHttp2Active: Gauge;
  readonly downstreamCxProtocolError: Counter;
  readonly downstreamCxDestroy: Counter;
  readonly downstreamCxRxBytesTotal: Counter;
  readonly downstreamCxTxBytesTotal: Counter;
  readonly downstreamCxIdleTimeout: Counter;
  readonly downstreamCxDrainClose: Counter;
  readonly downstreamCxUpgradesTotal: Counter;
  readonly downstreamCxUpgradesActive: Gauge;
  readonly downstreamRqHeaderTimeout: Counter;
  readonly noRoute: Counter;
  readonly noCluster: Counter;
  readonly rqDirectResponse: Counter;
  readonly rqRedirect: Counter;
  readonly rqTotal: Counter;
  readonly rqRetryOrShadowAbandoned: Counter;
  readonly downstreamRqWsOnNonWsRoute: Counter;
  private readonly byClass: Counter[];
  private readonly rqTime: Histogram;

  constructor(store: StatsStore, prefix: string) {
    const p = `http.${prefix}.`;
    const c = (n: string) => store.counter(p + n);
    const g = (n: string) => store.gauge(p + n);
    this.downstreamRqTotal = c('downstream_rq_total');
    this.downstreamRqActive = g('downstream_rq_active');
    this.downstreamRqHttp1Total = c('downstream_rq_http1_total');
    this.downstreamRqHttp2Total = c('downstream_rq_http2_total');
    this.downstreamRqCompleted = c('downstream_rq_completed');
    this.downstreamRqTxReset = c('downstream_rq_tx_reset');
    this.downstreamRqRxReset = c('downstream_rq_rx_reset');
    this.downstreamRqIdleTimeout = c('downstream_rq_idle_timeout');
    this.downstreamRqTimeout = c('downstream_rq_timeout');
    this.downstreamCxTotal = c('downstream_cx_total');
    this.downstreamCxActive = g('downstream_cx_active');
    this.downstreamCxHttp1Total = c('downstream_cx_http1_total');
    this.downstreamCxHttp1Active = g('downstream_cx_http1_active');
    this.downstreamCxHttp2Total = c('downstream_cx_http2_total');
    this.downstreamCxHttp2Active = g('downstream_cx_http2_active');
    this.downstreamCxProtocolError = c('downstream_cx_protocol_error');
    this.downstreamCxDestroy = c('downstream_cx_destroy');
    this.downstreamCxRxBytesTotal = c('downstream_cx_rx_bytes_total');
    this.downstreamCxTxBytesTotal = c('downstream_cx_tx_bytes_total');
    this.downstreamCxIdleTimeout = c('downstream_cx_idle_timeout');
    this.downstreamCxDrainClose = c('downstream_cx_drain_close');
    this.downstreamCxUpgradesTotal = c('downstream_cx_upgrades_total');
    this.downstreamCxUpgradesActive = g('downstream_cx_upgrades_active');
    this.downstreamRqHeaderTimeout = c('downstream_rq_header_timeout');
    this.noRoute = c('no_route');
    this.noCluster = c('no_cluster');
    this.rqDirectResponse = c('rq_direct_response');
    this.rqRedirect = c('rq_redirect');
    this.rqTotal = c('rq_total');
    this.rqRetryOrShadowAbandoned = c('rq_retry_or_shadow_abandoned');
    this.downstreamRqWsOnNonWsRoute = c('downstream_rq_ws_on_non_ws_route');
    this.byClass = [1, 2, 3, 4, 5].map((k) => c(`downstream_rq_${k}xx`));
    this.rqTime = store.histogram(p + 'downstream_rq_time', 'milliseconds');
  }

  /** Counts a finished request by status class and records its duration. */
  recordResponse(status: number, durationMs: number | undefined): void {
    this.downstreamRqCompleted.inc();
    const k = (status / 100) | 0;
    if (k >= 1 && k <= 5) this.byClass[k - 1]!.inc();
    if (durationMs !== undefined) this.rqTime.record(durationMs);
  }
}
