// The AdmissionReview wire format (admission.k8s.io/v1, and v1beta1 which
// has the same shape), decoded at one boundary. A review that cannot be
// decoded yields a reason, never an exception; responses always carry the
// request's uid and apiVersion, as the API server requires.
import { isRecord } from '../inject/kube-types.js';

export const ADMISSION_VERSIONS = ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'] as const;

export interface AdmissionRequest {
  uid: string;
  kind: { group: string; version: string; kind: string };
  operation: string;
  namespace?: string;
  name?: string;
  object?: unknown;
  dryRun?: boolean;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  patchType?: 'JSONPatch';
  /** base64 of the JSON Patch. */
  patch?: string;
  warnings?: string[];
  status?: { code: number; message: string; reason?: string };
}

export interface AdmissionReview {
  apiVersion: string;
  kind: 'AdmissionReview';
  response: AdmissionResponse;
}

export type DecodedReview =
  | { ok: true; apiVersion: string; request: AdmissionRequest }
  /** `uid` and `apiVersion` when they could be read, so the error response still matches. */
  | { ok: false; reason: string; uid: string; apiVersion: string };

export function decodeAdmissionReview(body: string): DecodedReview {
  let doc: unknown;
  const fail = (reason: string, uid = '', apiVersion: string = ADMISSION_VERSIONS[0]): DecodedReview => ({ ok: false, reason, uid, apiVersion });
  try {
    doc = JSON.parse(body);
  } catch (err) {
    return fail(`the body is not JSON: ${(err as Error).message}`);
  }
  if (!isRecord(doc)) return fail('an AdmissionReview must be a JSON object');
  const apiVersion = typeof doc.apiVersion === 'string' ? doc.apiVersion : '';
  const req = isRecord(doc.request) ? doc.request : undefined;
  const uid = typeof req?.uid === 'string' ? req.uid : '';
  const problems: string[] = [];
  if (!(ADMISSION_VERSIONS as readonly string[]).includes(apiVersion)) problems.push(`apiVersion: "${apiVersion}" is not one of ${ADMISSION_VERSIONS.join(', ')}`);
  if (doc.kind !== 'AdmissionReview') problems.push(`kind: "${String(doc.kind)}" is not AdmissionReview`);
  if (!req) problems.push('request: missing');
  else {
    if (uid === '') problems.push('request.uid: missing');
    if (!isRecord(req.kind) || typeof req.kind.kind !== 'string') problems.push('request.kind: missing (group, version, kind)');
    if (typeof req.operation !== 'string') problems.push('request.operation: missing');
    if (req.namespace !== undefined && typeof req.namespace !== 'string') problems.push('request.namespace: must be a string');
    if (req.object !== undefined && req.object !== null && !isRecord(req.object)) problems.push('request.object: must be an object');
  }
  if (problems.length || !req) return fail(`malformed AdmissionReview: ${problems.join('; ')}`, uid, (ADMISSION_VERSIONS as readonly string[]).includes(apiVersion) ? apiVersion : ADMISSION_VERSIONS[0]);
  const kind = req.kind as Record<string, unknown>;
  const request: AdmissionRequest = {
    uid,
    kind: { group: typeof kind.group === 'string' ? kind.group : '', version: typeof kind.version === 'string' ? kind.version : '', kind: kind.kind as string },
    operation: req.operation as string,
    ...(typeof req.namespace === 'string' ? { namespace: req.namespace } : {}),
    ...(typeof req.name === 'string' ? { name: req.name } : {}),
    ...(isRecord(req.object) ? { object: req.object } : {}),
    ...(req.dryRun === true ? { dryRun: true } : {}),
  };
  return { ok: true, apiVersion, request };
}

export function reviewOf(apiVersion: string, response: AdmissionResponse): AdmissionReview {
  return { apiVersion, kind: 'AdmissionReview', response };
}
