// Istio's pod annotations that change the injected sidecar, decoded at one
// boundary into InjectionSettings. Every bad value is reported at once with
// its annotation as the path; the caller decides what a problem means (the
// webhook admits the pod unmodified with the reasons as warnings).
import net from 'node:net';
import { parse as parseYaml } from 'yaml';
import { isRecord, type Pod } from './kube-types.js';

export const ANNOTATIONS = {
  inject: 'sidecar.istio.io/inject',
  status: 'sidecar.istio.io/status',
  proxyCpu: 'sidecar.istio.io/proxyCPU',
  proxyMemory: 'sidecar.istio.io/proxyMemory',
  proxyCpuLimit: 'sidecar.istio.io/proxyCPULimit',
  proxyMemoryLimit: 'sidecar.istio.io/proxyMemoryLimit',
  proxyImage: 'sidecar.istio.io/proxyImage',
  nativeSidecar: 'sidecar.istio.io/nativeSidecar',
  rewriteAppHttpProbers: 'sidecar.istio.io/rewriteAppHTTPProbers',
  interceptionMode: 'sidecar.istio.io/interceptionMode',
  proxyConfig: 'proxy.istio.io/config',
  includeOutboundIpRanges: 'traffic.sidecar.istio.io/includeOutboundIPRanges',
  excludeOutboundIpRanges: 'traffic.sidecar.istio.io/excludeOutboundIPRanges',
  includeInboundPorts: 'traffic.sidecar.istio.io/includeInboundPorts',
  excludeInboundPorts: 'traffic.sidecar.istio.io/excludeInboundPorts',
  excludeOutboundPorts: 'traffic.sidecar.istio.io/excludeOutboundPorts',
  includeOutboundPorts: 'traffic.sidecar.istio.io/includeOutboundPorts',
} as const;

/** Labels Istio reads and writes on injected pods. */
export const LABELS = {
  injection: 'istio-injection',
  revision: 'istio.io/rev',
  inject: 'sidecar.istio.io/inject',
  tlsMode: 'security.istio.io/tlsMode',
  canonicalName: 'service.istio.io/canonical-name',
  canonicalRevision: 'service.istio.io/canonical-revision',
} as const;

/**
 * The ProxyConfig fields weft's sidecar reads from `proxy.istio.io/config`
 * (the rest of Istio's ProxyConfig is refused by name, not ignored).
 */
const PROXY_CONFIG_FIELDS: Record<string, 'bool' | 'int' | 'duration' | 'string-map' | 'string' | 'object'> = {
  holdApplicationUntilProxyStarts: 'bool',
  concurrency: 'int',
  drainDuration: 'duration',
  terminationDrainDuration: 'duration',
  proxyMetadata: 'string-map',
  discoveryAddress: 'string',
  tracing: 'object',
  proxyStatsMatcher: 'object',
};

export interface InjectionSettings {
  cpu?: string;
  memory?: string;
  cpuLimit?: string;
  memoryLimit?: string;
  image?: string;
  /** undefined: the cluster-wide switch decides. */
  nativeSidecar?: boolean;
  rewriteAppProbes: boolean;
  /** ProxyConfig from the annotation (validated fields only). */
  proxyConfig: Record<string, unknown>;
  holdApplicationUntilProxyStarts?: boolean;
  includeOutboundIpRanges: string;
  excludeOutboundIpRanges: string;
  includeInboundPorts: string;
  /** The user's excluded inbound ports (the sidecar's own are added when the init container is built). */
  excludeInboundPorts: number[];
  excludeOutboundPorts: number[];
  includeOutboundPorts: number[];
}

export interface AnnotationProblem {
  /** `metadata.annotations['<name>']` */
  readonly path: string;
  readonly message: string;
}

const annotationPath = (name: string): string => `metadata.annotations['${name}']`;

/** Kubernetes' resource.Quantity syntax. */
const QUANTITY = /^[+]?(\d+(\.\d*)?|\.\d+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+)?$/;

