// `weft control`'s webhook flags, decoded at one boundary: where the
// webhooks listen, which are served, and the serving certificate (files,
// e.g. the Secret `weft install` mounts, or issued by the control plane's
// own CA when it runs one).
import fs from 'node:fs';
import type { CertificateAuthority } from '../../control/ca/index.js';


export interface WebhookFlags {
  address: string;
  inject: boolean;
  validate: boolean;
  certFile?: string;
  keyFile?: string;
}

/** The webhook flags (undefined without --webhook-address), or every problem with them. */
export function decodeWebhookFlags(o: Map<string, string | true>, hasCa: boolean): WebhookFlags | undefined | { errors: string[] } {
  const str = (k: string): string | undefined => (typeof o.get(k) === 'string' ? (o.get(k) as string) : undefined);
  const address = str('webhook-address');
  const errors: string[] = [];
  if (address === undefined) {
    for (const k of ['webhooks', 'webhook-cert', 'webhook-key']) if (o.has(k)) errors.push(`--${k}: needs --webhook-address`);
    return errors.length ? { errors } : undefined;
  }
  if (!/^(\[[0-9a-fA-F:.]+\]|[^:\s]*):\d{1,5}$/.test(address)) errors.push(`--webhook-address: "${address}" is not host:port`);
  const which = (str('webhooks') ?? 'inject,validate').split(',').map((s) => s.trim()).filter(Boolean);
  for (const w of which) if (w !== 'inject' && w !== 'validate') errors.push(`--webhooks: "${w}" is not inject or validate`);
  if (which.length === 0) errors.push('--webhooks: name at least one of inject, validate');
  const certFile = str('webhook-cert');
  const keyFile = str('webhook-key');
  if ((certFile === undefined) !== (keyFile === undefined)) errors.push('--webhook-cert and --webhook-key go together');
  for (const [flag, f] of [['webhook-cert', certFile], ['webhook-key', keyFile]] as const) if (f !== undefined && !fs.existsSync(f)) errors.push(`--${flag}: file ${f} does not exist`);
  if (certFile === undefined && !hasCa) errors.push('--webhook-address: needs --webhook-cert/--webhook-key, or --ca-dir so the CA issues the webhook certificate');
  if (errors.length) return { errors };
  return { address, inject: which.includes('inject'), validate: which.includes('validate'), ...(certFile ? { certFile, keyFile: keyFile! } : {}) };
}

/** The serving certificate: from the files, or issued now by the CA for istiod's names (and loopback). */
export function webhookCertificate(f: WebhookFlags, ca: CertificateAuthority | undefined): { certPem: string; keyPem: string } {
  if (f.certFile && f.keyFile) return { certPem: fs.readFileSync(f.certFile, 'utf8'), keyPem: fs.readFileSync(f.keyFile, 'utf8') };
  if (!ca) throw new Error('no webhook certificate: give --webhook-cert/--webhook-key or --ca-dir');
  const issued = ca.issueServingCertificate({ dnsNames: ['istiod.istio-system.svc', 'istiod.istio-system', 'localhost'], ipAddresses: ['127.0.0.1'] });
  return { certPem: issued.certChainPem, keyPem: issued.keyPem };
}

/** How often the certificate files are checked for a new version (a Secret volume updates within about a minute). */
export const WEBHOOK_CERT_POLL_MS = 5000;

/**
 * Re-reads --webhook-cert/--webhook-key when they change (Kubernetes updates
 * a mounted Secret in place: `weft install` issues a new certificate on every
 * run) and hands the pair to `apply`. A pair that does not load is reported
 * and the current certificate keeps serving. Returns a stop function.
 */
export function watchCertificateFiles(f: WebhookFlags, apply: (certPem: string, keyPem: string) => void, onError: (message: string) => void, intervalMs = WEBHOOK_CERT_POLL_MS): () => void {
  if (!f.certFile || !f.keyFile) return () => undefined;
  const files = [f.certFile, f.keyFile];
  let last = files.map((x) => safeRead(x)).join('\0');
  const check = (): void => {
    const now = files.map((x) => safeRead(x)).join('\0');
    if (now === last) return;
    last = now;
    const [cert, key] = files.map((x) => safeRead(x));
    try {
      apply(cert!, key!);
    } catch (err) {
      onError(`webhook certificate ${f.certFile} not reloaded: ${(err as Error).message}; the previous one keeps serving`);
    }
  };
  const t = setInterval(check, intervalMs);
  t.unref();
  return () => clearInterval(t);
}

function safeRead(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
