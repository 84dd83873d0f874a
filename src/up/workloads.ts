// The workloads file of `weft up`: which processes make up the local mesh,
// what service each belongs to, and how to start it. Validated with every
// error at once and its field path, like every other config in weft.
import fs from 'node:fs';
import { ConfigErrors, joinPath } from '../common/errors.js';
import { parseConfigText } from '../proxy/config/bootstrap.js';
import { MERGED_METRICS_DEFAULTS } from '../proxy/merged-metrics/defaults.js';

export interface WorkloadPort {
  name: string;
  port: number;
  /** Istio port protocol: HTTP (default), HTTP2, GRPC, TCP. */
  protocol: string;
}

export interface Workload {
  name: string;
  namespace: string;
  serviceAccount: string;
  labels: Record<string, string>;
  /** Service name; the host is `<service>.<namespace>.svc.cluster.local`. */
  service: string;
  ports: WorkloadPort[];
  /** argv; run from the folder given by `cwd` (default: the current directory). */
  command: string[];
  env: Record<string, string>;
  cwd?: string;
  /**
   * Where the app serves its own Prometheus metrics (Istio's
   * `prometheus.io/port` and `prometheus.io/path` pod annotations): `port` is
   * one of the workload's ports (the app serves it on that port's PORT), and
   * the sidecar's merged endpoint appends what the app serves there.
   */
  metrics?: WorkloadMetrics;
}

export interface WorkloadMetrics {
  port: number;
  /** Default /metrics (Prometheus's default path). */
  path: string;
}

const PROTOCOLS = ['HTTP', 'HTTP2', 'GRPC', 'TCP'];
/** An app's metrics path when `metrics.path` is unset: Prometheus's default, as Istio's merged endpoint assumes without `prometheus.io/path`. */
const METRICS_DEFAULT_PATH = MERGED_METRICS_DEFAULTS.appPath;
const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The fields each object of the file may have: anything else is an error with its path (a typo never becomes a default). */
const FIELDS = {
  file: ['config', 'expose', 'workloads'],
  expose: ['service', 'namespace', 'port', 'hostPort', 'path'],
  workload: ['name', 'namespace', 'serviceAccount', 'labels', 'service', 'ports', 'command', 'env', 'cwd', 'metrics'],
  port: ['name', 'port', 'protocol'],
  metrics: ['port', 'path'],
} as const;

/** Reports every key of `o` not in `allowed` at `<path>.<key>`. */
function checkFields(o: Record<string, unknown>, allowed: readonly string[], path: string, errs: ConfigErrors): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) errs.error(joinPath(path, k), `unknown field "${k}" (expected one of ${allowed.join(', ')})`);
}

/** A list's entry must be a map; returns it, or reports and returns undefined. */
function entryObject(v: unknown, path: string, errs: ConfigErrors): Record<string, unknown> | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) {
    errs.error(path, 'must be a map');
    return undefined;
  }
  return v as Record<string, unknown>;
}

/** A host port that reaches a service through its sidecar (like an ingress). */
export interface Expose {
  service: string;
  namespace: string;
  port: number;
  /** 0 = any free port. */
  hostPort: number;
  /** Path shown in the printed URL (default "/"). */
  path: string;
}

export interface WorkloadsFile {
  /** Folder of Istio YAML, relative to the workloads file (default "config"). */
  config: string;
  expose: Expose[];
  workloads: Workload[];
}

export function loadWorkloadsFile(file: string, errs: ConfigErrors): WorkloadsFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    errs.error('', `cannot read ${file}: ${(e as Error).message}`);
    return { config: 'config', expose: [], workloads: [] };
  }
  const doc = parseConfigText(text, errs);
  const o = (doc && typeof doc === 'object' ? doc : {}) as Record<string, unknown>;
  checkFields(o, FIELDS.file, '', errs);
  const workloads = parseWorkloads(doc, errs);
  const config = o.config === undefined ? 'config' : typeof o.config === 'string' ? o.config : (errs.error('config', 'must be a folder name'), 'config');
  const expose: Expose[] = [];
  if (o.expose !== undefined) {
    if (!Array.isArray(o.expose)) errs.error('expose', 'must be a list');
    else o.expose.forEach((e, i) => {
      const p = joinPath('expose', i);
      const x = entryObject(e, p, errs);
      if (!x) return;
      checkFields(x, FIELDS.expose, p, errs);
      if (x.service === undefined) errs.error(joinPath(p, 'service'), 'required');
      if (x.port === undefined) errs.error(joinPath(p, 'port'), 'required');
      const service = typeof x.service === 'string' ? x.service : '';
      const namespace = typeof x.namespace === 'string' ? x.namespace : 'default';
      const port = Number(x.port);
      const hostPort = x.hostPort === undefined ? 0 : Number(x.hostPort);
      const urlPath = typeof x.path === 'string' && x.path.startsWith('/') ? x.path : '/';
      if (x.path !== undefined && urlPath !== x.path) errs.error(joinPath(p, 'path'), 'must start with "/"');
      const svc = workloads.find((w) => w.service === service && w.namespace === namespace);
      if (!svc) {
        if (x.service !== undefined) errs.error(joinPath(p, 'service'), `no workload serves "${service}" in namespace ${namespace}`);
      }
      else if (!svc.ports.some((q) => q.port === port)) errs.error(joinPath(p, 'port'), `service ${service} has no port ${String(x.port)}`);
      if (!Number.isInteger(hostPort) || hostPort < 0 || hostPort > 65535) errs.error(joinPath(p, 'hostPort'), 'must be a port number (0 = any free port)');
      expose.push({ service, namespace, port, hostPort, path: urlPath });
    });
  }
  return { config, expose, workloads };
}

