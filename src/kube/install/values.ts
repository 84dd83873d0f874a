// The install values: the seed's helm values keys (sidecarInjectorWebhook,
// galley, mixer, pilot, security, grafana, prometheus, kiali, tracing, …)
// over a profile (Istio's default, minimal, demo), decoded at one boundary.
// Unknown keys are refused by name with their path, never ignored; keys
// weft cannot honour yet are refused with the reason.
import { parseDocument } from 'yaml';
import { isRecord } from '../inject/kube-types.js';

export const PROFILES = ['default', 'minimal', 'demo'] as const;
export type Profile = (typeof PROFILES)[number];

type Kind = 'bool' | 'string' | 'int' | { enum: readonly string[] };

interface KeySpec {
  kind: Kind;
  /** What the key turns on or off in weft (docs/kubernetes.md shows this table). */
  meaning: string;
  /** A value weft cannot honour yet, and why. */
  refuse?: { value: unknown; reason: string };
}

/** Every key weft accepts, by dotted path. */
export const VALUE_KEYS: Readonly<Record<string, KeySpec>> = {
  'global.hub': { kind: 'string', meaning: 'image registry of weft\'s image (image = <hub>/weft:<tag>; empty: the local image weft:<tag>)' },
  'global.tag': { kind: 'string', meaning: 'image tag (default: weft\'s version)' },
  'global.proxy.holdApplicationUntilProxyStarts': { kind: 'bool', meaning: 'mesh-wide ProxyConfig holdApplicationUntilProxyStarts for injected pods' },
  'global.proxy.nativeSidecars': { kind: { enum: ['auto', 'enabled', 'disabled'] }, meaning: 'native sidecars (init container with restartPolicy: Always); auto: from Kubernetes 1.29' },
  'meshConfig.trustDomain': { kind: 'string', meaning: 'SPIFFE trust domain of workload identities' },
  'pilot.enabled': { kind: 'bool', meaning: 'the control plane (Deployment istiod: xDS on 15010); everything below but the add-ons runs in it' },
  'pilot.replicaCount': { kind: 'int', meaning: 'control plane replicas' },
  'security.enabled': { kind: 'bool', meaning: 'the CA (Citadel): certificate API on 15012, root in Secret cacerts; sidecars get workload certificates (mTLS)' },
  'sidecarInjectorWebhook.enabled': { kind: 'bool', meaning: 'the sidecar injector (MutatingWebhookConfiguration istio-sidecar-injector → istiod:443/inject)' },
  'galley.enabled': { kind: 'bool', meaning: 'config validation at kubectl apply (ValidatingWebhookConfiguration istio-validator-istio-system → istiod:443/validate)' },
  'mixer.policy.enabled': { kind: 'bool', meaning: 'nothing to install: AuthorizationPolicy and rate limits are enforced in the proxy (modern Istio\'s design); accepted for the seed\'s values files' },
  'mixer.telemetry.enabled': { kind: 'bool', meaning: 'Istio\'s standard metrics scraped from sidecars: injected pods carry prometheus.io annotations for the merged metrics on 15020' },
  'nodeagent.enabled': { kind: 'bool', meaning: 'nothing to install: weft\'s node agent runs inside every sidecar (SDS over a local socket)' },
  'gateways.enabled': { kind: 'bool', meaning: 'ingress/egress gateway Deployments', refuse: { value: true, reason: 'gateway Deployments are not installed by weft yet (run `weft proxy` with a Gateway bootstrap yourself)' } },
  'certmanager.enabled': { kind: 'bool', meaning: 'cert-manager', refuse: { value: true, reason: 'weft does not install cert-manager; Gateway credentialName Secrets can come from any issuer' } },
  'prometheus.enabled': { kind: 'bool', meaning: 'add-on: Prometheus (Deployment prometheus, :9090) scraping pods by their prometheus.io annotations' },
  'grafana.enabled': { kind: 'bool', meaning: 'add-on: Grafana (:3000) with Prometheus as its data source' },
  'grafana.security.enabled': { kind: 'bool', meaning: 'Grafana login from Secret grafana (username, passphrase) as the seed creates it; false: anonymous access' },
  'kiali.enabled': { kind: 'bool', meaning: 'add-on: Kiali (:20001) reading Prometheus' },
  'tracing.enabled': { kind: 'bool', meaning: 'add-on: Jaeger all-in-one (Services tracing :80 and zipkin :9411); mesh config enableTracing with the Zipkin address' },
};

