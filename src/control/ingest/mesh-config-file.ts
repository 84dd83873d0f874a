// `weft control --mesh-config FILE`: Istio's MeshConfig from a YAML or JSON
// file, either the bare MeshConfig (what `istioctl --meshConfigFile` reads)
// or the `istio` ConfigMap whose `data.mesh` holds it as a string. The
// fields weft knows are checked against a strict schema with Istio's field
// names; every problem is reported with its path in one pass, and a file
// with any error yields no config (the caller keeps the last good one).
// Istio fields weft does not implement are refused by name (WEFT0016).
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { validateTrustDomain } from '../ca/workload-identity.js';
import { parseDurationMs } from '../model/duration.js';
import { DEFAULT_MESH, type ExtensionProvider, type MeshConfig, type MeshDefaultTracing, type MeshTracingCustomTag } from '../model/types.js';
import { checkPort, each } from '../validation/common-checks.js';
import { childPath } from '../validation/field-path.js';
import { Reporter, type ValidationMessage } from '../validation/message.js';
import { checkNamespaceName } from '../validation/names.js';
import { bool, double, duration, enumOf, list, map, obj, str, uint32, unsupportedField, checkShape, isPlainObject, type Shape, type Field } from '../validation/schema.js';

/** What the file sets: merged over DEFAULT_MESH by the model (fields it leaves out keep their defaults). */
export type MeshConfigOverrides = Partial<MeshConfig>;

export interface MeshConfigFileResult {
  /** Absent when any message is an error. */
  readonly mesh?: MeshConfigOverrides;
  readonly messages: readonly ValidationMessage[];
}

const KEY = 'MeshConfig';
const NOT_HONOURED = (what: string) => unsupportedField(`${what} is not implemented by weft`);

// ---- extension providers: one entry per kind ----

/** One extension provider kind: its schema (Istio's field names) and how its cleaned value becomes the model's. */
export interface ProviderKind {
  readonly shape: Shape;
  /** Semantic checks on the schema-cleaned value; returns the model's provider fields. */
  decode(value: Record<string, unknown>, path: string, r: Reporter): Partial<ExtensionProvider>;
}

const SERVICE_PORT = { service: str, port: uint32, maxTagLength: uint32 };

function checkServicePort(v: Record<string, unknown>, path: string, r: Reporter): void {
  if (typeof v.service !== 'string' || v.service === '') r.report('WEFT0012', childPath(path, 'service'), 'service is required (the collector\'s host in the mesh, e.g. zipkin.istio-system.svc.cluster.local)');
  if (v.port === undefined) r.report('WEFT0012', childPath(path, 'port'), 'port is required');
  else checkPort(v.port as number, childPath(path, 'port'), r);
}

function checkPath(p: unknown, path: string, r: Reporter): void {
  if (typeof p === 'string' && p !== '' && !p.startsWith('/')) r.report('WEFT0107', path, `path "${p}" must start with "/"`);
}

const headerList = list(obj({ name: str, value: str }));

function nameValues(v: unknown): { name: string; value: string }[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.filter(isPlainObject).map((h) => ({ name: String(h.name ?? ''), value: String(h.value ?? '') }));
}

function checkNameValues(v: unknown, path: string, r: Reporter): void {
  if (!Array.isArray(v)) return;
  v.forEach((h, i) => {
    if (isPlainObject(h) && !h.name) r.report('WEFT0012', childPath(childPath(path, i), 'name'), 'header name is required');
  });
}

function durationMs(v: unknown, path: string, r: Reporter): number | undefined {
  if (typeof v !== 'string') return undefined;
  const ms = parseDurationMs(v);
  if (ms === undefined) return undefined; // the schema reported it
  if (!(ms > 0)) {
    r.report('WEFT0111', path, `timeout ${v} must be positive`);
    return undefined;
  }
  return ms;
}

/** Fields both ext authz provider kinds share (Istio's EnvoyExternalAuthorization{Http,Grpc}Provider). */
const EXT_AUTHZ_COMMON = {
  service: str, port: uint32, timeout: duration, failOpen: bool, statusOnError: str,
  includeRequestBodyInCheck: obj({ maxRequestBytes: uint32, allowPartialMessage: bool, packAsBytes: bool }),
  clearRouteCache: NOT_HONOURED('clearRouteCache'),
};

