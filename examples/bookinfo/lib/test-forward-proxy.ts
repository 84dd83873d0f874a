// Test stand-in for a sidecar's outbound HTTP listener: accepts absolute-form
// requests (`GET http://reviews:9080/reviews/0`), records them, and forwards
// each to the address registered for its service name. A service can instead
// be given a canned local reply, to imitate the sidecar answering itself
// (e.g. 503 with x-weft-error). Used only by tests.
import http from 'node:http';

export interface SeenRequest {
  method: string;
  /** The request target as sent: absolute-form when the app used the proxy correctly. */
  target: string;
  service: string;
  headers: http.IncomingHttpHeaders;
}

export interface CannedReply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export class TestForwardProxy {
  readonly seen: SeenRequest[] = [];
  private readonly routes = new Map<string, number | CannedReply>();
  private readonly server = http.createServer((req, res) => this.handle(req, res));
  private readonly agent = new http.Agent({ keepAlive: true });
  port = 0;

  /** Sends requests for `service` to 127.0.0.1:`port`, or answers them with `reply`. */
  route(service: string, to: number | CannedReply): this {
    this.routes.set(service, to);
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  start(): Promise<this> {
    return new Promise((resolve) => {
      this.server.listen(0, '127.0.0.1', () => {
        this.port = (this.server.address() as { port: number }).port;
        resolve(this);
      });
    });
  }

  close(): Promise<void> {
    this.agent.destroy();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /** Requests seen for one service. */
  for(service: string): SeenRequest[] {
    return this.seen.filter((s) => s.service === service);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const target = req.url ?? '';
    let u: URL | undefined;
    try {
      u = target.startsWith('http://') ? new URL(target) : undefined;
    } catch {
      u = undefined;
    }
    const service = u?.hostname ?? '';
    this.seen.push({ method: req.method ?? '', target, service, headers: req.headers });
    const to = this.routes.get(service);
    if (!u || to === undefined) {
      res.writeHead(404, { 'x-weft-error': `WEFT_NO_ROUTE no route for ${JSON.stringify(target)}` });
      res.end();
      return;
    }
    if (typeof to !== 'number') {
      res.writeHead(to.status, to.headers ?? {});
      res.end(to.body ?? '');
      return;
    }
    const up = http.request({ host: '127.0.0.1', port: to, method: req.method, path: `${u.pathname}${u.search}`, headers: req.headers, agent: this.agent }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
    });
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(503, { 'x-weft-error': 'WEFT_UPSTREAM_CONNECT_FAILURE test proxy' });
      res.end();
    });
    req.pipe(up);
  }
}
