// Istio's analyzers that need Kubernetes objects, over the Services, Pods,
// Deployments, Namespaces, Secrets and MutatingWebhookConfigurations given
// to `weft analyze` (as `istioctl analyze` reads local files):
// - a namespace with neither `istio-injection` nor `istio.io/rev` (IST0102,
//   info); Kubernetes' and Istio's own namespaces are skipped, as Istio does;
//   one with both (IST0123);
// - a Pod in an injected namespace without the istio-proxy container
//   (IST0103), unless it opted out (`sidecar.istio.io/inject: "false"`) or
//   runs in the host network; Deployments are not judged: their pods get
//   the sidecar at admission, so a manifest never shows it;
// - a Gateway whose selector matches no pod (IST0101) or whose server port
//   is not a port of a Service that selects the gateway's pods (IST0104);
// - a Gateway credentialName with no Secret in the namespace of the
//   gateway's pods (its own namespace when no pod is given), or an invalid
//   one (IST0161), judged only when some Secret is among the inputs;
// DestinationRule subsets and Sidecar selectors are judged by the existing
// analyzers against the registry the caller builds from these objects.
import { X509Certificate } from 'node:crypto';
import type { Gateway } from '../../api/networking.js';
import type { AnalyzeInput } from './analyze.js';
import type { AcceptedObject } from './analysis-index.js';
import { analyzeGatewayCredentials, type AnalysisCredentials } from './analyze-networking.js';
import { Reporter, type ValidationMessage } from './message.js';
import { validateObject } from './validate-object.js';

/** The Kubernetes kinds `weft analyze` reads (by "apiVersion/kind"). */
export const KUBERNETES_INPUT_KINDS: ReadonlySet<string> = new Set([
  'v1/Service', 'v1/Pod', 'v1/Namespace', 'v1/Secret', 'apps/v1/Deployment', 'admissionregistration.k8s.io/v1/MutatingWebhookConfiguration',
]);

/** A Kubernetes object from the input, with where it came from. */
export interface KubeInput {
  readonly obj: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: unknown; data?: Record<string, string>; stringData?: Record<string, string>; type?: string; [k: string]: unknown };
  readonly file?: string;
  readonly lineOf?: AnalyzeInput['lineOf'];
}

