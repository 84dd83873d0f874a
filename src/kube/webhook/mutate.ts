// The mutating webhook's decision for one admission request: inject the
// sidecar into a new pod, or admit it unchanged with the reason as a
// warning. Never denies a pod: a pod the injector cannot handle runs without
// a sidecar (and says why) rather than not at all; the webhook configuration's
// failurePolicy covers the case where the webhook cannot be reached.
import { injectPod, type InjectionConfig, type Namespace, type Pod } from '../inject/index.js';
import type { AdmissionRequest, AdmissionResponse } from './admission-review.js';
import type { WebhookStats } from './webhook-stats.js';

export interface MutateOptions {
  config: InjectionConfig;
  /** The namespace object, when the control plane watches namespaces (see policy.ts). */
  namespaces?: (name: string) => Namespace | undefined;
}

/** Kubernetes shows warnings on kubectl's stderr; keep each short enough to read. */
const MAX_WARNING = 500;
const warning = (text: string): string => (text.length > MAX_WARNING ? `${text.slice(0, MAX_WARNING - 3)}...` : text);

export function mutate(req: AdmissionRequest, o: MutateOptions, stats: WebhookStats): AdmissionResponse {
  const allow = (warnings: string[] = []): AdmissionResponse => ({ uid: req.uid, allowed: true, ...(warnings.length ? { warnings: warnings.map(warning) } : {}) });
  if (req.kind.group !== '' || req.kind.kind !== 'Pod' || req.operation !== 'CREATE' || req.object === undefined) {
    stats.injectIgnored.inc();
    return allow();
  }
  const pod = req.object as Pod;
  const namespace = req.namespace || pod.metadata?.namespace || 'default';
  try {
    const nsObject = o.namespaces?.(namespace);
    const r = injectPod({ pod, namespace, config: o.config, ...(nsObject ? { namespaceObject: nsObject } : {}) });
    switch (r.outcome) {
      case 'skipped':
        stats.injectSkipped.inc();
        return allow();
      case 'refused':
        stats.injectRefused.inc();
        return allow(r.problems.map((p) => `weft sidecar injector: pod admitted WITHOUT a sidecar: ${p.path}: ${p.message}`));
      case 'injected':
        stats.injectInjected.inc();
        return {
          uid: req.uid,
          allowed: true,
          patchType: 'JSONPatch',
          patch: Buffer.from(JSON.stringify(r.patch)).toString('base64'),
          ...(r.warnings.length ? { warnings: r.warnings.map((w) => warning(`weft sidecar injector: ${w}`)) } : {}),
        };
    }
  } catch (err) {
    // A bug must not keep the pod from running: admit it unchanged and say so.
    stats.injectErrors.inc();
    return allow([`weft sidecar injector: internal error, pod admitted WITHOUT a sidecar: ${(err as Error).message}`]);
  }
}
