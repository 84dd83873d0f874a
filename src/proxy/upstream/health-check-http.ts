// HTTP health check (http_health_check): one request per check over HTTP/1.1
// (node:http, one keep-alive socket when reuse_connection) or h2c. Healthy when
// the status is expected, the body holds the `receive` blocks and the
// service name matches; unexpected statuses fail at once unless retriable.
import http from 'node:http';
import type net from 'node:net';
import type http2 from 'node:http2';
import { applyHcHeaders, HEALTH_CHECK_DEFAULTS, inRanges, payloadsMatch, type HealthCheckConfig, type HttpCheck } from './health-check-config.js';
import { HcH2Session } from './health-check-h2-session.js';
import { activeFailure, networkFailure, OK, OK_DEGRADED, probeConnect, type HealthProbe, type ProbeOutcome, type ProbeTarget } from './health-check-probe.js';
import type { HealthCheckStats } from './health-check-stats.js';

interface InFlight {
  done: (o: ProbeOutcome) => void;
  cancel: () => void;
}

export class HttpProbe implements HealthProbe {
  private readonly headerPairs: [string, string][];
  private readonly h1Headers: http.OutgoingHttpHeaders;
  private readonly agent: http.Agent | undefined;
  private readonly h2: HcH2Session | undefined;
  private current: InFlight | undefined;

  constructor(private readonly target: ProbeTarget, private readonly hc: HealthCheckConfig, private readonly check: HttpCheck, private readonly stats: HealthCheckStats) {
    // Remove first, then add (Envoy's header parser order); built once.
    const pairs: [string, string][] = check.headersToRemove.includes('user-agent') ? [] : [['user-agent', HEALTH_CHECK_DEFAULTS.userAgent]];
    applyHcHeaders(pairs, check.headersToAdd);
    this.headerPairs = pairs;
    const h1: http.OutgoingHttpHeaders = { host: check.host ?? target.clusterName };
    for (const [n, v] of pairs) {
      const prev = h1[n];
      h1[n] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [String(prev), v];
    }
    this.h1Headers = h1;
    if (check.codec === 'http2') this.h2 = new HcH2Session(target);
    else if (hc.reuseConnection) {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 });
      // Every connection through the seam: TLS with the host's transport socket when it has one.
      (agent as unknown as { createConnection: () => net.Socket }).createConnection = () => this.connect();
      this.agent = agent;
    }
  }

  start(done: (o: ProbeOutcome) => void): void {
    if (this.h2) this.startH2(done);
    else this.startH1(done);
  }

  abort(): void {
    const c = this.current;
    this.current = undefined;
    c?.cancel();
    this.h2?.close();
  }

  close(): void {
    this.abort();
    this.agent?.destroy();
  }

  private finish(flight: InFlight, o: ProbeOutcome): void {
    if (this.current !== flight) return;
    this.current = undefined;
    if (!this.hc.reuseConnection) this.h2?.close();
    flight.done(o);
  }

  /** Why the last connect (or TLS handshake) failed, for the check's failure reason. */
  private connectFailure: string | undefined;

  private connect(): net.Socket {
    this.connectFailure = undefined;
    return probeConnect(this.target, ['http/1.1'], { onFailed: (f) => (this.connectFailure = f.transportFailureReason ?? f.detail) });
  }

  private startH1(done: (o: ProbeOutcome) => void): void {
    let req: http.ClientRequest | undefined;
    const flight: InFlight = { done, cancel: () => req?.destroy() };
    this.current = flight;
    try {
      req = http.request({
        host: this.target.address, port: this.target.port, method: this.check.method, path: this.check.path, headers: this.h1Headers,
        ...(this.agent ? { agent: this.agent } : { agent: false, createConnection: () => this.connect() }),
      });
    } catch (e) {
      this.finish(flight, networkFailure(`request refused: ${(e as Error).message}`));
      return;
    }
    req.on('socket', (s) => s.unref());
    req.on('error', (e) => this.finish(flight, networkFailure(this.connectFailure ?? e.message)));
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      const body = this.bodyCollector();
      res.on('data', body.push);
      res.on('error', (e) => this.finish(flight, networkFailure(e.message)));
      res.on('close', () => {
        if (!res.complete) this.finish(flight, networkFailure('response aborted'));
      });
      res.on('end', () => this.finish(flight, this.evaluate(status, (n) => res.headers[n], body.get())));
    });
    req.end();
  }

  private startH2(done: (o: ProbeOutcome) => void): void {
    let stream: http2.ClientHttp2Stream | undefined;
    const flight: InFlight = { done, cancel: () => stream?.close() };
    this.current = flight;
    const headers: http2.OutgoingHttpHeaders = {
      ':method': this.check.method,
      ':path': this.check.path,
      ':scheme': 'http',
      ':authority': this.check.host ?? this.target.clusterName,
    };
    for (const [n, v] of this.headerPairs) {
      const prev = headers[n];
      headers[n] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [String(prev), v];
    }
    try {
      stream = this.h2!.get().request(headers, { endStream: true });
    } catch (e) {
      this.h2!.close();
      this.finish(flight, networkFailure(`stream refused: ${(e as Error).message}`));
      return;
    }
    let status = 0;
    let resHeaders: http2.IncomingHttpHeaders = {};
    const body = this.bodyCollector();
    stream.on('response', (h) => {
      status = Number(h[':status']);
      resHeaders = h;
    });
    stream.on('data', body.push);
    stream.on('end', () => this.finish(flight, status ? this.evaluate(status, (n) => resHeaders[n], body.get()) : networkFailure('no response headers')));
    stream.on('error', (e) => this.finish(flight, networkFailure(e.message)));
    stream.on('close', () => this.finish(flight, networkFailure('stream reset')));
  }

  private bodyCollector(): { push: (c: Buffer) => void; get: () => Buffer } {
    const chunks: Buffer[] = [];
    let len = 0;
    const want = this.check.receive.length > 0;
    const limit = this.check.responseBufferSize === 0 ? Infinity : this.check.responseBufferSize;
    return {
      push: (c: Buffer) => {
        if (!want || len >= limit) return;
        chunks.push(c);
        len += c.length;
      },
      get: () => {
        const b = Buffer.concat(chunks);
        return b.length > limit ? b.subarray(0, limit) : b;
      },
    };
  }

  private evaluate(status: number, header: (name: string) => string | string[] | undefined, body: Buffer): ProbeOutcome {
    const c = this.check;
    if (!inRanges(c.expectedStatuses, status)) return activeFailure(`status ${status}`, inRanges(c.retriableStatuses, status));
    if (c.receive.length > 0 && !payloadsMatch(c.receive, body)) return activeFailure('response body does not match receive');
    const degraded = header('x-envoy-degraded') !== undefined;
    if (c.serviceNameMatcher) {
      this.stats.verifyCluster.inc();
      const v = header('x-envoy-upstream-healthchecked-cluster');
      const name = v === undefined ? '' : Array.isArray(v) ? v.join(',') : v;
      if (!c.serviceNameMatcher(name)) return activeFailure(`x-envoy-upstream-healthchecked-cluster "${name}" does not match`);
    }
    return degraded ? OK_DEGRADED : OK;
  }
}
