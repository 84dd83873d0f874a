// The admission webhooks over HTTPS (Istio's port 15017): POST /inject is
// the sidecar injector (mutating), POST /validate is config validation
// (Galley's validating webhook). Every request gets a well-formed
// AdmissionReview back, also when the review itself is malformed.
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StatsStore } from '../../stats/index.js';
import { decodeAdmissionReview, reviewOf, ADMISSION_VERSIONS, type AdmissionResponse } from './admission-review.js';
import { mutate, type MutateOptions } from './mutate.js';
import { validateAdmission } from './validate.js';
import { webhookStats, type WebhookStats } from './webhook-stats.js';

export const WEBHOOK_PATHS = { inject: '/inject', validate: '/validate', ready: '/ready' } as const;

export const WEBHOOK_DEFAULTS = {
  /** Istio's webhook port. */
  port: 15017,
  /** The API server sends at most ~3 MiB objects; anything larger is not a review. */
  maxBodyBytes: 8 * 1024 * 1024,
} as const;

export interface WebhookServerOptions {
  /** PEM: the serving certificate chain and its key (the webhook configuration's caBundle must trust it). */
  certPem: string;
  keyPem: string;
  /** Serve /inject (the sidecar injector) with these settings; absent: /inject is not served. */
  injection?: MutateOptions;
  /** Serve /validate (Galley's role); default true. */
  validation?: boolean;
  stats?: StatsStore;
  maxBodyBytes?: number;
}

export class WebhookServer {
  readonly stats: WebhookStats;
  private readonly server: https.Server;

  constructor(private readonly o: WebhookServerOptions) {
    this.stats = webhookStats(o.stats ?? new StatsStore());
    this.server = https.createServer({ cert: o.certPem, key: o.keyPem, minVersion: 'TLSv1.2' }, (req, res) => this.handle(req, res));
  }

  /** Binds host:port (port 0 picks one); resolves to the port. */
  listen(address: string): Promise<number> {
    const i = address.lastIndexOf(':');
    const host = address.slice(0, i).replace(/^\[|\]$/g, '');
    const port = Number(address.slice(i + 1));
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  /** Serves a new certificate for new connections (the webhook cert was rotated). */
  setCertificate(certPem: string, keyPem: string): void {
    this.server.setSecureContext({ cert: certPem, key: keyPem });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === WEBHOOK_PATHS.ready && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ready\n');
      return;
    }
    const injection = this.o.injection;
    const kind = injection && (path === WEBHOOK_PATHS.inject || path.startsWith(`${WEBHOOK_PATHS.inject}/`)) ? 'inject' : path === WEBHOOK_PATHS.validate && this.o.validation !== false ? 'validate' : undefined;
    if (!kind) {
      this.fail(res, 404, `no webhook at ${path} (POST ${WEBHOOK_PATHS.inject} or ${WEBHOOK_PATHS.validate})`);
      return;
    }
    if (req.method !== 'POST') {
      this.fail(res, 405, `${req.method} is not allowed; the API server POSTs an AdmissionReview`);
      return;
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') {
      this.fail(res, 415, `content-type "${type}" is not application/json`);
      req.resume();
      return;
    }
    const max = this.o.maxBodyBytes ?? WEBHOOK_DEFAULTS.maxBodyBytes;
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) tooLarge = true;
      else chunks.push(c);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (tooLarge) {
        this.fail(res, 413, `the review is larger than ${max} bytes`);
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      if (body.trim() === '') {
        this.fail(res, 400, 'the body is empty; expected an AdmissionReview');
        return;
      }
      const decoded = decodeAdmissionReview(body);
      if (!decoded.ok) {
        // Answered (HTTP 200) with allowed: false and the reason, as Istio's webhook does,
        // so the API server shows the reason instead of a transport error.
        this.stats.malformed.inc();
        this.send(res, 200, decoded.apiVersion, { uid: decoded.uid, allowed: false, status: { code: 400, reason: 'BadRequest', message: decoded.reason } });
        return;
      }
      const response = kind === 'inject' ? mutate(decoded.request, injection!, this.stats) : validateAdmission(decoded.request, this.stats);
      this.send(res, 200, decoded.apiVersion, response);
    });
  }

  /** An HTTP-level failure, still with an AdmissionReview body that names the reason. */
  private fail(res: ServerResponse, code: number, message: string): void {
    this.stats.malformed.inc();
    this.send(res, code, ADMISSION_VERSIONS[0], { uid: '', allowed: false, status: { code, message } });
  }

  private send(res: ServerResponse, code: number, apiVersion: string, response: AdmissionResponse): void {
    const body = JSON.stringify(reviewOf(apiVersion, response));
    res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  }
}
