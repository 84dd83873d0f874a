// How a Bookinfo app calls another service. Inside the mesh every call goes
// to the sidecar's outbound listener (HTTP_PROXY) in absolute form,
// `GET http://reviews:9080/reviews/0`, with `Host: reviews:9080`; the sidecar
// picks the route, subset, retries and timeouts. Outside the mesh
// (DIRECT_HOSTS) the same call goes straight to the mapped address.
import http from 'node:http';
import type { AppEnv } from './app-env.js';

/** Why a call produced no usable answer; stable, shown on the page and in headers. */
export type CallFailure = 'timeout' | 'connect' | 'reset' | 'status' | 'bad-body';

export interface CallResult {
  /** A 2xx response whose body parsed as JSON. */
  ok: boolean;
  /** Status of the response, when one arrived. */
  status?: number;
  /** Parsed JSON body (ok responses only). */
  body?: unknown;
  failure?: CallFailure;
  /** The sidecar's `x-weft-error` on a reply it made itself (e.g. `WEFT_UPSTREAM_OVERFLOW ...`). */
  weftError?: string;
  /** One line for people: what failed and why. */
  detail: string;
  /** Time from sending to the end of the body or failure. */
  ms: number;
}

export interface CallOptions {
  /** Headers to send (propagated ones, end-user, …); Host is set here. */
  headers: Record<string, string>;
  /** Total time for the whole exchange; the call is abandoned after it. */
  timeoutMs: number;
}

/** Bodies larger than this are refused: every Bookinfo answer is a few hundred bytes. */
const MAX_BODY_BYTES = 1 << 20;

export class MeshClient {
  private readonly agent = new http.Agent({ keepAlive: true });

  constructor(private readonly env: Pick<AppEnv, 'httpProxy' | 'directHosts'>) {}

  /** GETs `http://<service>:<port><path>` and parses the JSON answer. Never rejects. */
  getJson(service: string, port: number, path: string, opts: CallOptions): Promise<CallResult> {
    const authority = `${service}:${port}`;
    const headers: Record<string, string> = { ...opts.headers, host: authority, accept: 'application/json' };
    let target: { host: string; port: number; path: string };
    if (this.env.httpProxy) {
      target = { host: this.env.httpProxy.host, port: this.env.httpProxy.port, path: `http://${authority}${path}` };
    } else {
      const direct = this.env.directHosts.get(service);
      target = direct ? { host: direct.host, port: direct.port, path } : { host: service, port, path };
    }
    const started = performance.now();
    return new Promise<CallResult>((resolve) => {
      let settled = false;
      const finish = (r: Omit<CallResult, 'ms'>): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ ...r, ms: performance.now() - started });
      };
      const req = http.request({ host: target.host, port: target.port, path: target.path, method: 'GET', headers, agent: this.agent });
      const timer = setTimeout(() => {
        finish({ ok: false, failure: 'timeout', detail: `no answer from ${authority} within ${opts.timeoutMs} ms` });
        req.destroy();
      }, opts.timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) => {
        const connect = err.code === 'ECONNREFUSED' || err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN' || err.code === 'EHOSTUNREACH';
        finish({ ok: false, failure: connect ? 'connect' : 'reset', detail: `${authority}: ${err.code ?? err.message}` });
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY_BYTES) {
            finish({ ok: false, status: res.statusCode, failure: 'bad-body', detail: `${authority}: body over ${MAX_BODY_BYTES} bytes` });
            req.destroy();
            return;
          }
          chunks.push(c);
        });
        res.on('error', () => finish({ ok: false, status: res.statusCode, failure: 'reset', detail: `${authority}: response reset` }));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const weft = res.headers['x-weft-error'];
          const weftError = typeof weft === 'string' ? weft : undefined;
          const text = Buffer.concat(chunks).toString('utf8');
          if (status < 200 || status > 299) {
            const r: Omit<CallResult, 'ms'> = { ok: false, status, failure: 'status', detail: `${authority} answered ${status}${weftError ? ` (${weftError})` : text ? `: ${oneLine(text)}` : ''}` };
            if (weftError) r.weftError = weftError;
            finish(r);
            return;
          }
          try {
            finish({ ok: true, status, body: JSON.parse(text), detail: `${authority} answered ${status}` });
          } catch {
            finish({ ok: false, status, failure: 'bad-body', detail: `${authority} answered ${status} with a body that is not JSON` });
          }
        });
      });
      req.end();
    });
  }

  /** Closes idle keep-alive sockets so the process can exit. */
  close(): void {
    this.agent.destroy();
  }
}

function oneLine(s: string): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > 120 ? `${t.slice(0, 117)}...` : t;
}
