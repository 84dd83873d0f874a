// The admin listener: Envoy's admin endpoints under Envoy's paths and output
// shapes, so existing tooling (curl scripts, Prometheus, istioctl-style
// debugging) works against weft. Served with node:http: not a hot path.
import http from 'node:http';
import type net from 'node:net';
import { LOG_LEVELS, type LogLevel } from '../../common/log.js';
import { parseStatsParams, renderPrometheus, renderStatsJson, renderStatsText, PROMETHEUS_CONTENT_TYPE } from '../../stats/index.js';
import type { AdminRuntime } from '../runtime.js';
import { configDump } from './config-dump.js';
import { clustersJson, clustersText } from './clusters.js';
import { certificatesJson } from './certs.js';
import { runtimeJson, runtimeModify } from './runtime.js';

const MUTATING = new Set(['/healthcheck/fail', '/healthcheck/ok', '/drain_listeners', '/quitquitquit', '/reset_counters', '/logging', '/runtime_modify']);

export class AdminServer {
  private server: http.Server | undefined;

  constructor(private readonly proxy: AdminRuntime) {}

  listen(host: string, port: number, exclusive = false): Promise<number> {
    const server = http.createServer((req, res) => {
      try {
        this.handle(req, res);
      } catch (err) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`admin error: ${(err as Error).message}\n`);
      }
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port, exclusive }, () => {
        server.removeListener('error', reject);
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  }

  close(): void {
    this.server?.close();
    this.server?.closeAllConnections();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://admin');
    const path = url.pathname;
    const q = url.searchParams;
    const send = (status: number, body: string, type = 'text/plain; charset=UTF-8') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-cache, max-age=0', 'x-content-type-options': 'nosniff' });
      res.end(body);
    };
    const json = (v: unknown) => send(200, JSON.stringify(v, null, 2) + '\n', 'application/json');
    // Envoy refuses state changes over GET (a browser prefetch must not drain a proxy).
    const changesState = MUTATING.has(path) && !(path === '/logging' && [...q.keys()].length === 0);
    if (changesState && req.method !== 'POST') {
      send(405, `This endpoint requires POST: ${path}\n`);
      return;
    }
    const p = this.proxy;
    if (path === '/runtime_modify' && [...q.keys()].length === 0) {
      // Envoy takes the pairs from the query string or, when it has none, from a form body.
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => send(...runtimeModify(p.ctx.runtime, new URLSearchParams(Buffer.concat(chunks).toString()))));
      return;
    }
    switch (path) {
      case '/':
      case '/help':
        send(200, ['admin commands are:', ...ENDPOINTS.map(([e, d]) => `  ${e}: ${d}`)].join('\n') + '\n');
        return;
      case '/ready': {
        const state = p.state;
        send(state === 'LIVE' ? 200 : 503, `${state}\n`);
        return;
      }
      case '/server_info':
        json(p.serverInfo());
        return;
      case '/stats': {
        const r = parseStatsParams(q);
        if (!r.ok) return send(400, r.error + '\n');
        if (r.params.format === 'json') return send(200, renderStatsJson(p.ctx.stats, r.params), 'application/json');
        if (r.params.format === 'prometheus') return send(200, renderPrometheus(p.ctx.stats, r.params), PROMETHEUS_CONTENT_TYPE);
        return send(200, renderStatsText(p.ctx.stats, r.params));
      }
      case '/stats/prometheus': {
        const r = parseStatsParams(q, 'prometheus');
        if (!r.ok) return send(400, r.error + '\n');
        return send(200, renderPrometheus(p.ctx.stats, r.params), PROMETHEUS_CONTENT_TYPE);
      }
      case '/config_dump': {
        const dump = configDump(p, q.get('resource') ?? undefined);
        if (dump === undefined) return send(404, `unknown resource "${q.get('resource')}"\n`);
        json(dump);
        return;
      }
      case '/certs': {
        const values = p.secretStatuses().flatMap((st) => {
          const v = p.ctx.secrets.current(st.ref);
          return v ? [v] : [];
        });
        json(certificatesJson(values, p.ctx.clock.wallNow()));
        return;
      }
      case '/clusters':
        if (q.get('format') === 'json') json(clustersJson(p));
        else send(200, clustersText(p));
        return;
      case '/listeners':
        if (q.get('format') === 'json') json({ listener_statuses: p.listenerStatuses().map((l) => ({ name: l.name, local_address: { socket_address: { address: l.host, port_value: l.port } } })) });
        else send(200, p.listenerStatuses().map((l) => `${l.name}::${l.host}:${l.port}`).join('\n') + '\n');
        return;
      case '/runtime':
        json(runtimeJson(p.ctx.runtime));
        return;
      case '/runtime_modify':
        send(...runtimeModify(p.ctx.runtime, q));
        return;
      case '/healthcheck/fail':
        p.healthCheckFailed = true;
        send(200, 'OK\n');
        return;
      case '/healthcheck/ok':
        p.healthCheckFailed = false;
        send(200, 'OK\n');
        return;
      case '/drain_listeners':
        p.drainListeners({ inboundOnly: q.has('inboundonly'), graceful: q.has('graceful') });
        send(200, 'OK\n');
        return;
      case '/quitquitquit':
        send(200, 'OK\n');
        setImmediate(() => void p.shutdown(0));
        return;
      case '/reset_counters':
        for (const c of p.ctx.stats.counters()) {
          c.value = 0;
          c.flushedValue = 0;
        }
        send(200, 'OK\n');
        return;
      case '/logging': {
        const reg = p.logs;
        for (const [k, v] of q) {
          const lvl = (k === 'level' ? v : v) as LogLevel;
          if (!LOG_LEVELS.includes(lvl)) return send(400, `invalid level "${v}" (levels: ${LOG_LEVELS.join(', ')})\n`);
          if (k === 'level') reg.setAll(lvl);
          else if (k === 'paths') {
            for (const pair of v.split(',')) {
              const [c, l] = pair.split(':') as [string, LogLevel];
              if (c && LOG_LEVELS.includes(l)) reg.set(c, l);
            }
          } else reg.set(k, lvl);
        }
        send(200, ['active loggers:', ...reg.list().map(([c, l]) => `  ${c}: ${l}`)].join('\n') + '\n');
        return;
      }
      case '/weft/agent': {
        const st = p.nodeAgentStatus?.();
        if (st === undefined) return send(404, 'no node agent in this proxy (weft proxy --ca-address starts one)\n');
        json(st);
        return;
      }
      default:
        send(404, `invalid path. admin commands are:\n${ENDPOINTS.map(([e, d]) => `  ${e}: ${d}`).join('\n')}\n`);
    }
  }
}