/** Istio's truthy and falsy spellings of sidecar.istio.io/inject. */
export function parseInjectValue(v: string): boolean | undefined {
  const s = v.trim().toLowerCase();
  if (['y', 'yes', 'true', 'on', 'enabled'].includes(s)) return true;
  if (['n', 'no', 'false', 'off', 'disabled'].includes(s)) return false;
  return undefined;
}

function parsePorts(v: string, name: string, problems: AnnotationProblem[]): number[] {
  const out: number[] = [];
  for (const raw of v.split(',')) {
    const s = raw.trim();
    if (s === '') continue;
    const n = /^\d+$/.test(s) ? Number(s) : NaN;
    if (!(n >= 1 && n <= 65535)) problems.push({ path: annotationPath(name), message: `"${s}" is not a port number (1-65535)` });
    else out.push(n);
  }
  return out;
}

/** "*" or a comma-separated list of CIDRs (Istio also accepts an empty string). */
function checkCidrs(v: string, name: string, allowStar: boolean, problems: AnnotationProblem[]): string {
  const t = v.trim();
  if (t === '' || (allowStar && t === '*')) return t;
  const parts = t.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const p of parts) {
    const [ip, bits, extra] = p.split('/');
    const family = net.isIP(ip ?? '');
    const ok = family === 4 && extra === undefined && bits !== undefined && /^\d+$/.test(bits) && Number(bits) <= 32;
    // weft's capture (weft iptables) writes IPv4 rules only: an IPv6 range would fail the init container.
    if (family === 6) problems.push({ path: annotationPath(name), message: `"${p}" is an IPv6 range; weft captures IPv4 only` });
    else if (!ok) problems.push({ path: annotationPath(name), message: `"${p}" is not a CIDR (address/prefix-length, e.g. 10.0.0.0/8)${allowStar ? ' or "*"' : ''}` });
  }
  return parts.join(',');
}

function decodeProxyConfig(text: string, problems: AnnotationProblem[]): Record<string, unknown> {
  const path = annotationPath(ANNOTATIONS.proxyConfig);
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    problems.push({ path, message: `not YAML or JSON: ${(err as Error).message.split('\n')[0]}` });
    return {};
  }
  if (doc === null || doc === undefined) return {};
  if (!isRecord(doc)) {
    problems.push({ path, message: 'must be a ProxyConfig object (YAML or JSON)' });
    return {};
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc)) {
    const kind = PROXY_CONFIG_FIELDS[k];
    const at = `${path}.${k}`;
    if (!kind) {
      problems.push({ path: at, message: `ProxyConfig field "${k}" is not supported by weft's sidecar (supported: ${Object.keys(PROXY_CONFIG_FIELDS).join(', ')})` });
      continue;
    }
    const bad = (what: string): void => void problems.push({ path: at, message: `must be ${what}, got ${JSON.stringify(v)}` });
    if (kind === 'bool' && typeof v !== 'boolean') bad('true or false');
    else if (kind === 'int' && !(typeof v === 'number' && Number.isInteger(v) && v >= 0)) bad('a non-negative integer');
    else if (kind === 'duration' && !(typeof v === 'string' && /^\d+(\.\d+)?(ms|s|m|h)$/.test(v))) bad('a duration such as "5s"');
    else if (kind === 'string' && typeof v !== 'string') bad('a string');
    else if (kind === 'object' && !isRecord(v)) bad('an object');
    else if (kind === 'string-map' && !(isRecord(v) && Object.values(v).every((x) => typeof x === 'string'))) bad('a map of strings');
    else out[k] = v;
  }
  return out;
}

