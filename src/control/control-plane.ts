// The control plane as one object: a config folder (validated, watched) and
// service registries feed the PushContext; each connected proxy gets its
// config translated from it, cached as a versioned snapshot and served over
// xDS. Used by `weft control` and by `weft up`.
import http from 'node:http';
import path from 'node:path';
import type net from 'node:net';
import { LogRegistry, type Logger } from '../common/log.js';
import { Snapshot, SnapshotCache } from './cache/index.js';
import { CREDENTIAL_DEFAULTS, CredentialSource, DirectoryConfigSource, ModelController, type ConfigSnapshot, type CredentialSnapshot } from './ingest/index.js';
import type { IndexedPushContext } from './model/index.js';
import { proxyInfoFromNode } from './model/index.js';
import type { ProxyInfo, ServiceRegistry } from './model/types.js';
import { createDebugHandler, endpointKey, XdsServer, type EndpointHealthResponse, type HealthCheckSpecifier, type ProxyStatus } from './server/index.js';
import { buildEndpoints, MESSAGE_CODES, translateProxy, type TranslationMessage } from './translate/index.js';
import { buildCredentialSecrets } from './translate/build-credential-secrets.js';
import { analyze, type ValidationMessage } from './validation/index.js';
import type { envoy_config_endpoint_v3_ClusterLoadAssignment as ClusterLoadAssignment } from '../xds/gen/types.js';
import { PROMETHEUS_CONTENT_TYPE, DEFAULT_STATS_PARAMS, StatsStore, renderPrometheus } from '../stats/index.js';
import { MeshCa, type MeshCaOptions } from './mesh-ca.js';
import { JwksFetcher } from './jwks/jwks-fetcher.js';
import type { ConfigObject } from '../api/networking.js';
import { SECRET_TYPE_URL } from '../xds/type-urls.js';
import { formatMeshConfigMessage, MeshConfigFileWatcher, type MeshConfigOverrides } from './ingest/mesh-config-file.js';
import type { MeshConfig } from './model/types.js';
import type { ValidationMessage as MeshMessage } from './validation/message.js';
import { TraceReceiver, type TraceReceiverOptions } from './traces/trace-receiver.js';
import { Dashboard, type DashboardOptions } from './dashboard/dashboard.js';
import type { ConfigViewInput } from './dashboard/config-view.js';
import { MergedConfigSource, type ConfigSourceLike } from './ingest/merged-config-source.js';

/** A MeshConfig source other than a file (the `istio` ConfigMap). */
export interface MeshConfigSourceLike {
  /** What it is, for status and logs ("ConfigMap istio-system/istio"). */
  readonly name: string;
  /** Resolves with the first version (no mesh: none yet, or a bad one), then calls back on each changed version. */
  start(onMesh: (mesh: MeshConfigOverrides, messages: readonly MeshMessage[]) => void, onRejected: (messages: readonly MeshMessage[]) => void): Promise<{ mesh?: MeshConfigOverrides; messages: readonly MeshMessage[] }>;
  stop(): void;
}

/** What the control plane needs from a credential source (the secrets folder's CredentialSource, or Kubernetes Secrets). */
export interface CredentialSourceLike {
  /** Where the credentials come from, for messages. */
  readonly dir: string;
  readonly snapshot: CredentialSnapshot;
  onChange(cb: (s: CredentialSnapshot) => void): () => void;
  start(): Promise<CredentialSnapshot>;
  stop(): void;
}