export interface KubeInputs {
  readonly services: KubeInput[];
  readonly pods: KubeInput[];
  readonly deployments: KubeInput[];
  readonly namespaces: KubeInput[];
  readonly secrets: KubeInput[];
  readonly webhooks: KubeInput[];
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isStringMap = (v: unknown): boolean => isObj(v) && Object.values(v).every((x) => typeof x === 'string');
const isObjList = (v: unknown): boolean => Array.isArray(v) && v.every(isObj);

/** The shape problems of a Kubernetes object in the fields analysis reads ([path, what it must be]). */
function shapeProblems(o: Record<string, unknown>): [string, string][] {
  const out: [string, string][] = [];
  const want = (path: string, v: unknown, ok: (v: unknown) => boolean, what: string): void => {
    if (v !== undefined && v !== null && !ok(v)) out.push([path, what]);
  };
  const md = o.metadata as Record<string, unknown>;
  want('metadata.namespace', md.namespace, (v) => typeof v === 'string', 'a string');
  want('metadata.labels', md.labels, isStringMap, 'a map of strings');
  want('metadata.annotations', md.annotations, isStringMap, 'a map of strings');
  want('spec', o.spec, isObj, 'an object');
  const spec = isObj(o.spec) ? o.spec : {};
  switch (o.kind) {
    case 'Service':
      want('spec.selector', spec.selector, isStringMap, 'a map of strings');
      want('spec.ports', spec.ports, isObjList, 'a list of objects');
      break;
    case 'Pod':
      want('spec.containers', spec.containers, isObjList, 'a list of objects');
      want('spec.initContainers', spec.initContainers, isObjList, 'a list of objects');
      break;
    case 'Deployment': {
      want('spec.template', spec.template, isObj, 'an object');
      const tpl = isObj(spec.template) ? spec.template : {};
      want('spec.template.metadata.labels', isObj(tpl.metadata) ? tpl.metadata.labels : undefined, isStringMap, 'a map of strings');
      want('spec.template.spec.containers', isObj(tpl.spec) ? tpl.spec.containers : undefined, isObjList, 'a list of objects');
      break;
    }
    case 'Secret':
      want('data', o.data, isStringMap, 'a map of strings (base64)');
      want('stringData', o.stringData, isStringMap, 'a map of strings');
      break;
  }
  return out;
}

/**
 * Splits the input into the Kubernetes objects analysis reads and everything
 * else. An object of one of those kinds whose fields have the wrong shape is
 * left out of analysis with an error per field (WEFT0011), as the API server
 * would refuse it.
 */
export function splitKubernetesInputs(docs: readonly AnalyzeInput[]): { kube: KubeInputs; rest: AnalyzeInput[]; messages: ValidationMessage[] } {
  const kube: KubeInputs = { services: [], pods: [], deployments: [], namespaces: [], secrets: [], webhooks: [] };
  const rest: AnalyzeInput[] = [];
  const messages: ValidationMessage[] = [];
  for (const d of docs) {
    const o = d.obj as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown } } | null;
    const id = o && typeof o === 'object' ? `${String(o.apiVersion)}/${String(o.kind)}` : '';
    if (!KUBERNETES_INPUT_KINDS.has(id) || !isObj(o?.metadata) || typeof o?.metadata?.name !== 'string') {
      rest.push(d);
      continue;
    }
    const problems = shapeProblems(o as Record<string, unknown>);
    if (problems.length > 0) {
      const ns = typeof (o.metadata as { namespace?: unknown }).namespace === 'string' ? String((o.metadata as { namespace: string }).namespace) : 'default';
      const r = new Reporter(o.kind === 'Namespace' ? `Namespace ${o.metadata.name}` : `${String(o.kind)} ${o.metadata.name}.${ns}`, d.file, d.lineOf);
      for (const [path, what] of problems) r.report('WEFT0011', path, `${path} must be ${what}; the object is left out of analysis`);
      messages.push(...r.messages);
      continue;
    }
    const input = d as unknown as KubeInput;
    const list = { Service: kube.services, Pod: kube.pods, Deployment: kube.deployments, Namespace: kube.namespaces, Secret: kube.secrets, MutatingWebhookConfiguration: kube.webhooks }[input.obj.kind];
    list?.push(input);
  }
  return { kube, rest, messages };
}

/** Namespaces Istio's injection analyzer leaves alone. */
const SYSTEM_NAMESPACES = new Set(['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage', 'istio-system']);

const nsOf = (k: KubeInput): string => k.obj.metadata.namespace || 'default';
const keyOf = (k: KubeInput): string => (k.obj.kind === 'Namespace' ? `Namespace ${k.obj.metadata.name}` : `${k.obj.kind} ${k.obj.metadata.name}.${nsOf(k)}`);
const reporter = (k: KubeInput): Reporter => new Reporter(keyOf(k), k.file, k.lineOf);
const selects = (sel: Record<string, string>, labels: Record<string, string> | undefined): boolean => Object.entries(sel).every(([k, v]) => labels?.[k] === v);
const labelText = (sel: Record<string, string>): string => Object.entries(sel).map(([k, v]) => `${k}=${v}`).join(',');

/** Pods as analysis sees workloads: the Pods given, and each Deployment's pod template (named after the Deployment). */
export interface PodLike {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly source: KubeInput;
  readonly containers: readonly { name?: string; ports?: { name?: string; containerPort?: number }[] }[];
}

export function podsOf(kube: KubeInputs): PodLike[] {
  const out: PodLike[] = [];
  for (const p of kube.pods) {
    const spec = (p.obj.spec ?? {}) as { containers?: PodLike['containers'] };
    out.push({ name: p.obj.metadata.name, namespace: nsOf(p), labels: p.obj.metadata.labels ?? {}, source: p, containers: spec.containers ?? [] });
  }
  for (const d of kube.deployments) {
    const tpl = ((d.obj.spec ?? {}) as { template?: { metadata?: { labels?: Record<string, string> }; spec?: { containers?: PodLike['containers'] } } }).template;
    out.push({ name: d.obj.metadata.name, namespace: nsOf(d), labels: tpl?.metadata?.labels ?? {}, source: d, containers: tpl?.spec?.containers ?? [] });
  }
  return out;
}

