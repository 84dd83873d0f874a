// weft analyze: cross-resource checks of a folder of Istio config (as
// `istioctl analyze`): every validation message, plus references that point
// nowhere, missing subsets, route conflicts, hidden hosts (codes WEFT03xx).
// A `weft up` folder (workloads.yaml beside its config folder) is analyzed as
// `weft up` runs it: its config folder, with the workloads file as the
// service registry (src/up's parser reads it).
// Kubernetes objects among the inputs (Services, Pods, Deployments,
// Namespaces, Secrets, MutatingWebhookConfigurations, as `istioctl analyze`
// reads local files) are the service registry (Services with the pods their
// selectors pick, as the EndpointSlice controller would) and feed the
// analyzers that need them (analyze-kubernetes.ts).
// Exit code: 1 when any error was found, 0 otherwise, 2 on usage errors.
import fs from 'node:fs';
import path from 'node:path';
import { ConfigErrors } from '../common/errors.js';
import { CREDENTIAL_DEFAULTS, readCredentialFolder } from '../control/ingest/credential-folder.js';
import { workloadRegistry } from '../control/ingest/workload-registry.js';
import { analyze, loadConfigInputs, validateObject, type AnalysisRegistry, type ValidationMessage } from '../control/validation/index.js';
import { analyzeKubernetes, podsOf, splitKubernetesInputs, type KubeInputs } from '../control/validation/analyze-kubernetes.js';
import { StaticRegistry } from '../control/ingest/static-registry.js';
import { buildKubeRegistry } from '../kube/kube-registry.js';
import type { KubeObject } from '../kube/kube-client.js';
import { loadWorkloadsFile } from '../up/workloads.js';
import { parseArgs, usage, type OptionSpec } from './args.js';
import { printReport, takeRepeated } from './validate.js';

const SPECS: OptionSpec[] = [
  { name: 'filename', short: 'f', value: true, help: 'more files or folders to analyze with DIR; repeatable' },
  { name: 'registry', value: true, help: 'ServiceEntry/WorkloadEntry YAML describing services that DIR routes to (besides the ServiceEntries in DIR); repeatable. A weft up folder (with workloads.yaml) uses its workloads as the registry' },
  { name: 'output', short: 'o', value: true, help: 'output format: "text" (default) or "json"' },
  { name: 'help', short: 'h', value: false, help: 'show this help' },
];
const SYNOPSIS = 'DIR|FILE... [--registry FILE] [--output text|json]';

export async function runAnalyze(argv: string[]): Promise<number> {
  const files = takeRepeated(argv, 'filename', 'f');
  const reg = takeRepeated(files.rest, 'registry', 'registry');
  const parsed = parseArgs(reg.rest, SPECS);
  if (typeof parsed === 'string') {
    process.stderr.write(`weft analyze: ${parsed}\n\n${usage('analyze', SPECS, SYNOPSIS)}`);
    return 2;
  }
  if (parsed.options.has('help')) {
    process.stdout.write(usage('analyze', SPECS, SYNOPSIS));
    return 0;
  }
  const output = parsed.options.get('output') ?? 'text';
  if (output !== 'text' && output !== 'json') {
    process.stderr.write(`weft analyze: invalid --output "${String(output)}" (text or json)\n`);
    return 2;
  }
  const inputs = [...parsed.positionals, ...files.values];
  if (inputs.length === 0) {
    process.stderr.write(`weft analyze: no input; give a folder or files\n\n${usage('analyze', SPECS, SYNOPSIS)}`);
    return 2;
  }
  // A weft up folder: its config folder, judged against its workloads.
  let registry: AnalysisRegistry | undefined;
  const messages: ValidationMessage[] = [];
  const upFolder = inputs.length === 1 ? weftUpFolder(inputs[0]!) : undefined;
  if (upFolder) {
    const errs = new ConfigErrors();
    const wf = loadWorkloadsFile(upFolder.workloadsFile, errs);
    for (const i of errs.issues) {
      messages.push({ code: 'WEFT0001', severity: i.severity === 'error' ? 'error' : 'warning', key: '', path: i.path, message: `workloads file: ${i.message}`, file: upFolder.workloadsFile });
    }
    registry = workloadRegistry(wf.workloads);
    inputs.splice(0, 1, path.resolve(upFolder.dir, wf.config));
  }
  const loaded = await loadConfigInputs([...inputs, ...reg.values]);
  messages.push(...loaded.messages);
  const { kube, rest, messages: kubeShape } = splitKubernetesInputs(loaded.docs);
  messages.push(...kubeShape);
  const kubeCount = Object.values(kube).reduce((n, l: unknown[]) => n + l.length, 0);
  if (kubeCount > 0 && kube.services.length > 0) registry = kubeFileRegistry(kube);
  for (const d of rest) messages.push(...validateObject(d.obj, d.file, d.lineOf ? { lineOf: d.lineOf } : {}).messages);
  // A config folder's credentialName secrets sit in its `secrets/` subfolder (as the control plane reads them).
  const dir = inputs.length === 1 && fs.statSync(inputs[0]!, { throwIfNoEntry: false })?.isDirectory() ? inputs[0]! : undefined;
  // Secrets among the inputs replace the folder: the Kubernetes analyzer checks credentialName against them.
  const credentials = dir && kube.secrets.length === 0 ? readCredentialFolder(path.join(dir, CREDENTIAL_DEFAULTS.folderName), Date.now()) : undefined;
  messages.push(...analyze(rest, { ...(registry ? { registry } : {}), ...(credentials ? { credentials } : {}) }));
  if (kubeCount > 0) messages.push(...analyzeKubernetes(kube, { istio: rest }));
  return printReport('analyze', messages, loaded.docs.length, loaded.files, output === 'json');
}

