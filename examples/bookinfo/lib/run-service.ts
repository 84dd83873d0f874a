// The part every Bookinfo app shares: listen on 127.0.0.1:$PORT, answer
// /health, /debug/requests and /metrics (Prometheus text), count and optionally log requests, turn a
// handler's exception into a 500, and stop cleanly on SIGTERM.
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readAppEnv, type AppEnv } from './app-env.js';
import { sendJson, splitUrl } from './http-util.js';
import { prometheusText, RequestStats } from './request-stats.js';

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, path: string, query: URLSearchParams) => void | Promise<void>;

export interface ServiceOptions {
  env: AppEnv;
  handler: Handler;
  /** Where log lines go; tests capture them. */
  log?: ((line: string) => void) | undefined;
  /** Called on close, e.g. to drop the outbound client's idle sockets. */
  onClose?: () => void;
}

export interface RunningService {
  server: http.Server;
  stats: RequestStats;
  /** The port actually bound (PORT=0 picks a free one). */
  port: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  close(): Promise<void>;
}

export function startService(opts: ServiceOptions): Promise<RunningService> {
  const { env } = opts;
  const log = opts.log ?? ((line: string) => console.log(line));
  const stats = new RequestStats({ service: env.serviceName, version: env.serviceVersion, workload: env.workload });
  const server = http.createServer((req, res) => {
    const { path: p, query } = splitUrl(req.url);
    if (p === '/health') {
      sendJson(res, 200, { status: 'ok', workload: env.workload });
      return;
    }
    if (p === '/debug/requests') {
      if (req.method === 'DELETE') stats.reset();
      sendJson(res, 200, stats.snapshot());
      return;
    }
    if (p === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(prometheusText(stats.snapshot()));
      return;
    }
    const shadow = stats.record(req, p);
    if (env.logRequests) {
      const user = req.headers['end-user'] ?? '-';
      const rid = req.headers['x-request-id'] ?? '-';
      log(`${env.workload} received ${req.method} ${p}${shadow ? ' (mirrored)' : ''} host=${req.headers.host ?? '-'} end-user=${user} x-request-id=${rid}`);
    }
    res.setHeader('x-bookinfo-workload', env.workload);
    Promise.resolve()
      .then(() => opts.handler(req, res, p, query))
      .catch((err: unknown) => {
        log(`${env.workload} error on ${req.method} ${p}: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
        else res.destroy();
      });
  });
  // The sidecar keeps connections open; a short idle timeout would race its reuse.
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(env.port, '127.0.0.1', () => {
      server.off('error', reject);
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : env.port;
      resolve({
        server,
        stats,
        port,
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            opts.onClose?.();
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

/** True when the module at `metaUrl` is the process's entry point (not imported by a test). */
export function isMainModule(metaUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  return path.resolve(entry) === fileURLToPath(metaUrl);
}

/**
 * Starts an app as a process: reads its environment, logs where it listens and
 * how it reaches others, stops on SIGTERM/SIGINT. A bad setting ends the
 * process with exit code 1 and a one-line message naming the variable.
 */
export function runMain(defaultService: string, start: (env: AppEnv) => Promise<RunningService>): void {
  let env: AppEnv;
  const fail = (who: string, err: unknown): never => {
    console.error(`${who} failed to start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  };
  try {
    env = readAppEnv(defaultService);
  } catch (err) {
    return fail(defaultService, err);
  }
  Promise.resolve()
    .then(() => start(env))
    .then(
      (svc) => {
        const out = env.httpProxy ? `outbound via HTTP_PROXY http://${env.httpProxy.host}:${env.httpProxy.port}` : env.directHosts.size > 0 ? `outbound via DIRECT_HOSTS (${[...env.directHosts.keys()].join(', ')})` : 'no outbound proxy';
        console.log(`${env.workload} listening on ${svc.url} (${out})`);
        const stop = (): void => {
          svc.close().then(() => process.exit(0));
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      },
      (err: unknown) => fail(env.workload, err),
    );
}