/** Decodes the pod's injection annotations; `problems` is empty when all are valid. */
export function decodeInjectionSettings(pod: Pod): { settings: InjectionSettings; problems: AnnotationProblem[] } {
  const a = pod.metadata?.annotations ?? {};
  const problems: AnnotationProblem[] = [];
  const get = (name: string): string | undefined => (typeof a[name] === 'string' ? a[name] : undefined);
  const settings: InjectionSettings = {
    rewriteAppProbes: true,
    proxyConfig: {},
    includeOutboundIpRanges: '*',
    excludeOutboundIpRanges: '',
    includeInboundPorts: '*',
    excludeInboundPorts: [],
    excludeOutboundPorts: [],
    includeOutboundPorts: [],
  };
  const quantity = (name: string, key: 'cpu' | 'memory' | 'cpuLimit' | 'memoryLimit'): void => {
    const v = get(name);
    if (v === undefined) return;
    if (!QUANTITY.test(v.trim())) problems.push({ path: annotationPath(name), message: `"${v}" is not a Kubernetes quantity (e.g. 100m, 0.5, 128Mi, 1Gi)` });
    else settings[key] = v.trim();
  };
  quantity(ANNOTATIONS.proxyCpu, 'cpu');
  quantity(ANNOTATIONS.proxyMemory, 'memory');
  quantity(ANNOTATIONS.proxyCpuLimit, 'cpuLimit');
  quantity(ANNOTATIONS.proxyMemoryLimit, 'memoryLimit');
  const image = get(ANNOTATIONS.proxyImage);
  if (image !== undefined) {
    if (image.trim() === '' || /\s/.test(image.trim())) problems.push({ path: annotationPath(ANNOTATIONS.proxyImage), message: `"${image}" is not an image reference` });
    else settings.image = image.trim();
  }
  const bool = (name: string): boolean | undefined => {
    const v = get(name);
    if (v === undefined) return undefined;
    if (v === 'true' || v === 'false') return v === 'true';
    problems.push({ path: annotationPath(name), message: `must be "true" or "false", got "${v}"` });
    return undefined;
  };
  const native = bool(ANNOTATIONS.nativeSidecar);
  if (native !== undefined) settings.nativeSidecar = native;
  const rewrite = bool(ANNOTATIONS.rewriteAppHttpProbers);
  if (rewrite !== undefined) settings.rewriteAppProbes = rewrite;
  const mode = get(ANNOTATIONS.interceptionMode);
  if (mode !== undefined && mode !== 'REDIRECT') {
    problems.push({ path: annotationPath(ANNOTATIONS.interceptionMode), message: mode === 'TPROXY' || mode === 'NONE' ? `interception mode ${mode} is not supported by weft's capture yet (REDIRECT only)` : `"${mode}" is not one of REDIRECT, TPROXY, NONE` });
  }
  const pc = get(ANNOTATIONS.proxyConfig);
  if (pc !== undefined) {
    settings.proxyConfig = decodeProxyConfig(pc, problems);
    if (typeof settings.proxyConfig.holdApplicationUntilProxyStarts === 'boolean') settings.holdApplicationUntilProxyStarts = settings.proxyConfig.holdApplicationUntilProxyStarts;
  }
  const inc = get(ANNOTATIONS.includeOutboundIpRanges);
  if (inc !== undefined) settings.includeOutboundIpRanges = checkCidrs(inc, ANNOTATIONS.includeOutboundIpRanges, true, problems);
  const exc = get(ANNOTATIONS.excludeOutboundIpRanges);
  if (exc !== undefined) settings.excludeOutboundIpRanges = checkCidrs(exc, ANNOTATIONS.excludeOutboundIpRanges, false, problems);
  const incIn = get(ANNOTATIONS.includeInboundPorts);
  if (incIn !== undefined) settings.includeInboundPorts = incIn.trim() === '*' ? '*' : parsePorts(incIn, ANNOTATIONS.includeInboundPorts, problems).join(',');
  const ports = (name: string): number[] => {
    const v = get(name);
    return v === undefined ? [] : parsePorts(v, name, problems);
  };
  settings.excludeInboundPorts = ports(ANNOTATIONS.excludeInboundPorts);
  settings.excludeOutboundPorts = ports(ANNOTATIONS.excludeOutboundPorts);
  settings.includeOutboundPorts = ports(ANNOTATIONS.includeOutboundPorts);
  return { settings, problems };
}
