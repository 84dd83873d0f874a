// /clusters: per-cluster and per-host state in Envoy's text and JSON forms.
import type { AdminRuntime } from '../runtime.js';

export function clustersText(p: AdminRuntime): string {
  const lines: string[] = [];
  for (const c of p.ctx.clusters.all()) {
    const n = c.config.name;
    const cb = c.resources.limits;
    lines.push(`${n}::default_priority::max_connections::${cb.maxConnections}`);
    lines.push(`${n}::default_priority::max_pending_requests::${cb.maxPendingRequests}`);
    lines.push(`${n}::default_priority::max_requests::${cb.maxRequests}`);
    lines.push(`${n}::default_priority::max_retries::${cb.maxRetries}`);
    lines.push(`${n}::added_via_api::${c.addedViaApi ? 'true' : 'false'}`);
    for (const h of c.hosts) {
      const k = `${n}::${h.key}`;
      lines.push(`${k}::cx_active::${h.cxActive}`);
      lines.push(`${k}::cx_connect_fail::${h.cxConnectFail}`);
      lines.push(`${k}::cx_total::${h.cxTotal}`);
      lines.push(`${k}::rq_active::${h.activeRequests}`);
      lines.push(`${k}::rq_error::${h.rqError}`);
      lines.push(`${k}::rq_success::${h.rqSuccess}`);
      lines.push(`${k}::rq_timeout::${h.rqTimeout}`);
      lines.push(`${k}::rq_total::${h.rqTotal}`);
      lines.push(`${k}::hostname::${h.hostname}`);
      lines.push(`${k}::health_flags::${h.healthFlags.size ? [...h.healthFlags].map((f) => '/' + f).join('') : 'healthy'}`);
      lines.push(`${k}::weight::${h.weight}`);
      lines.push(`${k}::region::${h.locality.split('/')[0] ?? ''}`);
      lines.push(`${k}::zone::${h.locality.split('/')[1] ?? ''}`);
      lines.push(`${k}::sub_zone::${h.locality.split('/')[2] ?? ''}`);
      lines.push(`${k}::canary::false`);
      lines.push(`${k}::priority::${h.priority}`);
      lines.push(`${k}::success_rate::-1`);
      lines.push(`${k}::local_origin_success_rate::-1`);
    }
  }
  return lines.join('\n') + '\n';
}

export function clustersJson(p: AdminRuntime): unknown {
  return {
    cluster_statuses: p.ctx.clusters.all().map((c) => ({
      name: c.config.name,
      added_via_api: c.addedViaApi,
      host_statuses: c.hosts.map((h) => ({
        address: { socket_address: { address: h.address, port_value: h.port } },
        stats: [
          { name: 'cx_active', type: 'GAUGE', value: String(h.cxActive) },
          { name: 'cx_connect_fail', value: String(h.cxConnectFail) },
          { name: 'cx_total', value: String(h.cxTotal) },
          { name: 'rq_active', type: 'GAUGE', value: String(h.activeRequests) },
          { name: 'rq_error', value: String(h.rqError) },
          { name: 'rq_success', value: String(h.rqSuccess) },
          { name: 'rq_timeout', value: String(h.rqTimeout) },
          { name: 'rq_total', value: String(h.rqTotal) },
        ],
        health_status: {
          eds_health_status: h.healthFlags.has('failed_eds_health') ? 'UNHEALTHY' : 'HEALTHY',
          ...(h.healthFlags.has('failed_active_hc') ? { failed_active_health_check: true } : {}),
          ...(h.healthFlags.has('failed_outlier_check') ? { failed_outlier_check: true } : {}),
        },
        weight: h.weight,
        hostname: h.hostname,
        priority: h.priority,
        locality: { region: h.locality.split('/')[0] ?? '', zone: h.locality.split('/')[1] ?? '', sub_zone: h.locality.split('/')[2] ?? '' },
      })),
    })),
  };
}
