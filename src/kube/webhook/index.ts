// The admission webhooks: sidecar injection (mutating) and Istio config
// validation (validating), served over HTTPS by the control plane.
export { decodeAdmissionReview, reviewOf, ADMISSION_VERSIONS, type AdmissionRequest, type AdmissionResponse, type AdmissionReview } from './admission-review.js';
export { mutate, type MutateOptions } from './mutate.js';
export { validateAdmission } from './validate.js';
export { WebhookServer, WEBHOOK_DEFAULTS, WEBHOOK_PATHS, type WebhookServerOptions } from './webhook-server.js';
export { webhookStats, type WebhookStats } from './webhook-stats.js';
export { WEBHOOK_CERT_POLL_MS, decodeWebhookFlags, watchCertificateFiles, webhookCertificate, type WebhookFlags } from './webhook-options.js';
