// `weft control --scrape-targets FILE`: the endpoints the dashboard's
// embedded store scrapes when the control plane runs on its own (weft up
// hands its targets over in code). A JSON array; every problem is reported
// with its index and field, at once.
import fs from 'node:fs';
import type { DashboardTarget } from './dashboard.js';

/** The job label targets from a file get unless they name one (the job Istio's Prometheus add-on scrapes annotated pods with). */
export const DEFAULT_SCRAPE_JOB = 'kubernetes-pods';

const KINDS = ['sidecar', 'ingress', 'control-plane'];
const FIELDS = ['url', 'namespace', 'workload', 'app', 'version', 'service', 'kind', 'job', 'id'];

export function decodeScrapeTargets(doc: unknown): { targets: DashboardTarget[] } | { errors: string[] } {
  const errors: string[] = [];
  if (!Array.isArray(doc)) return { errors: ['must be a JSON array of targets'] };
  const targets: DashboardTarget[] = [];
  const ids = new Set<string>();
  doc.forEach((t: unknown, i) => {
    const at = `[${i}]`;
    if (t === null || typeof t !== 'object' || Array.isArray(t)) {
      errors.push(`${at}: must be an object`);
      return;
    }
    const r = t as Record<string, unknown>;
    for (const k of Object.keys(r)) if (!FIELDS.includes(k)) errors.push(`${at}.${k}: unknown field (known: ${FIELDS.join(', ')})`);
    const str = (k: string, required: boolean): string | undefined => {
      const v = r[k];
      if (v === undefined) {
        if (required) errors.push(`${at}.${k}: required`);
        return undefined;
      }
      if (typeof v !== 'string' || v === '') {
        errors.push(`${at}.${k}: must be a non-empty string`);
        return undefined;
      }
      return v;
    };
    const url = str('url', true);
    const namespace = str('namespace', true);
    const workload = str('workload', true);
    const app = str('app', false);
    const version = str('version', false);
    const service = str('service', false);
    const kind = str('kind', false);
    const job = str('job', false);
    const id = str('id', false);
    if (url !== undefined) {
      try {
        if (new URL(url).protocol !== 'http:') errors.push(`${at}.url: http only`);
      } catch {
        errors.push(`${at}.url: "${url}" is not a URL`);
      }
    }
    if (kind !== undefined && !KINDS.includes(kind)) errors.push(`${at}.kind: one of ${KINDS.join(', ')}`);
    if (url === undefined || namespace === undefined || workload === undefined) return;
    const tid = id ?? `${namespace}/${workload}`;
    if (ids.has(tid)) errors.push(`${at}: a second target with id ${tid} (give each an id)`);
    ids.add(tid);
    targets.push({
      id: tid, url, namespace, workload, job: job ?? DEFAULT_SCRAPE_JOB,
      ...(app ? { app } : {}), ...(version ? { version } : {}), ...(service ? { service } : {}),
      ...(kind ? { kind: kind as DashboardTarget['kind'] & string } : {}),
    });
  });
  return errors.length ? { errors } : { targets };
}

export function loadScrapeTargets(file: string): { targets: DashboardTarget[] } | { errors: string[] } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    return { errors: [`cannot read: ${(e as Error).message}`] };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { errors: [`not JSON: ${(e as Error).message}`] };
  }
  return decodeScrapeTargets(doc);
}
