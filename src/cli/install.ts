// weft install / weft uninstall: weft on Kubernetes. `--dry-run` prints the
// manifest (kubectl apply -f - can apply it); otherwise the objects are
// applied to the cluster of the current kubeconfig context.
// Exit codes: 0 done, 1 the cluster refused something, 2 usage or values errors.
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import {
  INSTALL_NAMES, PROFILES, buildInstallManifest, decodeInstallValues, openInstallCa, parseSet, parseValuesText,
  type InstallValues, type Profile, type ValuesProblem,
} from '../kube/install/index.js';
import { parseArgs, usage, type OptionSpec } from './args.js';
import { takeRepeated } from './validate.js';

const SPECS: OptionSpec[] = [
  { name: 'profile', value: true, help: `${PROFILES.join(', ')} (default "default"), as Istio's profiles` },
  { name: 'filename', short: 'f', value: true, help: 'values file (YAML) with the seed\'s helm values keys; repeatable, later files win' },
  { name: 'set', value: true, help: 'one value, e.g. --set grafana.enabled=true; repeatable, wins over files' },
  { name: 'dry-run', value: false, help: 'print the manifest instead of applying it (kubectl apply -f - takes it)' },
  { name: 'ca-dir', value: true, help: 'folder of the mesh CA (created at first use, reused after so workloads keep trusting the same root; default ./weft-ca)' },
  { name: 'kubeconfig', value: true, help: 'kubeconfig file of the cluster (default $KUBECONFIG, then ~/.kube/config; its current context)' },
  { name: 'kube-version', value: true, help: 'the cluster\'s Kubernetes version (native sidecars from 1.29); read from the cluster when not a dry run' },
  { name: 'help', short: 'h', value: false, help: 'show this help' },
];
const SYNOPSIS = '[--profile default|minimal|demo] [-f values.yaml] [--set key=value] [--dry-run] [--ca-dir DIR]';

const formatProblem = (p: ValuesProblem, where: string): string => `  ${where}${p.path ? `${p.path}: ` : ''}${p.message}`;