export interface ControlPlaneOptions {
  /** Folder of Istio YAML/JSON, validated and watched; optional when `configSources` gives config (Kubernetes mode). */
  configDir?: string;
  /** Further config sources (the Kubernetes API), merged after the folder's: a folder object wins a duplicate. */
  configSources?: ConfigSourceLike[];
  /** Called after each analysis run with the config snapshot and the analysis messages (the Kubernetes status writer). */
  onAnalysis?: (snapshot: ConfigSnapshot, analysis: readonly ValidationMessage[]) => void;
  /** Where credentialName secrets come from instead of the secrets folder (Kubernetes Secrets). */
  credentialSource?: CredentialSourceLike;
  /** More status for /debug/config and `weft status` (Kubernetes mode's informers and leader), under `kubernetes`. */
  kubernetesStatus?: () => unknown;
  /** Extra registries (e.g. `weft up`'s workloads); ServiceEntries in the folder are always one. */
  registries?: ServiceRegistry[];
  /** gRPC listen address for xDS, e.g. 127.0.0.1:15010 (port 0 picks one). */
  xdsAddress: string;
  /** Debug/status HTTP endpoint (host:port); omitted = none. */
  debugAddress?: string;
  /** Config change debounce window (default 100 ms). */
  debounceMs?: number;
  /** Config files larger than this are refused unread (default 8 MiB: DIRECTORY_SOURCE_DEFAULTS.maxFileBytes). */
  maxConfigFileBytes?: number;
  /** credentialName secrets, one subfolder per secret (default `<configDir>/secrets`), watched. */
  secretsDir?: string;
  logs?: LogRegistry;
  /** Run the CA (certificate API over TLS) with these options; omitted = no CA. */
  ca?: Omit<MeshCaOptions, 'stats' | 'log'>;
  /**
   * The debug server takes POST /debug/ca/stop and /debug/ca/start, which
   * stop and resume the CA's certificate API (fault injection for `weft up`
   * and its tests: a CA outage while sidecars run). Off unless asked for.
   */
  debugCaControl?: boolean;
  /** Istio's MeshConfig from this file (a MeshConfig or the `istio` ConfigMap); watched, a bad version keeps the last good one. */
  meshConfigFile?: string;
  /** Istio's MeshConfig from elsewhere (the `istio` ConfigMap in Kubernetes mode); a bad or missing first version means Istio's defaults, a bad later one keeps the last good. */
  meshConfigSource?: MeshConfigSourceLike;
  /** Mesh settings set in code (`weft up`'s tracing defaults); the file's win where both set a field. */
  mesh?: Partial<MeshConfig>;
  /** Run the embedded trace receiver (Zipkin and OTLP in, Zipkin's query API out) on the debug server. */
  traceReceiver?: boolean | TraceReceiverOptions;
  /**
   * Serve the dashboard (its UI and API, docs/dashboard.md) on the debug
   * address, with its embedded metrics store scraping the targets it is
   * given (Dashboard.setTargets). Omitted = no dashboard.
   */
  dashboard?: DashboardOptions;
}

interface ProxyEntry {
  info: ProxyInfo;
  /** Node as sent by the proxy (for status). */
  nodeId: string;
  messages: TranslationMessage[];
  /** Translation's own messages, before the credential ones (which change with the secrets folder alone). */
  translateMessages: TranslationMessage[];
  /** Listeners and clusters last translated: what decides which credential secrets the proxy gets. */
  references: readonly unknown[];
  version: number;
  snapshot?: Snapshot;
  snapshotVersion?: string;
}

export class ControlPlane {
  readonly cache = new SnapshotCache();
  readonly server: XdsServer;
  private readonly source: ConfigSourceLike;
  readonly credentials: CredentialSourceLike;
  private readonly model: ModelController;
  private readonly proxies = new Map<string, ProxyEntry>();
  private debug: http.Server | undefined;
  private readonly log: Logger;
  private configSnapshot: ConfigSnapshot | undefined;
  private analysis: ValidationMessage[] = [];
  xdsPort = 0;
  debugPort = 0;
  /** Increments on every push; the snapshot version of each proxy is `<push>.<proxy version>`. */
  private pushSeq = 0;
  /** HDS: node ids that were handed the specifier. */
  private hdsNodes: readonly string[] = [];
  /** HDS: endpoints (`ip:port`) last reported UNHEALTHY or TIMEOUT; EDS sends them as UNHEALTHY. */
  private readonly hdsUnhealthy = new Set<string>();
  /** The control plane's own metrics (the CA's citadel_* counters), served on the debug address at /metrics as istiod does. */
  readonly stats = new StatsStore();
  /** The CA, when started with `ca` options. */
  meshCa: MeshCa | undefined;
  private readonly logs: LogRegistry;
  /** The embedded trace receiver, when on (served on the debug address). */
  readonly traces: TraceReceiver | undefined;
  private meshWatcher: MeshConfigFileWatcher | undefined;
  /** Messages about the mesh config file's last version (the served one, or the rejected one). */
  private meshMessages: readonly MeshMessage[] = [];
  private meshFromFile: MeshConfigOverrides = {};
  /** Fetches RequestAuthentication jwksUri keys for translation; new keys trigger a full push. */
  readonly jwks: JwksFetcher;
  /** The dashboard, when on (served on the debug address). */
  readonly dashboard: Dashboard | undefined;

