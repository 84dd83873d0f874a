// `weft kube-inject`: injection of the pod templates in a manifest, offline
// (istioctl's verb). Deployments, StatefulSets, DaemonSets, ReplicaSets,
// Jobs and CronJobs have their pod template injected, Pods are injected
// themselves, a List's items are walked, and every other object passes
// through unchanged. The namespace's labels are not consulted: asking for
// injection is explicit here, and only the pod's own opt-out counts.
import type { InjectionConfig } from './config.js';
import { injectPod } from './inject-pod.js';
import { isRecord, type Pod } from './kube-types.js';

/** Kinds whose pod template sits at spec.template. */
const TEMPLATE_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'ReplicationController']);

export interface ManifestReport {
  /** "Kind name" and what happened: injected, skipped (reason), passed through. */
  readonly object: string;
  readonly outcome: 'injected' | 'skipped' | 'refused' | 'passed';
  readonly because?: string;
  /** Problems of a refused object, each `path: message` (the path inside the document). */
  readonly problems?: readonly string[];
  readonly warnings?: readonly string[];
}

/** Where the pod template sits in one object, or undefined. */
function templatePath(doc: Record<string, unknown>): string[] | undefined {
  const kind = doc.kind;
  if (typeof kind !== 'string') return undefined;
  if (kind === 'Pod') return [];
  if (TEMPLATE_KINDS.has(kind)) return ['spec', 'template'];
  if (kind === 'CronJob') return ['spec', 'jobTemplate', 'spec', 'template'];
  return undefined;
}

function getAt(doc: Record<string, unknown>, path: string[]): unknown {
  let v: unknown = doc;
  for (const k of path) v = isRecord(v) ? v[k] : undefined;
  return v;
}

/** Injects every pod template in `doc` (mutates a copy); returns the new document and what happened. */
export function injectObject(doc: unknown, config: InjectionConfig, reports: ManifestReport[]): unknown {
  if (!isRecord(doc)) return doc;
  if (typeof doc.kind === 'string' && doc.kind.endsWith('List') && Array.isArray(doc.items)) {
    return { ...doc, items: doc.items.map((item) => injectObject(item, config, reports)) };
  }
  const meta = isRecord(doc.metadata) ? doc.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : typeof meta.generateName === 'string' ? meta.generateName : '<unnamed>';
  const object = `${String(doc.kind ?? '<no kind>')} ${name}`;
  const at = templatePath(doc);
  if (at === undefined) {
    reports.push({ object, outcome: 'passed' });
    return doc;
  }
  const template = at.length === 0 ? doc : getAt(doc, at);
  const prefix = at.length ? `${at.join('.')}.` : '';
  if (!isRecord(template) || !isRecord(template.spec)) {
    reports.push({ object, outcome: 'refused', because: 'no pod template', problems: [`${prefix}spec: missing (a pod spec with containers)`] });
    return doc;
  }
  const namespace = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : 'default';
  const pod = { metadata: isRecord(template.metadata) ? template.metadata : {}, spec: template.spec } as Pod;
  const r = injectPod({ pod, namespace, config, workloadName: name });
  if (r.outcome === 'skipped') {
    reports.push({ object, outcome: 'skipped', because: r.because });
    return doc;
  }
  if (r.outcome === 'refused') {
    reports.push({ object, outcome: 'refused', because: r.because, problems: r.problems.map((p) => `${prefix}${p.path}: ${p.message}`) });
    return doc;
  }
  reports.push({ object, outcome: 'injected', because: r.because, ...(r.warnings.length ? { warnings: r.warnings } : {}) });
  if (at.length === 0) return { ...doc, metadata: r.pod.metadata, spec: r.pod.spec };
  const out = structuredClone(doc);
  const parent = getAt(out, at.slice(0, -1)) as Record<string, unknown>;
  parent[at[at.length - 1]!] = { ...template, metadata: r.pod.metadata, spec: r.pod.spec };
  return out;
}
