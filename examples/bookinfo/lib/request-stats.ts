// Counts the requests an app served, so a demo or an end-to-end test can see
// where traffic went (e.g. that mirrored requests reached reviews v3) without
// scraping logs. Served at GET /debug/requests; DELETE resets it.
import type { IncomingMessage } from 'node:http';

export interface RequestStatsSnapshot {
  service: string;
  version: string;
  workload: string;
  /** Requests served, not counting /health and /debug/*. */
  total: number;
  /** Of those, mirrored ones: Envoy appends `-shadow` to the host of a mirrored request. */
  shadow: number;
  byPath: Record<string, number>;
  byEndUser: Record<string, number>;
}

export class RequestStats {
  private total = 0;
  private shadow = 0;
  private byPath = new Map<string, number>();
  private byEndUser = new Map<string, number>();

  constructor(private readonly id: { service: string; version: string; workload: string }) {}

  /** Records one request; returns whether it was a mirrored (shadow) copy. */
  record(req: IncomingMessage, path: string): boolean {
    this.total++;
    const shadow = isShadowHost(req.headers.host);
    if (shadow) this.shadow++;
    this.byPath.set(path, (this.byPath.get(path) ?? 0) + 1);
    const user = req.headers['end-user'];
    const u = typeof user === 'string' && user !== '' ? user : '-';
    this.byEndUser.set(u, (this.byEndUser.get(u) ?? 0) + 1);
    return shadow;
  }

  reset(): void {
    this.total = 0;
    this.shadow = 0;
    this.byPath.clear();
    this.byEndUser.clear();
  }

  snapshot(): RequestStatsSnapshot {
    return {
      ...this.id,
      total: this.total,
      shadow: this.shadow,
      byPath: Object.fromEntries(this.byPath),
      byEndUser: Object.fromEntries(this.byEndUser),
    };
  }
}

/**
 * The app's own metrics in Prometheus's text format (served at GET /metrics;
 * the workloads file's `metrics` points the sidecar's merged endpoint at it).
 * Counts only: the request metrics with Istio's labels come from the sidecars.
 */
export function prometheusText(s: RequestStatsSnapshot): string {
  const l = `{service="${s.service}",version="${s.version}"}`;
  return [
    '# HELP bookinfo_requests_total Requests the app served (not /health, /metrics or /debug/*).',
    '# TYPE bookinfo_requests_total counter',
    `bookinfo_requests_total${l} ${s.total}`,
    '# HELP bookinfo_mirrored_requests_total Of those, mirrored copies (a Host ending in -shadow).',
    '# TYPE bookinfo_mirrored_requests_total counter',
    `bookinfo_mirrored_requests_total${l} ${s.shadow}`,
    '',
  ].join('\n');
}

/** `reviews-shadow:9080` or `reviews-shadow` → true. */
export function isShadowHost(host: string | undefined): boolean {
  if (!host) return false;
  const colon = host.lastIndexOf(':');
  const name = colon > 0 && !host.endsWith(']') ? host.slice(0, colon) : host;
  return name.endsWith('-shadow');
}