const ENDPOINTS: [string, string][] = [
  ['/certs', 'print certificates (static secrets, SDS, node agent): serial, SANs, validity, days until expiration'],
  ['/clusters', 'upstream cluster status (?format=json)'],
  ['/config_dump', 'dump current config (?resource=)'],
  ['/drain_listeners', 'drain listeners (POST; ?inboundonly, ?graceful)'],
  ['/healthcheck/fail', 'cause the server to fail health checks (POST)'],
  ['/healthcheck/ok', 'cause the server to pass health checks (POST)'],
  ['/help', 'print out list of admin commands'],
  ['/listeners', 'print listener info (?format=json)'],
  ['/logging', 'query/change logging levels (POST to change: ?level=, ?<component>=)'],
  ['/quitquitquit', 'exit the server (POST)'],
  ['/ready', 'print server state, 200 only when LIVE'],
  ['/reset_counters', 'reset all counters to zero (POST)'],
  ['/runtime', 'print runtime values (JSON: layers, and per key its value in each layer and the final value)'],
  ['/runtime_modify', 'add or change runtime values in the admin layer (POST; ?key=value, an empty value removes the key)'],
  ['/server_info', 'print server version/status information'],
  ['/stats', 'print server stats (?format=json|prometheus, ?filter=, ?usedonly)'],
  ['/stats/prometheus', 'print server stats in prometheus format'],
  ['/weft/agent', 'the node agent\'s identity and certificate (serial, expiry, next rotation, last error) as JSON'],
];