export interface KubernetesAnalysisOptions {
  /** Istio objects of the input (Gateways are read from them). */
  readonly istio?: readonly AnalyzeInput[];
}

export function analyzeKubernetes(kube: KubeInputs, options: KubernetesAnalysisOptions = {}): ValidationMessage[] {
  const out: ValidationMessage[] = [];
  const nsLabels = new Map(kube.namespaces.map((n) => [n.obj.metadata.name, n.obj.metadata.labels ?? {}]));
  const injected = (ns: string): boolean => {
    const l = nsLabels.get(ns);
    if (!l || l['istio-injection'] === 'disabled') return false;
    return l['istio-injection'] === 'enabled' || (l['istio.io/rev'] ?? '') !== '';
  };
  for (const n of kube.namespaces) {
    const name = n.obj.metadata.name;
    const l = n.obj.metadata.labels ?? {};
    if (l['istio-injection'] !== undefined && l['istio.io/rev'] !== undefined) {
      const r = reporter(n);
      r.report('WEFT0364', 'metadata.labels', `the namespace has both istio-injection and istio.io/rev labels; remove one: 'kubectl label namespace ${name} istio.io/rev-' or 'kubectl label namespace ${name} istio-injection-'`);
      out.push(...r.messages);
    }
    if (SYSTEM_NAMESPACES.has(name) || l['istio-injection'] !== undefined || l['istio.io/rev'] !== undefined) continue;
    const r = reporter(n);
    r.report('WEFT0360', 'metadata.labels', `the namespace is not enabled for Istio injection: label it with 'kubectl label namespace ${name} istio-injection=enabled', or with istio-injection=disabled to say it needs none`);
    out.push(...r.messages);
  }
  for (const p of kube.pods) {
    const ns = nsOf(p);
    if (!injected(ns)) continue;
    const spec = (p.obj.spec ?? {}) as { hostNetwork?: boolean; containers?: { name?: string }[]; initContainers?: { name?: string; restartPolicy?: string }[] };
    const optOut = p.obj.metadata.annotations?.['sidecar.istio.io/inject'] === 'false' || p.obj.metadata.labels?.['sidecar.istio.io/inject'] === 'false';
    if (optOut || spec.hostNetwork) continue;
    const has = spec.containers?.some((c) => c.name === 'istio-proxy') || spec.initContainers?.some((c) => c.name === 'istio-proxy' && c.restartPolicy === 'Always');
    if (has) continue;
    const r = reporter(p);
    r.report('WEFT0361', 'spec.containers', `the pod ${p.obj.metadata.name} is missing the Istio proxy although namespace ${ns} is injected; restarting or redeploying the workload usually fixes it`);
    out.push(...r.messages);
  }
  out.push(...analyzeGatewayWorkloads(kube, options.istio ?? []));
  return out;
}

function acceptedGateways(docs: readonly AnalyzeInput[]): AcceptedObject<Gateway>[] {
  const out: AcceptedObject<Gateway>[] = [];
  for (const d of docs) {
    const kind = (d.obj as { kind?: unknown } | null)?.kind;
    if (kind !== 'Gateway') continue;
    const res = validateObject(d.obj, d.file, d.lineOf ? { lineOf: d.lineOf } : {});
    if (!res.object || res.object.kind !== 'Gateway') continue;
    const g = res.object as Gateway;
    const namespace = g.metadata.namespace ?? 'default';
    out.push({ obj: g, key: `Gateway ${g.metadata.name}.${namespace}`, namespace, ...(d.file !== undefined ? { file: d.file } : {}), ...(d.lineOf ? { lineOf: d.lineOf } : {}) });
  }
  return out;
}

