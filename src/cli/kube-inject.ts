// weft kube-inject: adds the sidecar to the workloads of a Kubernetes
// manifest, offline (istioctl kube-inject). Output is the manifest with
// every pod template injected, ready for `kubectl apply -f -`.
// Exit code: 0 done, 1 an object could not be injected (nothing is written),
// 2 usage errors or input that is not YAML.
import fs from 'node:fs';
import { parseAllDocuments, stringify } from 'yaml';
import { defaultInjectionConfig, injectObject, parseKubeVersion, type InjectionConfig, type ManifestReport, type NativeSidecarMode } from '../kube/inject/index.js';
import { parseArgs, usage, type OptionSpec } from './args.js';

/** Injection options shared by kube-inject and the webhook (weft control). */
export const INJECTION_SPECS: OptionSpec[] = [
  { name: 'image', value: true, help: 'image of the sidecar and init container (default weft:<version>, built from the Dockerfile)' },
  { name: 'native-sidecars', value: true, help: 'auto (default: on from Kubernetes 1.29, see --kube-version), enabled or disabled; a pod\'s sidecar.istio.io/nativeSidecar annotation wins' },
  { name: 'kube-version', value: true, help: 'the cluster\'s Kubernetes version (e.g. 1.30) for --native-sidecars auto' },
  { name: 'revision', value: true, help: 'the istio.io/rev this injector serves (default "default")' },
  { name: 'discovery-address', value: true, help: 'control plane xDS/CA host:port the sidecar dials (default istiod.istio-system.svc:15012)' },
  { name: 'no-prometheus-annotations', value: false, help: 'leave the pods\' prometheus.io annotations alone (no merged metrics scraping on 15020)' },
  { name: 'hold-application-until-proxy-starts', value: false, help: 'mesh-wide ProxyConfig holdApplicationUntilProxyStarts: app containers start once the sidecar is ready' },
];

/** The injection config from INJECTION_SPECS options, or every problem with them. */
export function decodeInjectionOptions(o: Map<string, string | true>, trustDomain?: string): InjectionConfig | { errors: string[] } {
  const errors: string[] = [];
  const str = (k: string): string | undefined => (typeof o.get(k) === 'string' ? (o.get(k) as string) : undefined);
  const native = (str('native-sidecars') ?? 'auto') as NativeSidecarMode;
  if (!['auto', 'enabled', 'disabled'].includes(native)) errors.push(`--native-sidecars: "${native}" is not auto, enabled or disabled`);
  const kv = str('kube-version');
  const kubeVersion = kv === undefined ? undefined : parseKubeVersion(kv);
  if (kv !== undefined && !kubeVersion) errors.push(`--kube-version: "${kv}" is not a version such as 1.30`);
  const discovery = str('discovery-address');
  if (discovery !== undefined && !/^[^:\s]+:\d{1,5}$/.test(discovery)) errors.push(`--discovery-address: "${discovery}" is not host:port`);
  if (errors.length) return { errors };
  return defaultInjectionConfig({
    nativeSidecars: native,
    ...(kubeVersion ? { kubeVersion } : {}),
    ...(str('image') ? { image: str('image')! } : {}),
    ...(str('revision') ? { revision: str('revision')! } : {}),
    ...(discovery ? { discoveryAddress: discovery } : {}),
    ...(trustDomain ? { trustDomain } : {}),
    ...(o.has('hold-application-until-proxy-starts') ? { holdApplicationUntilProxyStarts: true } : {}),
    ...(o.has('no-prometheus-annotations') ? { prometheusMerge: false } : {}),
  });
}

const SPECS: OptionSpec[] = [
  { name: 'filename', short: 'f', value: true, help: 'manifest to inject (YAML or JSON, multi-document), or "-" for stdin' },
  { name: 'output', short: 'o', value: true, help: 'write the injected manifest to this file (default stdout)' },
  ...INJECTION_SPECS,
  { name: 'trust-domain', value: true, help: 'SPIFFE trust domain of the workload identities (default cluster.local)' },
  { name: 'help', short: 'h', value: false, help: 'show this help' },
];
const SYNOPSIS = '-f FILE|- [-o OUT] [options]';

/** Injects a manifest's text; the report says what happened to each object. */
export function injectManifestText(text: string, config: InjectionConfig): { output?: string; reports: ManifestReport[]; errors: string[] } {
  const docs = parseAllDocuments(text);
  const errors: string[] = [];
  const reports: ManifestReport[] = [];
  const out: string[] = [];
  for (const [i, d] of docs.entries()) {
    if (d.errors.length) {
      errors.push(...d.errors.map((e) => `document ${i + 1}: ${e.message.split('\n')[0]}`));
      continue;
    }
    const value: unknown = d.toJS();
    if (value === null || value === undefined) continue;
    out.push(stringify(injectObject(value, config, reports), { lineWidth: 0 }));
  }
  for (const r of reports) if (r.outcome === 'refused') errors.push(`${r.object}: not injected: ${(r.problems ?? [r.because]).join('; ')}`);
  return errors.length ? { reports, errors } : { output: out.join('---\n'), reports, errors };
}

export async function runKubeInject(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv, SPECS);
  if (typeof parsed === 'string') {
    process.stderr.write(`weft kube-inject: ${parsed}\n\n${usage('kube-inject', SPECS, SYNOPSIS)}`);
    return 2;
  }
  const o = parsed.options;
  if (o.has('help')) {
    process.stdout.write(usage('kube-inject', SPECS, SYNOPSIS));
    return 0;
  }
  const file = o.get('filename');
  if (typeof file !== 'string') {
    process.stderr.write(`weft kube-inject: -f FILE (or -f - for stdin) is required\n\n${usage('kube-inject', SPECS, SYNOPSIS)}`);
    return 2;
  }
  const config = decodeInjectionOptions(o, typeof o.get('trust-domain') === 'string' ? String(o.get('trust-domain')) : undefined);
  if ('errors' in config) {
    process.stderr.write(`weft kube-inject: options rejected:\n${config.errors.map((e) => `  ${e}\n`).join('')}`);
    return 2;
  }
  let text: string;
  try {
    text = file === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(file, 'utf8');
  } catch (err) {
    process.stderr.write(`weft kube-inject: cannot read ${file}: ${(err as Error).message}\n`);
    return 2;
  }
  const r = injectManifestText(text, config);
  for (const rep of r.reports) {
    for (const w of rep.warnings ?? []) process.stderr.write(`weft kube-inject: ${rep.object}: warning: ${w}\n`);
    if (rep.outcome === 'skipped') process.stderr.write(`weft kube-inject: ${rep.object}: not injected: ${rep.because}\n`);
  }
  if (r.output === undefined) {
    for (const e of r.errors) process.stderr.write(`weft kube-inject: ${e}\n`);
    return r.reports.length === 0 || r.errors.some((e) => e.startsWith('document ')) ? 2 : 1;
  }
  const out = o.get('output');
  if (typeof out === 'string') fs.writeFileSync(out, r.output);
  else process.stdout.write(r.output);
  return 0;
}