export function parseWorkloads(doc: unknown, errs: ConfigErrors): Workload[] {
  if (!doc || typeof doc !== 'object' || !Array.isArray((doc as { workloads?: unknown }).workloads)) {
    errs.error('workloads', 'a list of workloads is required');
    return [];
  }
  const out: Workload[] = [];
  const names = new Set<string>();
  ((doc as { workloads: unknown[] }).workloads).forEach((w, i) => {
    const p = joinPath('workloads', i);
    const o = entryObject(w, p, errs);
    if (!o) return;
    checkFields(o, FIELDS.workload, p, errs);
    const str = (k: string, dflt?: string): string => {
      const v = o[k];
      if (v === undefined && dflt !== undefined) return dflt;
      if (typeof v !== 'string' || !v) {
        errs.error(joinPath(p, k), 'a non-empty string is required');
        return '';
      }
      return v;
    };
    const name = str('name');
    if (name && !NAME.test(name)) errs.error(joinPath(p, 'name'), 'must be a DNS label (lower case, digits, "-")');
    if (names.has(name)) errs.error(joinPath(p, 'name'), `duplicate workload "${name}"`);
    names.add(name);
    const namespace = str('namespace', 'default');
    const service = str('service', name);
    if (service && !NAME.test(service)) errs.error(joinPath(p, 'service'), 'must be a DNS label');
    const strMap = (k: string): Record<string, string> => {
      const v = o[k];
      if (v === undefined || v === null) return {};
      if (typeof v !== 'object' || Array.isArray(v)) {
        errs.error(joinPath(p, k), 'must be a map of strings');
        return {};
      }
      const m: Record<string, string> = {};
      for (const [kk, vv] of Object.entries(v)) {
        if (typeof vv !== 'string' && typeof vv !== 'number' && typeof vv !== 'boolean') errs.error(joinPath(joinPath(p, k), kk), 'must be a string');
        else m[kk] = String(vv);
      }
      return m;
    };
    const ports: WorkloadPort[] = [];
    if (!Array.isArray(o.ports) || o.ports.length === 0) errs.error(joinPath(p, 'ports'), 'at least one port is required');
    else {
      o.ports.forEach((pt, j) => {
        const pp = joinPath(joinPath(p, 'ports'), j);
        const q = entryObject(pt, pp, errs);
        if (!q) return;
        checkFields(q, FIELDS.port, pp, errs);
        if (q.name !== undefined && (typeof q.name !== 'string' || q.name === '')) errs.error(joinPath(pp, 'name'), 'must be a non-empty string');
        const port = q.port;
        if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) errs.error(joinPath(pp, 'port'), 'a port number 1-65535 is required');
        const protocol = String(q.protocol ?? 'HTTP').toUpperCase();
        if (!PROTOCOLS.includes(protocol)) errs.error(joinPath(pp, 'protocol'), `unsupported protocol "${String(q.protocol)}" (${PROTOCOLS.join(', ')})`);
        ports.push({ name: typeof q.name === 'string' ? q.name : `${protocol.toLowerCase()}-${String(port)}`, port: Number(port), protocol });
      });
    }
    const metrics = o.metrics === undefined ? undefined : parseMetrics(o.metrics, ports, joinPath(p, 'metrics'), errs);
    const command = o.command;
    if (!Array.isArray(command) || command.length === 0 || command.some((c) => typeof c !== 'string')) errs.error(joinPath(p, 'command'), 'a non-empty list of strings is required');
    out.push({
      name,
      namespace,
      serviceAccount: str('serviceAccount', 'default'),
      labels: strMap('labels'),
      service,
      ports,
      command: Array.isArray(command) ? (command as string[]) : [],
      env: strMap('env'),
      ...(typeof o.cwd === 'string' ? { cwd: o.cwd } : {}),
      ...(metrics ? { metrics } : {}),
    });
    if (o.cwd !== undefined && (typeof o.cwd !== 'string' || o.cwd === '')) errs.error(joinPath(p, 'cwd'), 'must be a non-empty string (a folder relative to DIR)');
  });
  // One service, one set of ports: workloads of a service must agree.
  const byService = new Map<string, Workload>();
  out.forEach((w, i) => {
    const key = `${w.service}.${w.namespace}`;
    const first = byService.get(key);
    if (!first) byService.set(key, w);
    else if (JSON.stringify(first.ports.map((p) => [p.port, p.protocol])) !== JSON.stringify(w.ports.map((p) => [p.port, p.protocol]))) {
      errs.error(joinPath(joinPath('workloads', i), 'ports'), `workloads of service ${key} must declare the same ports as "${first.name}"`);
    }
  });
  return out;
}

/** A workload's `metrics`: its port must be one of the workload's ports (the app's metrics are read on that port's app port). */
function parseMetrics(v: unknown, ports: readonly WorkloadPort[], p: string, errs: ConfigErrors): WorkloadMetrics | undefined {
  const m = entryObject(v, p, errs);
  if (!m) return undefined;
  checkFields(m, FIELDS.metrics, p, errs);
  const port = m.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    errs.error(joinPath(p, 'port'), 'a port number 1-65535 is required');
    return undefined;
  }
  if (ports.length > 0 && !ports.some((q) => q.port === port)) {
    errs.error(joinPath(p, 'port'), `must be one of the workload's ports (${ports.map((q) => q.port).join(', ')}): the app serves its metrics on that port`);
  }
  let path: string = METRICS_DEFAULT_PATH;
  if (m.path !== undefined) {
    if (typeof m.path !== 'string' || !m.path.startsWith('/')) errs.error(joinPath(p, 'path'), 'must be a path starting with "/"');
    else path = m.path;
  }
  return { port, path };
}
