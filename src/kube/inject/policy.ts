// Whether a pod gets a sidecar: Istio's rules, in Istio's order. The
// namespace's labels are usually applied by the API server itself (the
// webhook configuration's namespaceSelector); when the caller knows the
// namespace they are applied here too, so the decision is the same either way.
import { ANNOTATIONS, LABELS, parseInjectValue } from './annotations.js';
import { INJECT_DEFAULTS } from './defaults.js';
import type { Namespace, Pod } from './kube-types.js';

export type InjectionDecision =
  | { readonly inject: true; readonly because: string }
  | { readonly inject: false; readonly because: string };

export interface PolicyInput {
  pod: Pod;
  /** The pod's namespace name (the admission request's, or the object's). */
  namespace: string;
  /**
   * The namespace object when known. undefined: the caller trusts the API
   * server's namespaceSelector (webhook) or the user's explicit request
   * (kube-inject), and the namespace does not veto.
   */
  namespaceObject?: Namespace;
  /** This injector's revision (`istio.io/rev` value it serves). */
  revision?: string;
}

export function decideInjection(p: PolicyInput): InjectionDecision {
  const { pod } = p;
  const revision = p.revision ?? INJECT_DEFAULTS.revision;
  if (pod.spec.hostNetwork === true) return { inject: false, because: 'the pod uses hostNetwork: a sidecar would capture the node\'s traffic' };
  if (INJECT_DEFAULTS.ignoredNamespaces.includes(p.namespace)) return { inject: false, because: `namespace ${p.namespace} is never injected` };
  if (pod.metadata?.annotations?.[ANNOTATIONS.status] !== undefined) return { inject: false, because: `already injected (annotation ${ANNOTATIONS.status} is present)` };
  // The label wins over the (older) annotation, as in Istio.
  const label = pod.metadata?.labels?.[LABELS.inject];
  const annotation = pod.metadata?.annotations?.[ANNOTATIONS.inject];
  const podSays = label !== undefined ? parseInjectValue(label) : annotation !== undefined ? parseInjectValue(annotation) : undefined;
  const podSource = label !== undefined ? `label ${LABELS.inject}=${label}` : `annotation ${ANNOTATIONS.inject}=${annotation}`;
  if (podSays === false) return { inject: false, because: `the pod opts out (${podSource})` };

  const ns = p.namespaceObject?.metadata.labels;
  if (ns) {
    const injection = ns[LABELS.injection];
    const rev = ns[LABELS.revision];
    // istio-injection wins over istio.io/rev when both are set (Istio's rule).
    if (injection === 'disabled') return { inject: false, because: `namespace ${p.namespace} has ${LABELS.injection}=disabled` };
    if (injection === 'enabled') return { inject: true, because: `namespace ${p.namespace} has ${LABELS.injection}=enabled` };
    if (rev !== undefined) {
      if (rev === revision) return { inject: true, because: `namespace ${p.namespace} has ${LABELS.revision}=${rev}` };
      return { inject: false, because: `namespace ${p.namespace} selects revision "${rev}", this injector serves "${revision}"` };
    }
    if (podSays === true) return { inject: true, because: `the pod opts in (${podSource})` };
    return { inject: false, because: `namespace ${p.namespace} has neither ${LABELS.injection}=enabled nor ${LABELS.revision}, and the pod does not opt in` };
  }
  if (podSays === true) return { inject: true, because: `the pod opts in (${podSource})` };
  return { inject: true, because: 'selected by the webhook\'s namespace selector' };
}