/** The shared ext authz fields, checked: service and port required, statusOnError an HTTP status. */
function extAuthzBase(v: Record<string, unknown>, path: string, r: Reporter): Record<string, unknown> {
  if (typeof v.service !== 'string' || v.service === '') r.report('WEFT0012', childPath(path, 'service'), 'service is required (the authorizer\'s host in the mesh, "[<namespace>/]<hostname>")');
  if (v.port === undefined) r.report('WEFT0012', childPath(path, 'port'), 'port is required');
  else checkPort(v.port as number, childPath(path, 'port'), r);
  if (typeof v.statusOnError === 'string' && !/^[1-5][0-9][0-9]$/.test(v.statusOnError)) r.report('WEFT0107', childPath(path, 'statusOnError'), `statusOnError "${v.statusOnError}" is not an HTTP status code`);
  if (typeof v.timeout === 'string') durationMs(v.timeout, childPath(path, 'timeout'), r);
  const out: Record<string, unknown> = { service: String(v.service ?? ''), port: Number(v.port ?? 0) };
  for (const k of ['timeout', 'failOpen', 'statusOnError'] as const) if (v[k] !== undefined) out[k] = v[k];
  if (isPlainObject(v.includeRequestBodyInCheck)) out.includeRequestBodyInCheck = v.includeRequestBodyInCheck;
  return out;
}

/**
 * The kinds weft implements. Adding one is one entry here (and its field on
 * ExtensionProvider in model/types.ts).
 */
