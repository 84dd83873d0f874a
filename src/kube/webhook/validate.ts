// The validating webhook (Galley's job): an Istio object that `weft
// validate` would refuse is refused at `kubectl apply`, with the same
// messages. Warnings are passed to kubectl as admission warnings.
import { formatMessage, sortMessages, validateObject } from '../../control/validation/index.js';
import type { AdmissionRequest, AdmissionResponse } from './admission-review.js';
import type { WebhookStats } from './webhook-stats.js';

export function validateAdmission(req: AdmissionRequest, stats: WebhookStats): AdmissionResponse {
  // A deletion carries no new object; nothing to check.
  if (req.operation === 'DELETE' || req.object === undefined) {
    stats.validateIgnored.inc();
    return { uid: req.uid, allowed: true };
  }
  const obj = req.object as Record<string, unknown>;
  // The API server fills the namespace from the request; the object may not carry it.
  const meta = typeof obj.metadata === 'object' && obj.metadata !== null ? (obj.metadata as Record<string, unknown>) : undefined;
  const doc = meta && req.namespace && !meta.namespace ? { ...obj, metadata: { ...meta, namespace: req.namespace } } : obj;
  const { messages } = validateObject(doc);
  const sorted = sortMessages(messages);
  const errors = sorted.filter((m) => m.severity === 'error');
  const warnings = sorted.filter((m) => m.severity === 'warning').map(formatMessage);
  if (errors.length === 0) {
    stats.validateAllowed.inc();
    return { uid: req.uid, allowed: true, ...(warnings.length ? { warnings } : {}) };
  }
  stats.validateDenied.inc();
  return {
    uid: req.uid,
    allowed: false,
    status: { code: 400, reason: 'Invalid', message: `configuration is invalid:\n${errors.map(formatMessage).join('\n')}` },
    ...(warnings.length ? { warnings } : {}),
  };
}
