// Sidecar injection (Istio's istio-sidecar-injector): the pure decision and
// pod mutation shared by the mutating webhook and `weft kube-inject`.
export { ANNOTATIONS, LABELS, decodeInjectionSettings, parseInjectValue, type AnnotationProblem, type InjectionSettings } from './annotations.js';
export { defaultInjectionConfig, nativeSidecarsOn, parseKubeVersion, type InjectionConfig, type NativeSidecarMode } from './config.js';
export { INJECT_DEFAULTS, INJECTED_NAMES, SIDECAR_PATHS } from './defaults.js';
export { injectPod, workloadNameOf, type InjectRequest, type InjectionResult } from './inject-pod.js';
export { createPatch, type PatchOperation } from './json-patch.js';
export { iptablesArgs } from './build-sidecar.js';
export { decideInjection, type InjectionDecision } from './policy.js';
export type { Namespace, Pod } from './kube-types.js';
export { injectObject, type ManifestReport } from './inject-manifest.js';