export const PROVIDER_KINDS: Record<string, ProviderKind> = {
  prometheus: { shape: obj({}), decode: () => ({ prometheus: {} }) },
  envoyFileAccessLog: {
    shape: obj({ path: str, logFormat: obj({ text: str, labels: map(str) }, [['text', 'labels']]) }),
    decode: (v) => {
      const lf = v.logFormat as { text?: string; labels?: Record<string, string> } | undefined;
      return {
        envoyFileAccessLog: {
          ...(typeof v.path === 'string' ? { path: v.path } : {}),
          ...(lf ? { logFormat: { ...(lf.text !== undefined ? { text: lf.text } : {}), ...(lf.labels ? { labels: lf.labels } : {}) } } : {}),
        },
      };
    },
  },
  zipkin: {
    shape: obj({ ...SERVICE_PORT, path: str, enable64bitTraceId: unsupportedField('enable64bitTraceId: weft sends 128-bit trace ids (Istio\'s default)') }),
    decode: (v, path, r) => {
      checkServicePort(v, path, r);
      checkPath(v.path, childPath(path, 'path'), r);
      return {
        zipkin: {
          service: String(v.service ?? ''), port: Number(v.port ?? 0),
          ...(typeof v.maxTagLength === 'number' && v.maxTagLength > 0 ? { maxTagLength: v.maxTagLength } : {}),
          ...(typeof v.path === 'string' && v.path !== '' ? { path: v.path } : {}),
        },
      };
    },
  },
  opentelemetry: {
    shape: obj({
      ...SERVICE_PORT,
      http: obj({ path: str, timeout: duration, headers: headerList }),
      grpc: obj({ timeout: duration, initialMetadata: headerList }),
      resourceDetectors: NOT_HONOURED('resourceDetectors'),
      dynatraceSampler: NOT_HONOURED('dynatraceSampler'),
    }, [['http', 'grpc']]),
    decode: (v, path, r) => {
      checkServicePort(v, path, r);
      const out: { -readonly [K in keyof NonNullable<ExtensionProvider['opentelemetry']>]: NonNullable<ExtensionProvider['opentelemetry']>[K] } = {
        service: String(v.service ?? ''), port: Number(v.port ?? 0),
      };
      if (typeof v.maxTagLength === 'number' && v.maxTagLength > 0) out.maxTagLength = v.maxTagLength;
      if (isPlainObject(v.http)) {
        const h = v.http;
        const hp = childPath(path, 'http');
        checkPath(h.path, childPath(hp, 'path'), r);
        checkNameValues(h.headers, childPath(hp, 'headers'), r);
        const t = durationMs(h.timeout, childPath(hp, 'timeout'), r);
        const headers = nameValues(h.headers);
        out.http = { ...(typeof h.path === 'string' && h.path !== '' ? { path: h.path } : {}), ...(t ? { timeoutMs: t } : {}), ...(headers ? { headers } : {}) };
      } else if (isPlainObject(v.grpc)) {
        const g = v.grpc;
        const gp = childPath(path, 'grpc');
        checkNameValues(g.initialMetadata, childPath(gp, 'initialMetadata'), r);
        const t = durationMs(g.timeout, childPath(gp, 'timeout'), r);
        const md = nameValues(g.initialMetadata);
        out.grpc = { ...(t ? { timeoutMs: t } : {}), ...(md ? { initialMetadata: md } : {}) };
      }
      return { opentelemetry: out };
    },
  },
  envoyExtAuthzHttp: {
    shape: obj({
      ...EXT_AUTHZ_COMMON,
      pathPrefix: str,
      includeRequestHeadersInCheck: list(str),
      includeAdditionalHeadersInCheck: map(str),
      headersToUpstreamOnAllow: list(str),
      headersToDownstreamOnDeny: list(str),
      headersToDownstreamOnAllow: list(str),
      includeHeadersInCheck: NOT_HONOURED('includeHeadersInCheck (deprecated: use includeRequestHeadersInCheck)'),
    }),
    decode: (v, path, r) => {
      const base = extAuthzBase(v, path, r);
      checkPath(v.pathPrefix, childPath(path, 'pathPrefix'), r);
      const lists = ['includeRequestHeadersInCheck', 'headersToUpstreamOnAllow', 'headersToDownstreamOnDeny', 'headersToDownstreamOnAllow'] as const;
      const out: Record<string, unknown> = { ...base };
      if (typeof v.pathPrefix === 'string' && v.pathPrefix !== '') out.pathPrefix = v.pathPrefix;
      for (const k of lists) if (Array.isArray(v[k])) out[k] = (v[k] as unknown[]).map(String);
      if (isPlainObject(v.includeAdditionalHeadersInCheck)) out.includeAdditionalHeadersInCheck = v.includeAdditionalHeadersInCheck;
      return { envoyExtAuthzHttp: out as unknown as NonNullable<ExtensionProvider['envoyExtAuthzHttp']> };
    },
  },
  envoyExtAuthzGrpc: {
    shape: obj(EXT_AUTHZ_COMMON),
    decode: (v, path, r) => ({ envoyExtAuthzGrpc: extAuthzBase(v, path, r) as unknown as NonNullable<ExtensionProvider['envoyExtAuthzGrpc']> }),
  },
};

/** Istio's other ExtensionProvider kinds: refused by name. */
const ISTIO_PROVIDER_KINDS_NOT_HERE = [
  'lightstep', 'datadog', 'stackdriver', 'opencensus', 'skywalking',
  'envoyHttpAls', 'envoyTcpAls', 'envoyOtelAls', 'sds',
];

// ---- the MeshConfig schema ----

const customTag = obj({
  literal: obj({ value: str }),
  environment: obj({ name: str, defaultValue: str }),
  header: obj({ name: str, defaultValue: str }),
}, [['literal', 'environment', 'header']]);

const proxyTracing = obj({
  sampling: double,
  zipkin: obj({ address: str }),
  customTags: map(customTag),
  maxPathTagLength: uint32,
  tlsSettings: NOT_HONOURED('defaultConfig.tracing.tlsSettings'),
  lightstep: NOT_HONOURED('the lightstep tracer'),
  datadog: NOT_HONOURED('the datadog tracer'),
  stackdriver: NOT_HONOURED('the stackdriver tracer'),
  openCensusAgent: NOT_HONOURED('the openCensusAgent tracer'),
}, [['zipkin', 'lightstep', 'datadog', 'stackdriver', 'openCensusAgent']]);

