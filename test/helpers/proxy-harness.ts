// Starts weft's proxy in-process from bootstrap YAML (listeners and admin on
// port 0) and real upstream servers, for integration tests.
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { ConfigErrors } from '../../src/common/errors.js';
import { LogRegistry } from '../../src/common/log.js';
import { loadBootstrapText } from '../../src/proxy/config/bootstrap.js';
import { ProxyServer, type ProxyOptions } from '../../src/proxy/server.js';

export interface RunningProxy {
  proxy: ProxyServer;
  /** Bound port of a listener by name. */
  port(listener?: string): number;
  adminPort: number;
  /** GET (or other method) on the admin API; returns status and body. */
  admin(path: string, method?: string): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
}

/**
 * Loads YAML and starts a proxy; throws with every config error when it is
 * refused. `beforeStart` sees the proxy before it starts (e.g. to claim an SDS
 * cluster and set its secrets, as the node agent does).
 */
export async function startProxy(yaml: string, opts: ProxyOptions = {}, beforeStart?: (proxy: ProxyServer) => void): Promise<RunningProxy> {
  const errs = new ConfigErrors();
  const cfg = loadBootstrapText(yaml, errs);
  if (!cfg) throw new Error(`bootstrap rejected:\n${errs.format()}`);
  const proxy = new ProxyServer(cfg, { logs: new LogRegistry('error'), drainTimeMs: 200, ...opts });
  beforeStart?.(proxy);
  await proxy.start();
  const adminPort = proxy.adminPort ?? 0;
  return {
    proxy,
    port: (name = 'listener_0') => {
      const p = proxy.listenerPort(name);
      if (p === undefined) throw new Error(`no listener ${name}`);
      return p;
    },
    adminPort,
    admin: (path, method = 'GET') => request({ port: adminPort, path, method }).then((r) => ({ status: r.status, body: r.body.toString() })),
    close: () => proxy.shutdown(),
  };
}

/** Bootstrap config errors as a list (for config-error tests). */
export function bootstrapErrors(yaml: string): { path: string; message: string }[] {
  const errs = new ConfigErrors();
  loadBootstrapText(yaml, errs);
  return errs.errors.map((e) => ({ path: e.path, message: e.message }));
}

export interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One HTTP/1.1 request with node:http (a fresh connection unless an agent is given). */
export function request(o: { port: number; path?: string; method?: string; headers?: http.OutgoingHttpHeaders; body?: string | Buffer; agent?: http.Agent | false; host?: string }): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: o.host ?? '127.0.0.1', port: o.port, path: o.path ?? '/', method: o.method ?? 'GET', headers: o.headers, agent: o.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

/** One HTTP/2 (h2c) request. */
export function request2(o: { port: number; path?: string; method?: string; headers?: http2.OutgoingHttpHeaders; body?: string | Buffer; authority?: string }): Promise<Response & { trailers: http2.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${o.port}`);
    session.on('error', reject);
    const req = session.request({ ':method': o.method ?? 'GET', ':path': o.path ?? '/', ':authority': o.authority ?? `127.0.0.1:${o.port}`, ...o.headers });
    let status = 0;
    let headers: http.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    req.on('response', (h) => {
      status = Number(h[':status']);
      headers = h as http.IncomingHttpHeaders;
    });
    req.on('trailers', (t) => (trailers = t));
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      session.close();
      resolve({ status, headers, body: Buffer.concat(chunks), trailers });
    });
    req.on('error', (e) => {
      session.destroy();
      reject(e);
    });
    req.end(o.body);
  });
}

export interface Upstream {
  port: number;
  /** Requests received, in order. */
  requests: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string; trailers: NodeJS.Dict<string> }[];
  close(): Promise<void>;
}

/** A real HTTP/1.1 upstream; `handler` answers (default: 200 with a body naming `name`). */
export async function startUpstream(name: string, handler?: (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void): Promise<Upstream> {
  const requests: Upstream['requests'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, trailers: { ...req.trailers } });
      if (handler) handler(req, body, res);
      else {
        res.setHeader('content-type', 'text/plain');
        res.end(`${name} ${req.method} ${req.url}`);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    requests,
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

/** A port with nothing listening (bound then closed). */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A minimal bootstrap: one HTTP listener on port 0 routing by `routes` to clusters, admin on port 0. */
export function bootstrap(o: { routes?: string; clusters: string; hcmExtra?: string; listenerExtra?: string; httpFilters?: string }): string {
  return `
admin:
  address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
static_resources:
  listeners:
  - name: listener_0
    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
${o.listenerExtra ?? ''}
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: ingress_http
${o.hcmExtra ?? ''}
          route_config:
            name: local_route
            virtual_hosts:
            - name: backend
              domains: ["*"]
              routes:
${o.routes ?? `              - match: { prefix: "/" }
                route: { cluster: service1 }`}
          http_filters:
${o.httpFilters ?? ''}
          - name: envoy.filters.http.router
            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
  clusters:
${o.clusters}
`;
}

/** A STATIC cluster entry for `bootstrap({clusters})`. */
export function staticCluster(name: string, ports: number[], extra = ''): string {
  return `  - name: ${name}
    connect_timeout: 1s
    type: STATIC
${extra}
    load_assignment:
      cluster_name: ${name}
      endpoints:
      - lb_endpoints:
${ports.map((p) => `        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: ${p} } } }`).join('\n')}
`;
}
