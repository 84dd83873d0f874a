// Sidecar injection of one pod: pure (pod + namespace + injection config →
// injected pod and the JSON Patch that makes it). Shared by the mutating
// webhook and `weft kube-inject`. A pod that must not or cannot be injected
// comes back unchanged with the reason; it is never half-injected.
import { ANNOTATIONS, LABELS, decodeInjectionSettings, type AnnotationProblem } from './annotations.js';
import { buildInitContainer, buildSidecarContainer, buildVolumes } from './build-sidecar.js';
import { nativeSidecarsOn, type InjectionConfig } from './config.js';
import { INJECT_DEFAULTS, INJECTED_NAMES } from './defaults.js';
import { createPatch, type PatchOperation } from './json-patch.js';
import { cloneJson, isRecord, type Container, type Namespace, type Pod } from './kube-types.js';
import { decideInjection } from './policy.js';
import { rewriteAppProbes } from './probes.js';

export type InjectionResult =
  | {
      readonly outcome: 'injected';
      readonly pod: Pod;
      readonly patch: PatchOperation[];
      readonly because: string;
      /** Things the user should know (a probe left alone, …); the pod is injected. */
      readonly warnings: readonly string[];
    }
  /** Policy says no sidecar (opt-out, namespace, hostNetwork, already injected). */
  | { readonly outcome: 'skipped'; readonly because: string }
  /** The pod asked for something the injector cannot do: left unchanged, with every reason. */
  | { readonly outcome: 'refused'; readonly because: string; readonly problems: readonly AnnotationProblem[] };

export interface InjectRequest {
  pod: Pod;
  /** The namespace the pod is created in (request.namespace, metadata.namespace, or the file's default). */
  namespace: string;
  namespaceObject?: Namespace;
  config: InjectionConfig;
  /** The owning workload's name when the caller knows it (kube-inject); otherwise derived from the pod. */
  workloadName?: string;
}

/** Istio's workload name for a pod: the Deployment's for a ReplicaSet's pod, else the owner's or the pod's. */
export function workloadNameOf(pod: Pod): string {
  const meta = pod.metadata ?? {};
  const owners = Array.isArray(meta.ownerReferences) ? (meta.ownerReferences as unknown[]).filter(isRecord) : [];
  const controller = owners.find((o) => o.controller === true) ?? owners[0];
  const hash = meta.labels?.['pod-template-hash'];
  let name = typeof controller?.name === 'string' ? controller.name : meta.name ?? (meta.generateName ?? '').replace(/-$/, '');
  if (hash && name.endsWith(`-${hash}`) && (controller === undefined || controller.kind === 'ReplicaSet')) name = name.slice(0, -hash.length - 1);
  // A Job's pod from a CronJob: <cronjob>-<unix minutes>; Istio keeps the Job's name, so does weft.
  return name || 'unknown';
}

function statusAnnotation(native: boolean, revision: string): string {
  return JSON.stringify({
    initContainers: native ? [INJECTED_NAMES.initContainer, INJECTED_NAMES.sidecar] : [INJECTED_NAMES.initContainer],
    containers: native ? null : [INJECTED_NAMES.sidecar],
    volumes: INJECTED_NAMES.volumes,
    imagePullSecrets: null,
    revision,
  });
}

/**
 * The parts of the pod the injector reads, checked before anything else (the
 * API server has typed a pod by the time it reaches a webhook; a file given
 * to kube-inject has not).
 */
function podShapeProblems(pod: unknown): AnnotationProblem[] {
  const out: AnnotationProblem[] = [];
  if (!isRecord(pod) || !isRecord(pod.spec)) return [{ path: 'spec', message: 'a pod needs a spec' }];
  const spec = pod.spec;
  if (pod.metadata !== undefined && !isRecord(pod.metadata)) out.push({ path: 'metadata', message: 'must be an object' });
  for (const k of ['labels', 'annotations'] as const) {
    const m = isRecord(pod.metadata) ? pod.metadata[k] : undefined;
    if (m !== undefined && !(isRecord(m) && Object.values(m).every((v) => typeof v === 'string'))) out.push({ path: `metadata.${k}`, message: 'must be a map of strings' });
  }
  if (!Array.isArray(spec.containers) || spec.containers.length === 0) out.push({ path: 'spec.containers', message: 'a pod needs at least one container' });
  for (const field of ['containers', 'initContainers'] as const) {
    const list = spec[field];
    if (list === undefined && field === 'initContainers') continue;
    if (!Array.isArray(list)) {
      if (field === 'initContainers') out.push({ path: `spec.${field}`, message: 'must be a list' });
      continue;
    }
    list.forEach((c, i) => {
      if (!isRecord(c) || typeof c.name !== 'string' || c.name === '') out.push({ path: `spec.${field}[${i}].name`, message: 'every container needs a name' });
      else if (c.ports !== undefined && !(Array.isArray(c.ports) && c.ports.every((p) => isRecord(p) && typeof p.containerPort === 'number'))) out.push({ path: `spec.${field}[${i}].ports`, message: 'must be a list of ports with containerPort' });
    });
  }
  if (spec.volumes !== undefined && !(Array.isArray(spec.volumes) && spec.volumes.every(isRecord))) out.push({ path: 'spec.volumes', message: 'must be a list of volumes' });
  return out;
}