/** ProxyConfig fields a sidecar's bootstrap owns in weft (accepted with a warning: said, never silently dropped). */
const PROXY_CONFIG_BOOTSTRAP_FIELDS = ['discoveryAddress', 'proxyMetadata', 'holdApplicationUntilProxyStarts', 'concurrency', 'drainDuration', 'terminationDrainDuration', 'statusPort', 'proxyStatsMatcher', 'meshId'];

const ignoredWithWarning = (): Field => ({ shape: { k: 'any' } });

function meshSchema(): Shape {
  const defaultConfig: Record<string, Shape | Field> = { tracing: proxyTracing };
  for (const f of PROXY_CONFIG_BOOTSTRAP_FIELDS) defaultConfig[f] = ignoredWithWarning();
  const providerFields: Record<string, Shape | Field> = { name: str };
  for (const [k, kind] of Object.entries(PROVIDER_KINDS)) providerFields[k] = kind.shape;
  for (const k of ISTIO_PROVIDER_KINDS_NOT_HERE) providerFields[k] = unsupportedField(`extension provider kind ${k} (supported kinds: ${Object.keys(PROVIDER_KINDS).join(', ')})`);
  const kinds = [...Object.keys(PROVIDER_KINDS), ...ISTIO_PROVIDER_KINDS_NOT_HERE];
  return obj({
    trustDomain: str,
    trustDomainAliases: NOT_HONOURED('trustDomainAliases'),
    rootNamespace: str,
    outboundTrafficPolicy: obj({ mode: enumOf('ALLOW_ANY', 'REGISTRY_ONLY') }),
    enableAutoMtls: bool,
    accessLogFile: str,
    accessLogEncoding: enumOf('TEXT', 'JSON'),
    accessLogFormat: str,
    enableTracing: bool,
    defaultConfig: obj(defaultConfig),
    defaultProviders: obj({ metrics: list(str), tracing: list(str), accessLogging: list(str) }),
    extensionProviders: list(obj(providerFields, [kinds])),
    ingressClass: NOT_HONOURED('ingressClass (no Kubernetes Ingress)'),
    ingressService: NOT_HONOURED('ingressService (no Kubernetes Ingress)'),
    ingressControllerMode: NOT_HONOURED('ingressControllerMode (no Kubernetes Ingress)'),
    localityLbSetting: NOT_HONOURED('mesh-wide localityLbSetting (set it in a DestinationRule)'),
    connectTimeout: NOT_HONOURED('mesh-wide connectTimeout'),
    tcpKeepalive: NOT_HONOURED('mesh-wide tcpKeepalive'),
    h2UpgradePolicy: NOT_HONOURED('h2UpgradePolicy'),
    protocolDetectionTimeout: NOT_HONOURED('protocolDetectionTimeout'),
    dnsRefreshRate: NOT_HONOURED('dnsRefreshRate'),
    discoverySelectors: NOT_HONOURED('discoverySelectors (no Kubernetes)'),
    defaultServiceExportTo: NOT_HONOURED('defaultServiceExportTo'),
    defaultVirtualServiceExportTo: NOT_HONOURED('defaultVirtualServiceExportTo'),
    defaultDestinationRuleExportTo: NOT_HONOURED('defaultDestinationRuleExportTo'),
    serviceSettings: NOT_HONOURED('serviceSettings'),
    caCertificates: NOT_HONOURED('caCertificates'),
    certificates: NOT_HONOURED('certificates'),
    enablePrometheusMerge: NOT_HONOURED('enablePrometheusMerge'),
    enableEnvoyAccessLogService: NOT_HONOURED('enableEnvoyAccessLogService'),
    outboundClusterStatName: NOT_HONOURED('outboundClusterStatName'),
    inboundClusterStatName: NOT_HONOURED('inboundClusterStatName'),
    meshMTLS: NOT_HONOURED('meshMTLS (use PeerAuthentication and DestinationRule)'),
    tlsDefaults: NOT_HONOURED('tlsDefaults'),
  });
}

const SCHEMA = meshSchema();

// ---- checks and decoding ----