  constructor(readonly opts: ControlPlaneOptions) {
    const logs = opts.logs ?? new LogRegistry();
    this.logs = logs;
    this.log = logs.logger('control');
    const sources: ConfigSourceLike[] = [];
    if (opts.configDir !== undefined) {
      sources.push(new DirectoryConfigSource(opts.configDir, {
        ...(opts.debounceMs !== undefined ? { debounceMs: opts.debounceMs } : {}),
        ...(opts.maxConfigFileBytes !== undefined ? { maxFileBytes: opts.maxConfigFileBytes } : {}),
      }));
    }
    sources.push(...(opts.configSources ?? []));
    if (sources.length === 0) throw new Error('the control plane needs a config folder or another config source');
    this.source = sources.length === 1 ? sources[0]! : new MergedConfigSource(sources);
    this.jwks = new JwksFetcher({
      onChange: () => this.push('full'),
      onError: (uri, reason) => this.log.warn(`jwksUri ${uri}: ${reason}`),
    });
    // A control plane that runs the CA gives every sidecar a workload certificate (through its node agent):
    // only then are mesh mTLS listeners and auto mTLS clusters built (MeshConfig.workloadCertificates).
    this.model = new ModelController({
      registries: opts.registries ?? [],
      mesh: this.meshSettings(),
      jwtKeyResolver: this.jwks,
    });
    if (opts.traceReceiver) this.traces = new TraceReceiver(opts.traceReceiver === true ? {} : opts.traceReceiver, this.stats);
    if (opts.dashboard) {
      this.dashboard = new Dashboard(opts.dashboard, {
        config: () => this.dashboardConfig(),
        traces: () => this.traces?.store.allTraces(),
        locate: (key) => {
          const a = this.configSnapshot?.accepted.find((x) => x.key === key);
          return a ? { ...(a.file ? { file: a.file } : {}), ...(a.line ? { line: a.line } : {}) } : undefined;
        },
      });
    }
    this.credentials = opts.credentialSource ?? new CredentialSource(opts.secretsDir ?? path.join(opts.configDir ?? '.', CREDENTIAL_DEFAULTS.folderName), {
      ...(opts.debounceMs !== undefined ? { debounceMs: opts.debounceMs } : {}),
    });
    this.server = new XdsServer({
      cache: this.cache,
      log: logs.logger('xds'),
      onHealthReport: (_node, report) => this.onHealthReport(report),
      stats: this.stats,
      callbacks: {
        onStreamOpen: (st) => this.onProxy(st),
        onNack: (st, typeUrl, nack) => this.log.warn(`proxy ${st.nodeId} rejected ${typeUrl.split('.').pop()} version ${nack.version}: ${nack.message}`),
      },
    });
  }

  /** The model's mesh: code settings, then the file's, then what the CA decides (workload certificates, trust domain). */
  private meshSettings(): Partial<MeshConfig> {
    return {
      ...(this.opts.mesh ?? {}),
      ...this.meshFromFile,
      workloadCertificates: this.opts.ca !== undefined,
      ...(this.opts.ca?.trustDomain ? { trustDomain: this.opts.ca.trustDomain } : {}),
    };
  }

