// envoy.filters.http.health_check: answers the requests its `headers`
// select. Not in pass-through mode it answers itself: 503 while the server
// fails health checks (/healthcheck/fail, or draining; response flag LH),
// 503 when a cluster of cluster_min_healthy_percentages is below its
// percentage (or unknown), else 200. In pass-through mode the request goes
// upstream unless the server fails (503) or, with cache_time, the upstream's
// last status is still fresh. Health check responses carry
// x-envoy-upstream-healthchecked-cluster (the node's cluster); every other
// response of a failing server carries x-envoy-immediate-health-check-fail.
import { LH } from '../../access-log/response-flags.js';
import { CONTINUE, STOP, type FilterStatus, type FilterStream, type HttpFilter, type HttpFilterFactory } from '../../http/filter.js';
import { HeaderMap } from '../../http/headers.js';
import { RequestView } from '../../route/route-request.js';
import type { HealthCheckSettings } from './decode.js';

const IMMEDIATE_FAIL = 'x-envoy-immediate-health-check-fail';

/** %RESPONSE_CODE_DETAILS% of the filter's own answers (Envoy's values). */
export const HC_DETAILS = {
  ok: 'health_check_ok',
  failed: 'health_check_failed',
  cached: 'health_check_cached',
  noCluster: 'health_check_failed_no_cluster_found',
  clusterEmpty: 'health_check_failed_cluster_empty',
  clusterHealthy: 'health_check_ok_cluster_healthy',
  clusterUnhealthy: 'health_check_failed_cluster_unhealthy',
} as const;

function serverFailing(stream: FilterStream): boolean {
  return stream.hcm.ctx.serverHealth?.state === 'DRAINING';
}

export class HealthCheckFilterFactory implements HttpFilterFactory {
  /** Pass-through with cache_time: the last upstream status and until when it is reused (monotonic ms). */
  private cached: { status: number; until: number } | undefined;
  private readonly failMarker: HttpFilter = {
    encodeHeaders: (_s, _status, headers) => headers.set(IMMEDIATE_FAIL, 'true'),
  };

  constructor(readonly name: string, readonly settings: HealthCheckSettings) {}

  create(stream: FilterStream): HttpFilter | undefined {
    const view = stream.route?.view ?? new RequestView(stream);
    if (!this.settings.headers.every((h) => h.matches(view))) return serverFailing(stream) ? this.failMarker : undefined;
    return new HealthCheckFilter(this);
  }

  cachedStatus(now: number): number | undefined {
    const c = this.cached;
    return c && now < c.until ? c.status : undefined;
  }

  remember(status: number, now: number): void {
    if (this.settings.cacheTimeMs > 0) this.cached = { status, until: now + this.settings.cacheTimeMs };
  }
}

class HealthCheckFilter implements HttpFilter {
  constructor(private readonly f: HealthCheckFilterFactory) {}

  decodeHeaders(stream: FilterStream): FilterStatus {
    stream.info.healthCheck = true;
    const s = this.f.settings;
    const cached = s.passThroughMode ? this.f.cachedStatus(stream.hcm.clock.now()) : undefined;
    if (serverFailing(stream)) this.answer(stream, 503, HC_DETAILS.failed);
    else if (cached !== undefined) this.answer(stream, cached, HC_DETAILS.cached);
    else if (s.passThroughMode) return CONTINUE;
    else {
      const [status, details] = this.clusterVerdict(stream);
      this.answer(stream, status, details);
    }
    return STOP;
  }

  encodeHeaders(stream: FilterStream, status: number, headers: HeaderMap): void {
    // Only upstream answers (pass-through) are remembered, not the filter's own.
    if (this.f.settings.passThroughMode && !stream.info.responseCodeDetails?.startsWith('health_check_')) this.f.remember(status, stream.hcm.clock.now());
    const local = stream.hcm.ctx.serverHealth?.bootstrap.node.cluster;
    if (local) headers.set('x-envoy-upstream-healthchecked-cluster', local);
  }

  /** cluster_min_healthy_percentages, as Envoy checks them (whole percentages). */
  private clusterVerdict(stream: FilterStream): [number, string] {
    let details: string = HC_DETAILS.ok;
    for (const [name, pct] of this.f.settings.clusterMinHealthyPercentages) {
      details = HC_DETAILS.clusterHealthy;
      const min = Math.floor(pct);
      const c = stream.hcm.ctx.clusters?.get(name);
      if (!c) return [503, HC_DETAILS.noCluster];
      const total = c.hosts.length;
      if (total === 0) {
        if (min === 0) continue;
        return [503, HC_DETAILS.clusterEmpty];
      }
      let healthy = 0;
      for (const h of c.hosts) if (h.healthy) healthy++;
      if (100 * healthy < total * min) return [503, HC_DETAILS.clusterUnhealthy];
    }
    return [200, details];
  }

  private answer(stream: FilterStream, status: number, details: string): void {
    if (status < 200 || status >= 300) stream.info.setResponseFlag(LH);
    stream.sendResponse(status, new HeaderMap(), '', details);
  }
}