function decodeCustomTags(tags: Record<string, unknown> | undefined, path: string, r: Reporter): Record<string, MeshTracingCustomTag> | undefined {
  if (!tags) return undefined;
  const out: Record<string, MeshTracingCustomTag> = {};
  for (const [name, raw] of Object.entries(tags)) {
    if (!isPlainObject(raw)) continue;
    const tp = childPath(path, name);
    const t = raw as { literal?: { value?: string }; environment?: { name?: string; defaultValue?: string }; header?: { name?: string; defaultValue?: string } };
    if (t.literal) out[name] = { literal: { value: t.literal.value ?? '' } };
    else if (t.environment) {
      if (!t.environment.name) r.report('WEFT0012', childPath(childPath(tp, 'environment'), 'name'), 'environment name is required');
      out[name] = { environment: { name: t.environment.name ?? '', ...(t.environment.defaultValue !== undefined ? { defaultValue: t.environment.defaultValue } : {}) } };
    } else if (t.header) {
      if (!t.header.name) r.report('WEFT0012', childPath(childPath(tp, 'header'), 'name'), 'header name is required');
      out[name] = { header: { name: t.header.name ?? '', ...(t.header.defaultValue !== undefined ? { defaultValue: t.header.defaultValue } : {}) } };
    } else r.report('WEFT0107', tp, 'custom tag must set one of literal, environment, header');
  }
  return out;
}

/** `host:port` of defaultConfig.tracing.zipkin.address. */
export function splitCollectorAddress(address: string): { host: string; port: number } | undefined {
  const m = /^([^:\s]+):(\d{1,5})$/.exec(address);
  if (!m) return undefined;
  const port = Number(m[2]);
  return port >= 1 && port <= 65535 ? { host: m[1]!, port } : undefined;
}

function decodeDefaultTracing(t: Record<string, unknown>, path: string, r: Reporter): MeshDefaultTracing {
  const out: { -readonly [K in keyof MeshDefaultTracing]: MeshDefaultTracing[K] } = {};
  if (typeof t.sampling === 'number') {
    if (t.sampling < 0 || t.sampling > 100) r.report('WEFT0102', childPath(path, 'sampling'), `sampling ${t.sampling} must be in the range 0..100`);
    out.sampling = t.sampling;
  }
  if (isPlainObject(t.zipkin)) {
    const a = t.zipkin.address;
    const ap = childPath(childPath(path, 'zipkin'), 'address');
    if (typeof a !== 'string' || a === '') r.report('WEFT0012', ap, 'address is required (host:port of the Zipkin collector)');
    else if (!splitCollectorAddress(a)) r.report('WEFT0107', ap, `address "${a}" must be host:port`);
    else out.zipkin = { address: a };
  }
  const tags = decodeCustomTags(t.customTags as Record<string, unknown> | undefined, childPath(path, 'customTags'), r);
  if (tags) out.customTags = tags;
  if (typeof t.maxPathTagLength === 'number' && t.maxPathTagLength > 0) out.maxPathTagLength = t.maxPathTagLength;
  return out;
}

function decodeProviders(list_: unknown[], original: unknown, r: Reporter): ExtensionProvider[] {
  const out: ExtensionProvider[] = [];
  const seen = new Set<string>();
  list_.forEach((raw, i) => {
    if (!isPlainObject(raw)) return;
    const p = childPath('extensionProviders', i);
    const name = typeof raw.name === 'string' ? raw.name : '';
    if (name === '') r.report('WEFT0012', childPath(p, 'name'), 'provider name is required');
    else if (seen.has(name)) r.report('WEFT0108', childPath(p, 'name'), `provider name "${name}" is used more than once`);
    seen.add(name);
    // Kinds as written (the cleaned value has lost the refused ones).
    const written = Array.isArray(original) && isPlainObject(original[i]) ? original[i] as Record<string, unknown> : raw;
    const kinds = Object.keys(written).filter((k) => k !== 'name');
    const known = kinds.filter((k) => PROVIDER_KINDS[k] !== undefined);
    if (kinds.length === 0) r.report('WEFT0107', p, `provider "${name}" sets no kind (one of ${Object.keys(PROVIDER_KINDS).join(', ')})`);
    const k = known[0];
    if (k === undefined || !isPlainObject(raw[k])) return;
    out.push({ name, ...PROVIDER_KINDS[k]!.decode(raw[k], childPath(p, k), r) } as ExtensionProvider);
  });
  return out;
}