  /** Reads the mesh config file (a bad first version stops start-up with every message) and watches it. */
  private startMeshConfig(): void {
    const file = this.opts.meshConfigFile;
    if (!file) return;
    this.meshWatcher = new MeshConfigFileWatcher(file, (mesh, messages) => {
      this.meshFromFile = mesh;
      this.meshMessages = messages;
      for (const m of messages) this.log.warn(`mesh config: ${formatMeshConfigMessage(m)}`);
      this.log.info(`mesh config ${file} reloaded`);
      this.model.setMesh(this.meshSettings());
    }, (messages) => {
      this.meshMessages = messages;
      for (const m of messages) this.log.error(`mesh config rejected, the last good one keeps serving: ${formatMeshConfigMessage(m)}`);
    });
    const first = this.meshWatcher.start();
    this.meshMessages = first.messages;
    if (!first.mesh) {
      this.meshWatcher.stop();
      throw new Error(`mesh config ${file} rejected:\n${first.messages.map((m) => `  ${formatMeshConfigMessage(m)}`).join('\n')}`);
    }
    for (const m of first.messages) this.log.warn(`mesh config: ${formatMeshConfigMessage(m)}`);
    this.meshFromFile = first.mesh;
    const ca = this.opts.ca;
    if (ca && first.mesh.trustDomain && first.mesh.trustDomain !== ca.trustDomain) {
      this.log.warn(`mesh config trustDomain ${first.mesh.trustDomain} differs from the CA's ${ca.trustDomain}: the CA's is used (set --trust-domain to change it)`);
    }
    this.model.setMesh(this.meshSettings());
  }

  /** The mesh config source (not a file): its first version, then each good one; a bad one keeps the last good. */
  private async startMeshSource(): Promise<void> {
    const src = this.opts.meshConfigSource;
    if (!src) return;
    const first = await src.start((mesh, messages) => {
      this.meshFromFile = mesh;
      this.meshMessages = messages;
      for (const m of messages) this.log.warn(`mesh config: ${formatMeshConfigMessage(m)}`);
      this.log.info(`mesh config ${src.name} reloaded`);
      this.model.setMesh(this.meshSettings());
    }, (messages) => {
      this.meshMessages = messages;
      for (const m of messages) this.log.error(`mesh config rejected, the last good one keeps serving: ${formatMeshConfigMessage(m)}`);
    });
    this.meshMessages = first.messages;
    if (!first.mesh) {
      for (const m of first.messages) this.log.error(`mesh config ${src.name} rejected, Istio's defaults serve until it is fixed: ${formatMeshConfigMessage(m)}`);
      return;
    }
    for (const m of first.messages) this.log.warn(`mesh config: ${formatMeshConfigMessage(m)}`);
    this.meshFromFile = first.mesh;
    this.model.setMesh(this.meshSettings());
  }