/** The decoded values of argv, or the exit code after printing every problem. */
export function valuesFromArgs(cmd: string, o: Map<string, string | true>, files: readonly string[], sets: readonly string[]): InstallValues | number {
  const profile = String(o.get('profile') ?? 'default') as Profile;
  if (!PROFILES.includes(profile)) {
    process.stderr.write(`weft ${cmd}: unknown --profile "${profile}" (${PROFILES.join(', ')})\n`);
    return 2;
  }
  const lines: string[] = [];
  let merged: Record<string, unknown> = {};
  const setMap = new Map<string, unknown>();
  for (const f of files) {
    let text: string;
    try {
      text = fs.readFileSync(f, 'utf8');
    } catch (err) {
      lines.push(`  ${f}: cannot read: ${(err as Error).message}`);
      continue;
    }
    const parsed = parseValuesText(text);
    lines.push(...parsed.problems.map((p) => formatProblem(p, `${f}: `)));
    // later files win key by key: flatten happens in decodeInstallValues, so merge deeply here
    merged = deepMerge(merged, parsed.values);
  }
  for (const s of sets) {
    const p = parseSet(s);
    if (!p) lines.push(`  --set ${s}: not key=value`);
    else setMap.set(p.path, p.value);
  }
  if (lines.length === 0) {
    const d = decodeInstallValues(profile, merged, setMap);
    lines.push(...d.problems.map((p) => formatProblem(p, files.length ? `${files.length === 1 ? files[0] : 'values'}: ` : '')));
    if (d.values) {
      for (const n of d.values.notes) process.stderr.write(`weft ${cmd}: note: ${n}\n`);
      return d.values;
    }
  }
  process.stderr.write(`weft ${cmd}: values rejected:\n${lines.join('\n')}\n`);
  return 2;
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = typeof prev === 'object' && prev !== null && !Array.isArray(prev) && typeof v === 'object' && v !== null && !Array.isArray(v)
      ? deepMerge(prev as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}

/** The manifest text (YAML documents) of objects. */
export function manifestText(objects: readonly object[]): string {
  return objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
}

export async function runInstall(argv: string[]): Promise<number> {
  const { values: files, rest: r1 } = takeRepeated(argv, 'filename', 'f');
  const { values: sets, rest } = takeRepeated(r1, 'set', '\u0000');
  const parsed = parseArgs(rest, SPECS.filter((s) => s.name !== 'filename' && s.name !== 'set'));
  if (typeof parsed === 'string') {
    process.stderr.write(`weft install: ${parsed}\n\n${usage('install', SPECS, SYNOPSIS)}`);
    return 2;
  }
  const o = parsed.options;
  if (o.has('help')) {
    process.stdout.write(usage('install', SPECS, SYNOPSIS));
    return 0;
  }
  if (parsed.positionals.length) {
    process.stderr.write(`weft install: unexpected argument "${parsed.positionals[0]}"\n`);
    return 2;
  }
  const values = valuesFromArgs('install', o, files, sets);
  if (typeof values === 'number') return values;
  const needsKeys = values.security || values.injector || values.validation;
  const caDir = path.resolve(String(o.get('ca-dir') ?? 'weft-ca'));
  const host = `${INSTALL_NAMES.controlPlane}.${INSTALL_NAMES.namespace}.svc`;
  let ca;
  if (needsKeys) {
    try {
      ca = openInstallCa(caDir, values.trustDomain, [host, `${INSTALL_NAMES.controlPlane}.${INSTALL_NAMES.namespace}`, `${host}.cluster.local`]);
    } catch (err) {
      process.stderr.write(`weft install: the CA in ${caDir} cannot be used: ${(err as Error).message}\n`);
      return 2;
    }
  }
  const kubeVersion = typeof o.get('kube-version') === 'string' ? String(o.get('kube-version')) : undefined;
  if (o.has('dry-run')) {
    const objects = buildInstallManifest({ values, ...(ca ? { ca } : {}), ...(kubeVersion ? { kubeVersion } : {}) });
    process.stdout.write(manifestText(objects));
    if (ca) process.stderr.write(`weft install: the manifest holds the mesh CA's private key (Secret ${INSTALL_NAMES.caSecret}) and the webhook key: keep it where you keep secrets; the CA stays in ${caDir}\n`);
    return 0;
  }
  const kubeconfig = typeof o.get('kubeconfig') === 'string' ? String(o.get('kubeconfig')) : undefined;
  return (await import('./install-apply.js')).applyInstall({ values, ...(ca ? { ca } : {}), ...(kubeVersion ? { kubeVersion } : {}) }, caDir, kubeconfig);
}

const UNINSTALL_SPECS: OptionSpec[] = [
  { name: 'purge', value: false, help: 'also delete the CRDs, and with them every VirtualService, DestinationRule, … in the cluster' },
  { name: 'dry-run', value: false, help: 'print what would be deleted' },
  { name: 'kubeconfig', value: true, help: 'kubeconfig file of the cluster (default $KUBECONFIG, then ~/.kube/config)' },
  { name: 'help', short: 'h', value: false, help: 'show this help' },
];

export async function runUninstall(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv, UNINSTALL_SPECS);
  if (typeof parsed === 'string') {
    process.stderr.write(`weft uninstall: ${parsed}\n\n${usage('uninstall', UNINSTALL_SPECS, '[--purge] [--dry-run]')}`);
    return 2;
  }
  if (parsed.options.has('help')) {
    process.stdout.write(usage('uninstall', UNINSTALL_SPECS, '[--purge] [--dry-run]'));
    return 0;
  }
  const kubeconfig = typeof parsed.options.get('kubeconfig') === 'string' ? String(parsed.options.get('kubeconfig')) : undefined;
  return (await import('./install-apply.js')).uninstall(parsed.options.has('purge'), parsed.options.has('dry-run'), kubeconfig);
}
