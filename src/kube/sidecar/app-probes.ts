// The agent side of Istio's app-probe rewrite: the kubelet probes
// /app-health/<container>/<kind> on the status port, and the agent runs the
// app's original probe from inside the pod, where the proxy's UID is not
// captured, so the probe reaches the app directly even under STRICT mTLS.
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import type { AppProbe } from './pod-environment.js';

/** The kubelet's default probe timeout (timeoutSeconds: 1). */
const DEFAULT_TIMEOUT_MS = 1000;

export interface ProbeResult {
  /** Passed to the kubelet: 200 when the app's probe passed, 503 otherwise. */
  status: number;
  detail: string;
}

function httpProbe(p: NonNullable<AppProbe['httpGet']>, host: string, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const mod = (p.scheme ?? 'HTTP').toUpperCase() === 'HTTPS' ? https : http;
    const headers: Record<string, string> = { 'user-agent': 'weft-agent-prober' };
    for (const h of p.httpHeaders ?? []) headers[h.name] = h.value;
    const req = mod.request({ host: p.host ?? host, port: p.port, path: p.path ?? '/', method: 'GET', headers, timeout: timeoutMs, rejectUnauthorized: false }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      // The kubelet's rule: 200-399 passes.
      resolve(code >= 200 && code < 400 ? { status: 200, detail: `app answered ${code}` } : { status: 503, detail: `app answered ${code}` });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => resolve({ status: 503, detail: err.message }));
    req.end();
  });
}

function tcpProbe(p: NonNullable<AppProbe['tcpSocket']>, host: string, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const s = net.connect({ host: p.host ?? host, port: p.port });
    const t = setTimeout(() => s.destroy(new Error(`no connection within ${timeoutMs} ms`)), timeoutMs);
    s.once('connect', () => {
      clearTimeout(t);
      s.destroy();
      resolve({ status: 200, detail: 'connected' });
    });
    s.once('error', (err) => {
      clearTimeout(t);
      resolve({ status: 503, detail: err.message });
    });
  });
}

/** grpc.health.v1.Health/Check over h2c: SERVING (1) passes. */
function grpcProbe(p: NonNullable<AppProbe['grpc']>, host: string, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const service = Buffer.from(p.service ?? '');
    const len: number[] = [];
    for (let n = service.length; ; n >>>= 7) {
      if (n < 0x80) { len.push(n); break; }
      len.push((n & 0x7f) | 0x80);
    }
    const msg = service.length ? Buffer.concat([Buffer.from([0x0a, ...len]), service]) : Buffer.alloc(0);
    const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), msg]);
    frame.writeUInt32BE(msg.length, 1);
    const session = http2.connect(`http://${host.includes(':') ? `[${host}]` : host}:${p.port}`);
    const done = (r: ProbeResult): void => {
      clearTimeout(t);
      session.destroy();
      resolve(r);
    };
    const t = setTimeout(() => done({ status: 503, detail: `no answer within ${timeoutMs} ms` }), timeoutMs);
    session.on('error', (err) => done({ status: 503, detail: err.message }));
    const req = session.request({ ':method': 'POST', ':path': '/grpc.health.v1.Health/Check', 'content-type': 'application/grpc', te: 'trailers' });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', (err) => done({ status: 503, detail: err.message }));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      // HealthCheckResponse { status = 1 (enum, varint) }: bytes 08 01 after the 5-byte frame header.
      const serving = body.length >= 7 && body[5] === 0x08 && body[6] === 0x01;
      done(serving ? { status: 200, detail: 'SERVING' } : { status: 503, detail: 'not SERVING' });
    });
    req.end(frame);
  });
}

export function runAppProbe(probe: AppProbe, host: string): Promise<ProbeResult> {
  const timeoutMs = probe.timeoutSeconds ? probe.timeoutSeconds * 1000 : DEFAULT_TIMEOUT_MS;
  if (probe.httpGet) return httpProbe(probe.httpGet, host, timeoutMs);
  if (probe.tcpSocket) return tcpProbe(probe.tcpSocket, host, timeoutMs);
  if (probe.grpc) return grpcProbe(probe.grpc, host, timeoutMs);
  return Promise.resolve({ status: 500, detail: 'the probe has no httpGet, tcpSocket or grpc' });
}

/** The /app-health/... handler for the status port; false for other paths. */
export function appHealthHandler(probers: Readonly<Record<string, AppProbe>>, host: string): (req: http.IncomingMessage, res: http.ServerResponse) => boolean {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (!path.startsWith('/app-health/')) return false;
    const probe = probers[path];
    if (!probe) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`no app probe at ${path}\n`);
      return true;
    }
    void runAppProbe(probe, host).then((r) => res.writeHead(r.status, { 'content-type': 'text/plain' }).end(`${r.detail}\n`));
    return true;
  };
}

/** Istio's health port: GET /healthz/ready is 200 once the proxy is LIVE (its first config applied), 503 before and while draining. */
export function healthServer(isReady: () => boolean): http.Server {
  return http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/healthz/ready') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const ok = isReady();
    res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ready\n' : 'not ready\n');
  });
}
