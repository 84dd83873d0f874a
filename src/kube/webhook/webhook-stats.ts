// Counters of the admission webhooks, declared beside the code that bumps
// them; served on the control plane's stats like everything else.
import type { Counter, StatsStore } from '../../stats/index.js';

export interface WebhookStats {
  /** Reviews refused before a decision: not JSON, not an AdmissionReview, wrong method or type, too large. */
  readonly malformed: Counter;
  readonly injectInjected: Counter;
  /** Policy said no sidecar (opt-out, namespace, hostNetwork, already injected). */
  readonly injectSkipped: Counter;
  /** Admitted without a sidecar because the pod's annotations could not be honoured. */
  readonly injectRefused: Counter;
  /** Not a pod creation (the webhook configuration should not send these). */
  readonly injectIgnored: Counter;
  /** An exception in the injector; the pod was admitted unchanged. */
  readonly injectErrors: Counter;
  readonly validateAllowed: Counter;
  readonly validateDenied: Counter;
  readonly validateIgnored: Counter;
}

export function webhookStats(store: StatsStore, prefix = 'webhook'): WebhookStats {
  const c = (n: string): Counter => store.counter(`${prefix}.${n}`);
  return {
    malformed: c('malformed_review'),
    injectInjected: c('inject.injected'),
    injectSkipped: c('inject.skipped'),
    injectRefused: c('inject.refused'),
    injectIgnored: c('inject.ignored'),
    injectErrors: c('inject.error'),
    validateAllowed: c('validate.allowed'),
    validateDenied: c('validate.denied'),
    validateIgnored: c('validate.ignored'),
  };
}