  async start(): Promise<void> {
    this.startMeshConfig();
    await this.startMeshSource();
    if (this.opts.ca) {
      // First: a CA folder that is refused stops start-up with every problem listed.
      this.meshCa = new MeshCa({ ...this.opts.ca, stats: this.stats, log: this.logs.logger('ca') });
      await this.meshCa.start();
    }
    this.source.onSnapshot((s) => this.onConfig(s));
    this.source.onError?.((e) => this.log.error(`config source: ${e.message}`));
    this.credentials.onChange((c) => this.onCredentials(c));
    this.onCredentials(await this.credentials.start());
    await this.source.start();
    if (this.source.snapshot) this.onConfig(this.source.snapshot);
    this.model.onPush((ev) => this.push(ev.kind));
    this.model.follow(this.source);
    this.xdsPort = await this.server.listen(this.opts.xdsAddress);
    if (this.opts.debugAddress) {
      const [host, port] = splitHostPort(this.opts.debugAddress);
      const xdsDebug = createDebugHandler(this.server);
      const serve = (req: http.IncomingMessage, res: http.ServerResponse): void => {
        if (this.traces?.handle(req, res)) return;
        if (this.dashboard?.handle(req, res)) return;
        if (req.url?.startsWith('/debug/config')) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(this.configStatus(), null, 2));
          return;
        }
        if (req.url === '/metrics') {
          this.meshCa?.server.refreshRootCertExpiry();
          res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE });
          res.end(renderPrometheus(this.stats, DEFAULT_STATS_PARAMS));
          return;
        }
        if (req.url === '/debug/ca/stop' || req.url === '/debug/ca/start') {
          void this.caControl(req.method ?? '', req.url, res);
          return;
        }
        if (req.url?.startsWith('/debug/proxies')) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(this.proxyStatus(), null, 2));
          return;
        }
        xdsDebug(req, res);
      };
      this.debug = http.createServer((req, res) => {
        // A request no handler can parse (e.g. the target "//[", which URL() refuses) is a 400, never a crash.
        try {
          serve(req, res);
        } catch (err) {
          this.log.debug(`debug request ${JSON.stringify(req.url)} failed: ${(err as Error).message}`);
          if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
          res.end('bad request\n');
        }
      });
      await new Promise<void>((resolve, reject) => {
        this.debug!.once('error', reject);
        this.debug!.listen(port, host, () => resolve());
      });
      this.debugPort = (this.debug.address() as net.AddressInfo).port;
    }
    this.dashboard?.start();
  }

  get push_(): IndexedPushContext {
    return this.model.current;
  }

  private onConfig(s: ConfigSnapshot): void {
    if (s === this.configSnapshot) return;
    countConfigEvents(this.configSnapshot, s, (kind, event) => this.server.stats?.configEvent(kind, event));
    this.configSnapshot = s;
    for (const r of s.rejected) {
      for (const m of r.messages) if (m.severity === 'error') this.log.error(`rejected ${r.key ?? r.file}: ${m.path ? `${m.path}: ` : ''}${m.message} (${m.code}) [${r.file}${r.line ? `:${r.line}` : ''}]`);
    }
    // Accepted with a warning (e.g. a TLS mode weft cannot honour yet): said at apply time too, never quietly.
    for (const m of s.messages) if (m.severity === 'warning') this.log.warn(`accepted ${m.key}: ${m.path ? `${m.path}: ` : ''}${m.message} (${m.code}) [${m.file ?? ''}${m.line ? `:${m.line}` : ''}]`);
    this.runAnalysis();
  }

  private runAnalysis(): void {
    const s = this.configSnapshot;
    if (!s) return;
    try {
      this.analysis = analyze(s.accepted.map((a) => ({ obj: a.obj, ...(a.file ? { file: a.file } : {}) })), { registry: this.model.registry, credentials: this.credentials.snapshot });
      for (const m of this.analysis) if (m.severity !== 'info') this.log.warn(`analysis ${m.code} (${m.key}) ${m.path}: ${m.message}`);
      this.opts.onAnalysis?.(s, this.analysis);
    } catch (err) {
      this.log.error(`analysis failed: ${(err as Error).message}`);
    }
  }

  /** A proxy connected: build its config now (it waits for a snapshot otherwise). */
  private onProxy(st: ProxyStatus): void {
    const node = { id: st.nodeId, cluster: st.nodeCluster, ...(st.nodeMetadata ? { metadata: st.nodeMetadata } : {}) };
    const info = proxyInfoFromNode(node);
    let e = this.proxies.get(st.nodeId);
    if (!e) {
      e = { info, nodeId: st.nodeId, messages: [], translateMessages: [], references: [], version: 0 };
      this.proxies.set(st.nodeId, e);
    } else e.info = info;
    this.translateFor(e, 'full');
  }

  private push(kind: 'full' | 'endpoints'): void {
    this.pushSeq++;
    this.server.asPush(() => {
      for (const e of this.proxies.values()) this.translateFor(e, kind);
    });
  }

  private translateFor(e: ProxyEntry, kind: 'full' | 'endpoints'): void {
    const push = this.model.current;
    const version = `${push.version}.${++e.version}`;
    try {
      if (kind === 'endpoints' && e.snapshot) {
        const eds = buildEndpoints(e.info, push);
        e.snapshot = e.snapshot.update(version, { endpoints: this.withHdsHealth(eds.resources as ClusterLoadAssignment[]) });
      } else {
        const t = translateProxy(e.info, push);
        e.translateMessages = t.messages;
        e.references = [...t.resources.listeners, ...t.resources.clusters];
        for (const m of t.messages) this.log.debug(`translate ${e.nodeId}: ${m.code} ${m.message}`);
        e.snapshot = Snapshot.create(version, {
          listeners: t.resources.listeners as object[],
          routes: t.resources.routes as object[],
          clusters: t.resources.clusters as object[],
          endpoints: this.withHdsHealth(t.resources.endpoints as ClusterLoadAssignment[]),
          secrets: this.secretsFor(e),
        });
      }
      this.cache.setSnapshot(e.nodeId, e.snapshot);
      e.snapshotVersion = version;
    } catch (err) {
      // The previous snapshot keeps serving; the error is reported, never swallowed.
      this.log.error(`config for ${e.nodeId} not updated: ${(err as Error).message}`);
    }
  }

  /**
   * The credential secrets the proxy's own config references (never any
   * other: a private key goes only where it is used); names the folder
   * cannot serve become messages, and the proxy waits for them as Envoy does.
   */
  private secretsFor(e: ProxyEntry): object[] {
    const { secrets, missing } = buildCredentialSecrets(e.references, this.credentials.snapshot);
    e.messages = [...e.translateMessages, ...missing.map((n) => ({
      code: MESSAGE_CODES.CREDENTIAL_MISSING, severity: 'warning' as const, key: `Secret ${n}`, path: '',
      message: `no valid credential ${n.replace(/^kubernetes:\/\//, '')} in ${this.credentials.dir}; the listener or cluster that uses it waits for it`,
    }))];
    return secrets;
  }

  /** The secrets folder changed: every proxy gets its secrets again (only the SDS type is pushed, and only where they changed). */
  private onCredentials(c: CredentialSnapshot): void {
    for (const i of c.issues) this.log.error(`credential ${i.name}: ${i.path}: ${i.reason} (${i.code})${i.keptLastGood ? '; the last good version keeps being served' : ''}`);
    this.runAnalysis();
    for (const e of this.proxies.values()) {
      if (!e.snapshot) continue;
      const secrets = this.secretsFor(e);
      const before = e.snapshot.resources(SECRET_TYPE_URL)?.list.map((r) => r.message) ?? [];
      if (before.length === secrets.length && before.every((m, i) => m === secrets[i])) continue;
      const version = `${this.model.current.version}.${++e.version}`;
      e.snapshot = e.snapshot.update(version, { secrets });
      this.cache.setSnapshot(e.nodeId, e.snapshot);
      e.snapshotVersion = version;
    }
  }

  /**
   * Health Discovery Service: the proxies `nodeIds` health-check what `spec`
   * names and report back; an endpoint a report calls UNHEALTHY or TIMEOUT
   * goes to every proxy's EDS as health_status UNHEALTHY until a report says
   * HEALTHY (or DEGRADED) again. Calling it again replaces the specifier;
   * nodes no longer listed get an empty one, and endpoints it no longer names
   * lose their mark.
   */
  enableHds(spec: HealthCheckSpecifier, nodeIds: readonly string[]): void {
    for (const id of this.hdsNodes) if (!nodeIds.includes(id)) this.server.setHealthCheckSpecifier(id, {});
    this.hdsNodes = [...nodeIds];
    for (const id of nodeIds) this.server.setHealthCheckSpecifier(id, spec);
    const named = new Set<string>();
    for (const c of spec.cluster_health_checks ?? []) {
      for (const le of c.locality_endpoints ?? []) for (const ep of le.endpoints ?? []) {
        const k = endpointKey(ep);
        if (k) named.add(k);
      }
    }
    let changed = false;
    for (const k of [...this.hdsUnhealthy]) {
      if (named.has(k)) continue;
      this.hdsUnhealthy.delete(k);
      changed = true;
    }
    if (changed) this.push('endpoints');
  }

  /** Endpoints currently marked unhealthy from HDS reports (`ip:port`), for status and tests. */
  hdsUnhealthyEndpoints(): string[] {
    return [...this.hdsUnhealthy].sort();
  }

  private onHealthReport(report: EndpointHealthResponse): void {
    let changed = false;
    const note = (ep: Parameters<typeof endpointKey>[0], status: string | undefined): void => {
      const k = endpointKey(ep);
      // UNKNOWN (not checked yet) says nothing: the mark stays as it is.
      if (!k || status === undefined || status === 'UNKNOWN') return;
      const bad = status === 'UNHEALTHY' || status === 'TIMEOUT';
      if (bad === this.hdsUnhealthy.has(k)) return;
      if (bad) this.hdsUnhealthy.add(k);
      else this.hdsUnhealthy.delete(k);
      this.log.info(`HDS: endpoint ${k} reported ${status}`);
      changed = true;
    };
    for (const c of report.cluster_endpoints_health ?? []) {
      for (const le of c.locality_endpoints_health ?? []) for (const eh of le.endpoints_health ?? []) note(eh.endpoint, eh.health_status);
    }
    for (const eh of report.endpoints_health ?? []) note(eh.endpoint, eh.health_status);
    if (changed) this.push('endpoints');
  }

  /** Post-processes translated EDS: HDS-unhealthy endpoints become UNHEALTHY (untouched assignments keep their identity, so their encoding). */
  private withHdsHealth(list: ClusterLoadAssignment[]): ClusterLoadAssignment[] {
    if (this.hdsUnhealthy.size === 0) return list;
    const marked = (lb: { endpoint?: Parameters<typeof endpointKey>[0]; health_status?: string }) => {
      const k = endpointKey(lb.endpoint);
      return k !== undefined && this.hdsUnhealthy.has(k) && lb.health_status !== 'UNHEALTHY';
    };
    return list.map((cla) => {
      if (!cla.endpoints?.some((le) => le.lb_endpoints?.some(marked))) return cla;
      return {
        ...cla,
        endpoints: cla.endpoints.map((le) => ({
          ...le,
          ...(le.lb_endpoints ? { lb_endpoints: le.lb_endpoints.map((lb) => (marked(lb) ? { ...lb, health_status: 'UNHEALTHY' as const } : lb)) } : {}),
        })),
      };
    });
  }

  /** Accepted/rejected config and analysis, for `weft status` and the debug endpoint. */
  configStatus(): unknown {
    const s = this.configSnapshot;
    return {
      version: s?.version,
      accepted: s?.accepted.map((a) => a.key) ?? [],
      rejected: s?.rejected ?? [],
      warnings: s?.messages ?? [],
      analysis: this.analysis,
      ...(this.opts.meshConfigFile ? { meshConfig: { file: this.opts.meshConfigFile, messages: this.meshMessages } } : {}),
      ...(this.opts.meshConfigSource ? { meshConfig: { file: this.opts.meshConfigSource.name, messages: this.meshMessages } } : {}),
      ...(this.opts.kubernetesStatus ? { kubernetes: this.opts.kubernetesStatus() } : {}),
      credentials: {
        dir: this.credentials.dir,
        served: [...this.credentials.snapshot.credentials.keys()],
        issues: this.credentials.snapshot.issues,
      },
    };
  }

  /** The dashboard's view of config, analysis and proxy sync state (GET /api/dashboard/config). */
  private dashboardConfig(): ConfigViewInput {
    const byNode = new Map<string, ProxyStatus>();
    for (const st of this.server.status()) byNode.set(st.nodeId, st);
    return {
      snapshot: this.configSnapshot,
      analysis: this.analysis,
      proxies: [...this.proxies.values()].map((e) => {
        const st = byNode.get(e.nodeId);
        return { id: e.nodeId, ...(st?.nodeCluster ? { cluster: st.nodeCluster } : {}), connected: st !== undefined, types: st?.types ?? [], messages: e.messages };
      }),
      ...(this.opts.meshConfigFile ? { meshConfig: this.meshMessages } : {}),
      credentialIssues: this.credentials.snapshot.issues,
    };
  }

  /** Per-proxy sync state per xDS type, with translation messages. */
  proxyStatus(): unknown {
    const byNode = new Map<string, ProxyStatus>();
    for (const st of this.server.status()) byNode.set(st.nodeId, st);
    return [...this.proxies.values()].map((e) => {
      const st = byNode.get(e.nodeId);
      return {
        id: e.nodeId,
        type: e.info.type,
        namespace: e.info.namespace,
        connected: st !== undefined,
        version: e.snapshotVersion,
        types: (st?.types ?? []).map((t) => ({
          type: t.typeUrl.split('.').pop(),
          sent: t.sentVersion,
          acked: t.ackedVersion,
          state: t.lastNack && t.lastNack.version === t.sentVersion ? 'NACKED' : t.inFlight ? 'STALE' : t.sentVersion !== undefined && t.sentVersion === t.ackedVersion ? 'SYNCED' : 'STALE',
          ...(t.lastNack ? { nack: t.lastNack.message } : {}),
        })),
        messages: e.messages,
      };
    });
  }

  /** POST /debug/ca/stop|start (debugCaControl): stops or resumes the certificate API; answers {serving, port}. */
  private async caControl(method: string, url: string, res: http.ServerResponse): Promise<void> {
    const ca = this.meshCa;
    if (!ca || this.opts.debugCaControl !== true) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(ca ? 'CA control is off (debugCaControl)\n' : 'no CA runs here\n');
      return;
    }
    if (method !== 'POST') {
      res.writeHead(405, { allow: 'POST', 'content-type': 'text/plain' }).end('POST only\n');
      return;
    }
    try {
      if (url.endsWith('/stop')) await ca.stopServing();
      else await ca.resumeServing();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ serving: ca.serving, port: ca.port }));
    } catch (e) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(e as Error).message}\n`);
    }
  }

  /** The CA's port (0 without a CA). */
  get caPort(): number {
    return this.meshCa?.port ?? 0;
  }

  async stop(): Promise<void> {
    await this.dashboard?.stop();
    this.meshWatcher?.stop();
    this.opts.meshConfigSource?.stop();
    this.jwks.stop();
    this.source.stop();
    await this.meshCa?.stop();
    this.credentials.stop();
    await this.server.close();
    this.debug?.close();
    this.debug?.closeAllConnections();
  }
}

/** The folder's changes between two snapshots, as istiod counts watch events: per accepted object, add, update (new generation) or delete. */
export function countConfigEvents(
  before: ConfigSnapshot | undefined, after: ConfigSnapshot, count: (kind: string, event: 'add' | 'update' | 'delete') => void,
): void {
  const kindOf = (o: ConfigObject): string => (o as { kind?: string }).kind ?? 'unknown';
  const generationOf = (o: ConfigObject): unknown => (o as { metadata?: { generation?: unknown } }).metadata?.generation;
  const old = new Map((before?.accepted ?? []).map((a) => [a.key, a.obj] as const));
  for (const a of after.accepted) {
    const prev = old.get(a.key);
    if (prev === undefined) count(kindOf(a.obj), 'add');
    else if (prev !== a.obj && generationOf(prev) !== generationOf(a.obj)) count(kindOf(a.obj), 'update');
    old.delete(a.key);
  }
  for (const o of old.values()) count(kindOf(o), 'delete');
}

function splitHostPort(a: string): [string, number] {
  const i = a.lastIndexOf(':');
  return [a.slice(0, i) || '127.0.0.1', Number(a.slice(i + 1))];
}