/** Istio adds its built-in providers (prometheus, envoy) unless the file defines the same names. */
function withBuiltins(providers: ExtensionProvider[]): ExtensionProvider[] {
  const names = new Set(providers.map((p) => p.name));
  return [...providers, ...DEFAULT_MESH.extensionProviders.filter((b) => !names.has(b.name))];
}

/** Validates a parsed MeshConfig object; `prefix` is the path it sits at ('' or data.mesh). */
export function validateMeshConfig(raw: unknown, r: Reporter): MeshConfigOverrides | undefined {
  if (raw === null || raw === undefined) return {};
  if (!isPlainObject(raw)) {
    r.report('WEFT0011', '', 'a MeshConfig must be an object');
    return undefined;
  }
  const v = checkShape(raw, SCHEMA, '', r) as Record<string, unknown> | undefined;
  if (!v) return undefined;
  const out: { -readonly [K in keyof MeshConfig]?: MeshConfig[K] } = {};
  if (typeof v.trustDomain === 'string') {
    const e = validateTrustDomain(v.trustDomain);
    if (e) r.report('WEFT0109', 'trustDomain', e);
    out.trustDomain = v.trustDomain;
  }
  if (typeof v.rootNamespace === 'string') {
    const e = checkNamespaceName(v.rootNamespace);
    if (e) r.report('WEFT0109', 'rootNamespace', e);
    out.rootNamespace = v.rootNamespace;
  }
  const otp = v.outboundTrafficPolicy as { mode?: 'ALLOW_ANY' | 'REGISTRY_ONLY' } | undefined;
  if (otp?.mode) out.outboundTrafficPolicy = otp.mode;
  if (typeof v.enableAutoMtls === 'boolean') out.enableAutoMtls = v.enableAutoMtls;
  if (typeof v.accessLogFile === 'string' && v.accessLogFile !== '') out.accessLogFile = v.accessLogFile;
  if (v.accessLogEncoding === 'TEXT' || v.accessLogEncoding === 'JSON') out.accessLogEncoding = v.accessLogEncoding;
  if (typeof v.accessLogFormat === 'string' && v.accessLogFormat !== '') out.accessLogFormat = v.accessLogFormat;
  if (typeof v.enableTracing === 'boolean') out.enableTracing = v.enableTracing;
  if (isPlainObject(v.defaultConfig)) {
    const dc = v.defaultConfig;
    for (const f of PROXY_CONFIG_BOOTSTRAP_FIELDS) {
      if (dc[f] !== undefined) r.report('WEFT0163', childPath('defaultConfig', f), `defaultConfig.${f} is read from each sidecar's bootstrap in weft, not from mesh config: ignored`);
    }
    if (isPlainObject(dc.tracing)) out.defaultTracing = decodeDefaultTracing(dc.tracing, 'defaultConfig.tracing', r);
  }
  const providers = withBuiltins(Array.isArray(v.extensionProviders) ? decodeProviders(v.extensionProviders, raw.extensionProviders, r) : []);
  out.extensionProviders = providers;
  if (isPlainObject(v.defaultProviders)) {
    const dp = v.defaultProviders as { metrics?: string[]; tracing?: string[]; accessLogging?: string[] };
    const names = new Set(providers.map((p) => p.name));
    for (const k of ['metrics', 'tracing', 'accessLogging'] as const) {
      each(dp[k], (n, i) => {
        if (!names.has(n)) r.report('WEFT0107', childPath(childPath('defaultProviders', k), i), `provider "${n}" is not defined in extensionProviders (defined: ${[...names].join(', ')})`);
      });
    }
    out.defaultProviders = {
      ...(dp.metrics ? { metrics: dp.metrics } : DEFAULT_MESH.defaultProviders.metrics ? { metrics: DEFAULT_MESH.defaultProviders.metrics } : {}),
      ...(dp.tracing ? { tracing: dp.tracing } : {}),
      ...(dp.accessLogging ? { accessLogging: dp.accessLogging } : {}),
    };
  }
  return out;
}

