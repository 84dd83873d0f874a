// The merged metrics endpoint of a sidecar (Istio's pilot-agent on port 15020,
// GET /stats/prometheus): the proxy's own Prometheus text followed by the
// application's, when the workload declares a scrape port (Istio's
// `prometheus.io/port` and `prometheus.io/path` annotations, which its
// injector moves to the agent and replaces with 15020 so one scrape gets
// both). An application that is down or slow costs only its own part: the
// proxy's metrics are always served, and the failure is counted in
// istio_agent_scrape_failures_total{type="application"} as Istio's agent does.
import http from 'node:http';
import type net from 'node:net';
import type { Counter, StatsStore } from '../../stats/index.js';
import { DEFAULT_STATS_PARAMS, PROMETHEUS_CONTENT_TYPE, renderPrometheus } from '../../stats/index.js';
import { MERGED_METRICS_DEFAULTS } from './defaults.js';

export interface AppScrapeTarget {
  /** The application's metrics port on loopback. */
  readonly port: number;
  /** Its metrics path (default /metrics, as Prometheus's). */
  readonly path: string;
}

export interface MergedMetricsOptions {
  readonly stats: StatsStore;
  /** host:port to bind (port 0 picks one). */
  readonly address: string;
  readonly app?: AppScrapeTarget;
  /** How long the application may take to answer (default MERGED_METRICS_DEFAULTS.appTimeoutMs). */
  readonly appTimeoutMs?: number;
  /**
   * Other paths on the same port (Istio's agent serves the rewritten app
   * probes, /app-health/..., on its status port too): returns true when it
   * answered the request.
   */
  readonly otherPaths?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean;
}

export class MergedMetricsServer {
  private server: http.Server | undefined;
  private readonly scrapes: Counter;
  private readonly appFailures: Counter;
  port = 0;

  constructor(private readonly o: MergedMetricsOptions) {
    // Istio's agent counts its scrapes and the failed ones by source.
    this.scrapes = o.stats.labeledCounter('istio_agent_scrapes_total', {});
    this.appFailures = o.stats.labeledCounter('istio_agent_scrape_failures_total', { type: 'application' });
  }

  async start(): Promise<number> {
    const i = this.o.address.lastIndexOf(':');
    const host = this.o.address.slice(0, i) || '127.0.0.1';
    const port = Number(this.o.address.slice(i + 1));
    const server = http.createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.removeListener('error', reject);
        resolve();
      });
    });
    this.port = (server.address() as net.AddressInfo).port;
    return this.port;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== MERGED_METRICS_DEFAULTS.path && this.o.otherPaths?.(req, res)) return;
    if (path !== MERGED_METRICS_DEFAULTS.path) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    this.scrapes.inc();
    const app = this.o.app ? await this.scrapeApp(this.o.app) : '';
    // Rendered after the application answered, so the proxy's part is current.
    const body = renderPrometheus(this.o.stats, DEFAULT_STATS_PARAMS) + app;
    res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'content-length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  /** The application's text exposition ('' on any failure, counted). */
  private scrapeApp(t: AppScrapeTarget): Promise<string> {
    return new Promise((resolve) => {
      let settled = false;
      const fail = (): void => {
        if (settled) return;
        settled = true;
        this.appFailures.inc();
        resolve('');
      };
      const req = http.get({ host: '127.0.0.1', port: t.port, path: t.path, headers: { accept: 'text/plain' }, timeout: this.o.appTimeoutMs ?? MERGED_METRICS_DEFAULTS.appTimeoutMs }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          fail();
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MERGED_METRICS_DEFAULTS.maxAppBytes) {
            req.destroy();
            fail();
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          resolve(appText(Buffer.concat(chunks).toString('utf8')));
        });
        res.on('error', fail);
      });
      req.on('timeout', () => {
        req.destroy();
        fail();
      });
      req.on('error', fail);
    });
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
}

/** The application's text, appended as is: OpenMetrics' `# EOF` would end the merged text early, so it goes; a final newline is ensured. */
export function appText(text: string): string {
  const out = text.replace(/^# EOF\s*$/m, '');
  return out === '' || out.endsWith('\n') ? out : out + '\n';
}