/** Gateways against their workloads: selector without pods (IST0101), ports their Services do not expose (IST0104), credentials (IST0161). */
function analyzeGatewayWorkloads(kube: KubeInputs, istio: readonly AnalyzeInput[]): ValidationMessage[] {
  const out: ValidationMessage[] = [];
  const pods = podsOf(kube);
  const byCredNs = new Map<string, AcceptedObject<Gateway>[]>();
  for (const g of acceptedGateways(istio)) {
    const sel = g.obj.spec.selector ?? {};
    const r = new Reporter(g.key, g.file, g.lineOf);
    // Istio matches gateway pods in every namespace (PILOT_SCOPE_GATEWAY_TO_NAMESPACE is off by default).
    const matched = pods.filter((p) => selects(sel, p.labels));
    if (pods.length > 0 && matched.length === 0) {
      r.report('WEFT0363', 'spec.selector', `the selector ${labelText(sel)} matches no pod among the inputs: no gateway runs this configuration`);
    }
    if (matched.length > 0 && kube.services.length > 0) {
      const ports = new Set<number>();
      for (const s of kube.services) {
        const spec = (s.obj.spec ?? {}) as { selector?: Record<string, string>; ports?: { port?: number; protocol?: string }[] };
        if (!spec.selector || Object.keys(spec.selector).length === 0) continue;
        if (!matched.some((p) => p.namespace === nsOf(s) && selects(spec.selector!, p.labels))) continue;
        for (const p of spec.ports ?? []) if (typeof p.port === 'number' && (p.protocol ?? 'TCP') === 'TCP') ports.add(p.port);
      }
      (g.obj.spec.servers ?? []).forEach((srv, i) => {
        const port = srv?.port?.number;
        if (typeof port === 'number' && !ports.has(port)) {
          r.report('WEFT0362', `spec.servers[${i}].port.number`, `the gateway refers to port ${port}, which no Service of its workload exposes (pod selector ${labelText(sel)}; Service ports: ${[...ports].sort((a, b) => a - b).join(', ') || 'none'})`);
        }
      });
    }
    out.push(...r.messages);
    const credNs = matched[0]?.namespace ?? g.namespace;
    byCredNs.set(credNs, [...(byCredNs.get(credNs) ?? []), g]);
  }
  if (kube.secrets.length > 0) {
    for (const [ns, gws] of byCredNs) out.push(...analyzeGatewayCredentials(gws, secretCredentials(kube.secrets, ns)));
  }
  return out;
}

/** The TLS Secrets of a namespace as the credential check reads them (tls.crt/tls.key, or cert/key/cacert as Istio also accepts). */
export function secretCredentials(secrets: readonly KubeInput[], namespace: string): AnalysisCredentials {
  const credentials = new Map<string, { certChainPem?: string; caPem?: string }>();
  const issues: { name: string; code: string; reason: string }[] = [];
  for (const s of secrets) {
    if (nsOf(s) !== namespace) continue;
    const name = s.obj.metadata.name;
    const read = (k: string): string | undefined => {
      const str = s.obj.stringData?.[k];
      if (typeof str === 'string') return str;
      const b64 = s.obj.data?.[k];
      return typeof b64 === 'string' ? Buffer.from(b64, 'base64').toString('utf8') : undefined;
    };
    const cert = read('tls.crt') ?? read('cert');
    const key = read('tls.key') ?? read('key');
    const ca = read('ca.crt') ?? read('cacert');
    const entry: { certChainPem?: string; caPem?: string } = {};
    if (cert !== undefined && key !== undefined) {
      const bad = pemProblem(cert, 'certificate');
      if (bad) issues.push({ name, code: 'CREDENTIAL_INVALID', reason: bad });
      else entry.certChainPem = cert;
    } else if (cert !== undefined || key !== undefined) {
      issues.push({ name, code: 'CREDENTIAL_INCOMPLETE', reason: `${cert === undefined ? 'tls.crt' : 'tls.key'} is missing: a certificate and its private key go together` });
    }
    if (ca !== undefined) {
      const bad = pemProblem(ca, 'CA certificate');
      if (bad) issues.push({ name, code: 'CREDENTIAL_INVALID', reason: bad });
      else entry.caPem = ca;
    }
    credentials.set(name, entry);
  }
  return { dir: `Secrets of namespace ${namespace}`, credentials, issues };
}

function pemProblem(pem: string, what: string): string | undefined {
  try {
    const c = new X509Certificate(pem);
    if (Date.parse(c.validTo) < Date.now()) return `the ${what} expired on ${c.validTo}`;
    return undefined;
  } catch (e) {
    return `the ${what} does not parse as PEM X.509 (${(e as Error).message})`;
  }
}