export interface InstallValues {
  hub: string;
  tag: string;
  holdApplicationUntilProxyStarts: boolean;
  nativeSidecars: 'auto' | 'enabled' | 'disabled';
  trustDomain: string;
  pilot: boolean;
  replicaCount: number;
  security: boolean;
  injector: boolean;
  validation: boolean;
  telemetry: boolean;
  prometheus: boolean;
  grafana: boolean;
  grafanaSecurity: boolean;
  kiali: boolean;
  tracing: boolean;
  /** Accepted keys with nothing to install, reported as notes. */
  notes: string[];
}

/** Each profile's values, as Istio's profiles choose them (gateways aside: weft does not install them yet). */
export const PROFILE_VALUES: Readonly<Record<Profile, Readonly<Record<string, unknown>>>> = {
  // Only the control plane distributing config: no CA, no injector, no validation, no add-ons.
  minimal: { 'pilot.enabled': true, 'security.enabled': false, 'sidecarInjectorWebhook.enabled': false, 'galley.enabled': false, 'mixer.telemetry.enabled': false, 'prometheus.enabled': false },
  // Istio's default: control plane with CA, injector and validation, telemetry scraped by Prometheus.
  default: { 'pilot.enabled': true, 'security.enabled': true, 'sidecarInjectorWebhook.enabled': true, 'galley.enabled': true, 'mixer.telemetry.enabled': true, 'prometheus.enabled': true },
  // Everything, for trying the mesh out: add-ons too.
  demo: { 'pilot.enabled': true, 'security.enabled': true, 'sidecarInjectorWebhook.enabled': true, 'galley.enabled': true, 'mixer.telemetry.enabled': true, 'mixer.policy.enabled': true, 'prometheus.enabled': true, 'grafana.enabled': true, 'kiali.enabled': true, 'tracing.enabled': true },
};

export interface ValuesProblem {
  /** The dotted key path, e.g. mixer.telemetry.enabled. */
  readonly path: string;
  readonly message: string;
}

function flatten(v: unknown, prefix: string, out: Map<string, unknown>, problems: ValuesProblem[]): void {
  if (!isRecord(v)) {
    if (prefix) out.set(prefix, v);
    return;
  }
  for (const [k, x] of Object.entries(v)) {
    const p = prefix ? `${prefix}.${k}` : k;
    const isBranch = Object.keys(VALUE_KEYS).some((key) => key.startsWith(`${p}.`));
    if (isRecord(x) && isBranch) flatten(x, p, out, problems);
    else if (isBranch && !(p in VALUE_KEYS)) problems.push({ path: p, message: `must be a map (of ${Object.keys(VALUE_KEYS).filter((key) => key.startsWith(`${p}.`)).map((key) => key.slice(p.length + 1)).join(', ')})` });
    else out.set(p, x);
  }
}

function closest(path: string): string | undefined {
  const fold = (s: string): string => s.toLowerCase().replace(/[_-]/g, '');
  return Object.keys(VALUE_KEYS).find((k) => fold(k) === fold(path)) ?? Object.keys(VALUE_KEYS).find((k) => k.split('.')[0] === path.split('.')[0]);
}

/** Parses a values file's text (YAML or JSON); every problem at once. */
export function parseValuesText(text: string): { values: Record<string, unknown>; problems: ValuesProblem[] } {
  const doc = parseDocument(text);
  if (doc.errors.length) return { values: {}, problems: doc.errors.map((e) => ({ path: '', message: e.message.split('\n')[0]! })) };
  const v: unknown = doc.toJS();
  if (v === null || v === undefined) return { values: {}, problems: [] };
  if (!isRecord(v)) return { values: {}, problems: [{ path: '', message: 'a values file must be a map' }] };
  return { values: v, problems: [] };
}

/**
 * The profile's values overlaid with the user's (a values file, then
 * --set path=value pairs), checked key by key.
 */
