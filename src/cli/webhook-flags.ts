// weft control's admission webhook flags (the injector's own options are
// shared with kube-inject, see kube-inject.ts).
import type { OptionSpec } from './args.js';

export const WEBHOOK_SPECS: OptionSpec[] = [
  { name: 'webhook-address', value: true, help: 'serve the admission webhooks (HTTPS) on host:port (Istio\'s 15017): POST /inject (sidecar injector), POST /validate (config validation)' },
  { name: 'webhooks', value: true, help: 'which webhooks to serve: inject, validate or inject,validate (default)' },
  { name: 'webhook-cert', value: true, help: 'PEM certificate chain of the webhook server (default: issued by the CA of --ca-dir for istiod.istio-system.svc)' },
  { name: 'webhook-key', value: true, help: 'PEM private key of --webhook-cert' },
];