export function injectPod(req: InjectRequest): InjectionResult {
  const original = req.pod;
  const shape = podShapeProblems(original);
  if (shape.length) return { outcome: 'refused', because: 'not a pod the injector can read', problems: shape };
  const decision = decideInjection({ pod: original, namespace: req.namespace, revision: req.config.revision, ...(req.namespaceObject ? { namespaceObject: req.namespaceObject } : {}) });
  if (!decision.inject) return { outcome: 'skipped', because: decision.because };
  const { settings, problems } = decodeInjectionSettings(original);
  const clash = [...original.spec.containers, ...(original.spec.initContainers ?? [])].find((c) => c.name === INJECTED_NAMES.sidecar || c.name === INJECTED_NAMES.initContainer);
  if (clash) problems.push({ path: 'spec.containers', message: `the pod already has a container named ${clash.name} (injected without the ${ANNOTATIONS.status} annotation?)` });
  const volumeNames = new Set((original.spec.volumes ?? []).filter(isRecord).map((v) => v.name));
  for (const v of INJECTED_NAMES.volumes) if (volumeNames.has(v)) problems.push({ path: 'spec.volumes', message: `the pod already has a volume named ${v}, which the sidecar needs` });
  if (problems.length) return { outcome: 'refused', because: problems.map((p) => `${p.path}: ${p.message}`).join('; '), problems };

  const pod = cloneJson(original);
  const c = req.config;
  const warnings: string[] = [];
  const native = nativeSidecarsOn(c, settings.nativeSidecar);
  const hold = settings.holdApplicationUntilProxyStarts ?? c.holdApplicationUntilProxyStarts;
  const appContainers = cloneJson(original.spec.containers);

  let probers: Record<string, unknown> | undefined;
  if (settings.rewriteAppProbes) {
    const r = rewriteAppProbes(pod.spec.containers as Container[]);
    probers = r.probers;
    for (const u of r.unresolved) warnings.push(`probe ${u} names a port no container declares; left pointing at the app (it bypasses the sidecar)`);
  }
  const annotations = { ...(pod.metadata?.annotations ?? {}) };
  const appPrometheus: Record<string, string> = {};
  if (c.prometheusMerge && annotations['prometheus.io/scrape'] !== 'false') {
    // Merged metrics (Istio's default): Prometheus scrapes the agent, which adds the app's own metrics.
    for (const k of ['prometheus.io/scrape', 'prometheus.io/port', 'prometheus.io/path']) if (annotations[k] !== undefined) appPrometheus[k] = annotations[k]!;
    annotations['prometheus.io/scrape'] = 'true';
    annotations['prometheus.io/port'] = String(INJECT_DEFAULTS.statusPort);
    annotations['prometheus.io/path'] = '/stats/prometheus';
  }
  const workloadName = req.workloadName ?? workloadNameOf(original);
  const sidecar = buildSidecarContainer({
    settings, config: c, appContainers, workloadName, probers, appPrometheus, native, hold,
  });
  const init = buildInitContainer(settings, c);
  // istio-init runs first (before the user's init containers: their traffic is captured too, as in Istio).
  const initContainers = [init, ...(pod.spec.initContainers ?? [])];
  if (native) initContainers.splice(1, 0, sidecar);
  pod.spec.initContainers = initContainers;
  if (!native) pod.spec.containers = hold ? [sidecar, ...pod.spec.containers] : [...pod.spec.containers, sidecar];
  pod.spec.volumes = [...(pod.spec.volumes ?? []), ...buildVolumes()];

  const firstApp = original.spec.containers[0]!.name;
  annotations[ANNOTATIONS.status] = statusAnnotation(native, c.revision);
  annotations['kubectl.kubernetes.io/default-container'] ??= firstApp;
  annotations['kubectl.kubernetes.io/default-logs-container'] ??= firstApp;
  const labels = { ...(pod.metadata?.labels ?? {}) };
  labels[LABELS.tlsMode] = 'istio';
  labels[LABELS.canonicalName] ??= labels['service.istio.io/canonical-name'] ?? labels['app.kubernetes.io/name'] ?? labels.app ?? workloadName;
  labels[LABELS.canonicalRevision] ??= labels['app.kubernetes.io/version'] ?? labels.version ?? 'latest';
  pod.metadata = { ...(pod.metadata ?? {}), annotations, labels };

  return { outcome: 'injected', pod, patch: createPatch(original, pod), because: decision.because, warnings };
}