export function decodeInstallValues(profile: Profile, userValues: Record<string, unknown>, sets: ReadonlyMap<string, unknown> = new Map()): { values?: InstallValues; problems: ValuesProblem[] } {
  const problems: ValuesProblem[] = [];
  const flat = new Map<string, unknown>(Object.entries(PROFILE_VALUES[profile]));
  const given = new Map<string, unknown>();
  flatten(userValues, '', given, problems);
  for (const [k, v] of sets) given.set(k, v);
  for (const [path, v] of given) {
    const spec = VALUE_KEYS[path];
    if (!spec) {
      const near = closest(path);
      problems.push({ path, message: `unknown key${near ? ` (did you mean ${near}?)` : ''}; weft accepts: ${Object.keys(VALUE_KEYS).join(', ')}` });
      continue;
    }
    if (v === null || v === undefined) continue;
    const k = spec.kind;
    const ok = k === 'bool' ? typeof v === 'boolean' : k === 'string' ? typeof v === 'string' : k === 'int' ? Number.isInteger(v) && (v as number) >= 1 : typeof v === 'string' && k.enum.includes(v);
    if (!ok) {
      problems.push({ path, message: `must be ${k === 'bool' ? 'true or false' : k === 'string' ? 'a string' : k === 'int' ? 'a positive integer' : `one of ${k.enum.join(', ')}`}, got ${JSON.stringify(v)}` });
      continue;
    }
    if (spec.refuse && spec.refuse.value === v) {
      problems.push({ path, message: `${JSON.stringify(v)} is not supported: ${spec.refuse.reason}` });
      continue;
    }
    flat.set(path, v);
  }
  const b = (p: string): boolean => flat.get(p) === true;
  const values: InstallValues = {
    hub: (flat.get('global.hub') as string | undefined) ?? '',
    tag: (flat.get('global.tag') as string | undefined) ?? '',
    holdApplicationUntilProxyStarts: b('global.proxy.holdApplicationUntilProxyStarts'),
    nativeSidecars: (flat.get('global.proxy.nativeSidecars') as InstallValues['nativeSidecars'] | undefined) ?? 'auto',
    trustDomain: (flat.get('meshConfig.trustDomain') as string | undefined) ?? 'cluster.local',
    pilot: b('pilot.enabled'),
    replicaCount: (flat.get('pilot.replicaCount') as number | undefined) ?? 1,
    security: b('security.enabled'),
    injector: b('sidecarInjectorWebhook.enabled'),
    validation: b('galley.enabled'),
    telemetry: b('mixer.telemetry.enabled'),
    prometheus: b('prometheus.enabled'),
    grafana: b('grafana.enabled'),
    grafanaSecurity: b('grafana.security.enabled'),
    kiali: b('kiali.enabled'),
    tracing: b('tracing.enabled'),
    notes: [],
  };
  if (!values.pilot) {
    for (const [p, on] of [['security.enabled', values.security], ['sidecarInjectorWebhook.enabled', values.injector], ['galley.enabled', values.validation]] as const) {
      if (on) problems.push({ path: p, message: 'needs pilot.enabled: true (weft serves it from the control plane process)' });
    }
  }
  for (const [p, on] of [['grafana.enabled', values.grafana], ['kiali.enabled', values.kiali]] as const) {
    if (on && !values.prometheus) problems.push({ path: p, message: 'needs prometheus.enabled: true (it reads the mesh\'s metrics from Prometheus)' });
  }
  if (b('mixer.policy.enabled')) values.notes.push(`mixer.policy.enabled: ${VALUE_KEYS['mixer.policy.enabled']!.meaning}`);
  if (b('nodeagent.enabled')) values.notes.push(`nodeagent.enabled: ${VALUE_KEYS['nodeagent.enabled']!.meaning}`);
  return problems.length ? { problems } : { values, problems };
}

/** `--set a.b=c`: true/false and integers typed as YAML would. */
export function parseSet(text: string): { path: string; value: unknown } | undefined {
  const i = text.indexOf('=');
  if (i <= 0) return undefined;
  const raw = text.slice(i + 1);
  const value = raw === 'true' ? true : raw === 'false' ? false : /^\d+$/.test(raw) ? Number(raw) : raw;
  return { path: text.slice(0, i), value };
}