/** The workloads file of a `weft up` folder (workloads.yaml or .yml), when `dir` is one. */
function weftUpFolder(dir: string): { dir: string; workloadsFile: string } | undefined {
  for (const name of ['workloads.yaml', 'workloads.yml']) {
    const f = path.join(dir, name);
    if (fs.existsSync(f) && fs.statSync(dir).isDirectory()) return { dir, workloadsFile: f };
  }
  return undefined;
}

/**
 * The registry of Kubernetes objects given as files: each Service with the
 * pods (Pods, and Deployments' pod templates) its selector picks, as the
 * EndpointSlice controller would list them, then Istio's conversion
 * (src/kube/kube-registry.ts). Pods without an IP get a placeholder address:
 * analysis needs their labels, not where they run.
 */
function kubeFileRegistry(kube: KubeInputs): AnalysisRegistry {
  const pods = podsOf(kube);
  const podObjects: KubeObject[] = pods.map((p) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: p.name, namespace: p.namespace, labels: p.labels }, spec: p.source.obj.kind === 'Pod' ? p.source.obj.spec : ((p.source.obj.spec as { template?: { spec?: unknown } }).template?.spec ?? {}) }));
  const slices: KubeObject[] = [];
  for (const s of kube.services) {
    const ns = s.obj.metadata.namespace || 'default';
    const spec = (s.obj.spec ?? {}) as { selector?: Record<string, string>; ports?: { name?: string; port?: number; targetPort?: number | string }[] };
    if (!spec.selector || Object.keys(spec.selector).length === 0) continue;
    const picked = pods.filter((p) => p.namespace === ns && Object.entries(spec.selector!).every(([k, v]) => p.labels[k] === v));
    const ports = (spec.ports ?? []).map((p) => ({ name: p.name ?? '', port: typeof p.targetPort === 'number' ? p.targetPort : p.port ?? 0 }));
    slices.push({
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
      metadata: { name: `${s.obj.metadata.name}-files`, namespace: ns, labels: { 'kubernetes.io/service-name': s.obj.metadata.name } },
      ports,
      endpoints: picked.map((p, i) => {
        const ip = (p.source.obj.status as { podIP?: string } | undefined)?.podIP;
        return { addresses: [ip ?? `0.0.0.${i + 1}`], conditions: { ready: true }, targetRef: { kind: 'Pod', name: p.name, namespace: ns } };
      }),
    });
  }
  const services = kube.services.map((s) => s.obj as unknown as KubeObject);
  const contents = buildKubeRegistry({ services, endpointSlices: slices, pods: podObjects, nodes: [] });
  return new StaticRegistry([...contents.services], [...contents.endpoints.values()].flat());
}