/** Parses file text: a MeshConfig, or a ConfigMap with data.mesh (paths then start with data.mesh). */
export function parseMeshConfigText(text: string, file?: string): MeshConfigFileResult {
  const prefixed = new Reporter(KEY, file);
  let doc: unknown;
  try {
    doc = parseYaml(text, { uniqueKeys: true });
  } catch (err) {
    prefixed.report('WEFT0001', '', `cannot parse: ${(err as Error).message}`);
    return { messages: prefixed.messages };
  }
  let body = doc;
  let prefix = '';
  if (isPlainObject(doc) && doc.kind === 'ConfigMap') {
    const data = doc.data;
    if (!isPlainObject(data) || typeof data.mesh !== 'string') {
      prefixed.report('WEFT0012', 'data.mesh', 'a ConfigMap given as mesh config must hold the MeshConfig YAML in data.mesh (as Istio\'s `istio` ConfigMap)');
      return { messages: prefixed.messages };
    }
    prefix = 'data.mesh';
    try {
      body = parseYaml(data.mesh, { uniqueKeys: true });
    } catch (err) {
      prefixed.report('WEFT0001', 'data.mesh', `cannot parse: ${(err as Error).message}`);
      return { messages: prefixed.messages };
    }
  }
  const r = new Reporter(KEY, file);
  const mesh = validateMeshConfig(body, r);
  const messages = r.messages.map((m) => (prefix ? { ...m, path: m.path ? `${prefix}.${m.path}` : prefix } : m));
  return messages.some((m) => m.severity === 'error') || !mesh ? { messages } : { mesh, messages };
}

/** Reads and checks FILE. */
export function loadMeshConfigFile(file: string): MeshConfigFileResult {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const r = new Reporter(KEY, file);
    r.report('WEFT0001', '', `cannot read ${file}: ${(err as Error).message}`);
    return { messages: r.messages };
  }
  return parseMeshConfigText(text, file);
}

/** One line per message, as the control plane logs them. */
export function formatMeshConfigMessage(m: ValidationMessage): string {
  return `${m.file ?? 'mesh config'}: ${m.path || '(top)'}: ${m.message} (${m.code})`;
}

/**
 * Watches FILE (its folder, so an editor's replace-by-rename is seen) and
 * reports each changed version: good ones to `onMesh`, bad ones (every
 * message) to `onRejected`, in which case the caller keeps the last good.
 */
export class MeshConfigFileWatcher {
  private watcher: fs.FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastText: string | undefined;

  constructor(
    readonly file: string,
    private readonly onMesh: (mesh: MeshConfigOverrides, messages: readonly ValidationMessage[]) => void,
    private readonly onRejected: (messages: readonly ValidationMessage[]) => void,
    private readonly debounceMs = 100,
  ) {}

  /** Reads the file once (the caller decides what a bad first version means) and starts watching. */
  start(): MeshConfigFileResult {
    const first = this.read();
    const dir = path.dirname(path.resolve(this.file));
    const base = path.basename(this.file);
    try {
      this.watcher = fs.watch(dir, (_ev, name) => {
        if (name !== null && name !== base) return;
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.reload(), this.debounceMs);
        this.timer.unref();
      });
      this.watcher.on('error', () => undefined);
    } catch {
      // A folder that cannot be watched: the file is read at start only (docs/config.md).
    }
    return first;
  }

  private read(): MeshConfigFileResult {
    try {
      this.lastText = fs.readFileSync(this.file, 'utf8');
    } catch {
      this.lastText = undefined;
    }
    return this.lastText === undefined ? loadMeshConfigFile(this.file) : parseMeshConfigText(this.lastText, this.file);
  }

  private reload(): void {
    let text: string | undefined;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch {
      text = undefined;
    }
    if (text !== undefined && text === this.lastText) return;
    const r = this.read();
    if (r.mesh) this.onMesh(r.mesh, r.messages);
    else this.onRejected(r.messages);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.watcher?.close();
    this.watcher = undefined;
  }
}
