// The proxy process: owns the shared context, the live clusters and
// listeners, the admin server, and the lifecycle (start, config swap,
// drain, shutdown). Runtime config is swappable: applyStatic() and, with
// xDS, the dynamic updates replace pieces while requests in flight finish
// on what they started with.
import { closeTracerExporters } from './tracing/tracer-exporters.js';
import os from 'node:os';
import { systemClock, type Clock } from '../common/clock.js';
import { LogRegistry, type Logger } from '../common/log.js';
import { StatsStore } from '../stats/stats-store.js';
import { AccessLogManager } from './access-log/access-log-manager.js';
import { hasSecureTransportSocket, type BootstrapConfig } from './config/bootstrap.js';
import type { ListenerConfig } from './config/listener.js';
import type { ProxyContext } from './context.js';
import { ClusterManager } from './upstream/cluster-manager.js';
import type { ClusterDeps } from './upstream/cluster.js';
import { ActiveListener } from './listener/listener.js';
import type { RouteTable } from './route/route-table.js';
import { AdminServer } from './admin/admin.js';
import { WEFT_VERSION } from '../common/version.js';
import type { XdsClient } from './xds-client/xds-client.js';
import type { AdsTransportFactory } from './xds-client/ads-stream.js';
import type { HdsClient } from './hds/hds-client.js';
import { DEFAULT_STATS_FLUSH_INTERVAL_MS } from '../stats/index.js';
import { Runtime } from './runtime/runtime.js';
import { EMPTY_RUNTIME_CONFIG } from './runtime/decode.js';
import { OverloadManager } from './overload/overload-manager.js';
import { ISTIO_TLS } from '../control/translate/istio-tls.js';
import { MemorySecretStore } from './tls/secret-store.js';
import { SdsManager, type SecretStatus } from './tls/sds/sds-manager.js';
import { decodeSecret } from './tls/sds/secret-decode.js';
import { bootstrapSdsRefs } from './tls/sds/sds-refs.js';
import { nodeProto } from './xds-client/node.js';
import { grpcTarget } from './config/address.js';
import type { AdminRuntime, DynamicState, HdsRuntime, ListenerStatus, ServerState, XdsRuntime } from './runtime.js';
import type { AgentConfig } from '../agent/agent-config.js';
import type { NodeAgent } from '../agent/node-agent.js';

export type { ServerState, DynamicState } from './runtime.js';

export interface ProxyOptions {
  clock?: Clock;
  random?: () => number;
  logs?: LogRegistry;
  /** Drain time on SIGTERM / shutdown, ms (Envoy's --drain-time-s default is 600 s; weft defaults to 5 s). */
  drainTimeMs?: number;
  /** Where an entry's name came from, for server_info. */
  configPath?: string;
  /** DNS seam for DNS clusters (tests resolve names without a DNS server). */
  lookup?: ClusterDeps['lookup'];
  /** Run the node agent (the workload's certificate from the CA, into the secret store) with this config. */
  agent?: AgentConfig;
  /** How long start() waits for the agent's first certificate before going on without it (default 10 s). */
  agentStartWaitMs?: number;
  /** The ADS stream under the xDS client (a worker of `--concurrency N` relays it through the primary); gRPC by default. */
  adsTransport?: AdsTransportFactory;
  /** --concurrency, for server_info and the server.concurrency gauge. */
  concurrency?: number;
  /** Bind the admin listener for this process alone (a worker's private admin must not be shared through node:cluster). */
  adminExclusive?: boolean;
}

export class ProxyServer implements AdminRuntime, XdsRuntime, HdsRuntime {
  readonly ctx: ProxyContext;
  readonly logs: LogRegistry;
  readonly log: Logger;
  private lifecycle: ServerState = 'PRE_INITIALIZING';
  private hcFailed = false;

  /** /healthcheck/fail: the server reports DRAINING (Envoy's serverState) until /healthcheck/ok. */
  get healthCheckFailed(): boolean {
    return this.hcFailed;
  }

  set healthCheckFailed(v: boolean) {
    this.hcFailed = v;
    if (this.lifecycle === 'LIVE') {
      this.ctx.stats.gauge('server.live', 'never_import').set(v ? 0 : 1);
      this.ctx.stats.gauge('server.state').set(v ? 1 : 0);
    }
  }

  get state(): ServerState {
    return this.healthCheckFailed && this.lifecycle === 'LIVE' ? 'DRAINING' : this.lifecycle;
  }

  set state(s: ServerState) {
    this.lifecycle = s;
  }
  configAppliedAt = Date.now();
  private readonly listeners = new Map<string, ActiveListener>();
  private readonly routeTables = new Map<string, RouteTable>();
  private admin: AdminServer | undefined;
  adminPort: number | undefined;
  private readonly startedAt = Date.now();
  private readonly drainTimeMs: number;
  /** Hook for the xDS client to describe dynamic resources in config_dump. */
  dynamicState: () => DynamicState = () => ({ listeners: [], clusters: [], routes: [] });
  private shuttingDown: Promise<void> | undefined;
  xds: XdsClient | undefined;
  /** Every secret the proxy holds (static, SDS, node agent). */
  readonly secrets = new MemorySecretStore();
  /**
   * Fetches SDS secrets as TLS contexts first ask for them. An in-process
   * provider (the node agent) calls `sds.claimApiCluster(name)` before
   * start() to serve that cluster's secrets itself.
   */
  readonly sds: SdsManager;
  /** Health Discovery Service client, when the bootstrap has hds_config. */
  hds: HdsClient | undefined;
  /** The node agent, when started with one (opts.agent). */
  nodeAgent: NodeAgent | undefined;

  constructor(public bootstrap: BootstrapConfig, readonly opts: ProxyOptions = {}) {
    this.logs = opts.logs ?? new LogRegistry();
    this.log = this.logs.logger('main');
    const clock = opts.clock ?? systemClock;
    const random = opts.random ?? Math.random;
    const stats = new StatsStore(bootstrap.statsOptions);
    const log = this.logs.logger('upstream');
    const clusters = new ClusterManager({ clock, random, stats, log, secrets: this.secrets, ...(opts.lookup ? { lookup: opts.lookup } : {}) });
    const runtime = new Runtime(bootstrap.runtime ?? EMPTY_RUNTIME_CONFIG, stats, this.logs.logger('runtime'), bootstrap.runtimeKeys);
    const overload = new OverloadManager(bootstrap.overload, { runtime, stats, clock, log: this.logs.logger('overload') });
    this.ctx = { clock, random, stats, log: this.logs.logger('http'), clusters, accessLogs: new AccessLogManager({ clock }), runtime, overload, secrets: this.secrets, serverHealth: this, node: bootstrap.node };
    this.sds = new SdsManager({
      store: this.secrets,
      stats,
      clock,
      random,
      log: this.logs.logger('sds'),
      decode: (s, path, errs) => decodeSecret(s, path, errs, `sds:${s.name ?? ''}`),
      node: nodeProto(bootstrap.node),
      clusterTarget: (name) => {
        const h = clusters.get(name)?.pickHost();
        return h ? grpcTarget(h.address, h.port) : undefined;
      },
      clusterWantsTls: (name) => {
        const c = clusters.get(name);
        return c !== undefined && hasSecureTransportSocket(c.config.source);
      },
    });
    this.sds.setStatic(bootstrap.secrets);
    for (const r of bootstrapSdsRefs(bootstrap.source)) if (r.initialFetchTimeoutMs !== undefined) this.sds.noteInitialFetchTimeout(r.ref, r.initialFetchTimeoutMs);
    this.sds.attach();
    this.drainTimeMs = opts.drainTimeMs ?? 5000;
    stats.gauge('server.live', 'never_import').set(0);
    stats.gauge('server.state').set(2);
    stats.gauge('server.uptime');
    stats.gauge('server.concurrency').set(opts.concurrency ?? 1);
  }

  /** Binds admin, creates clusters, binds listeners; LIVE when done. */
  async start(): Promise<void> {
    this.state = 'INITIALIZING';
    this.ctx.stats.gauge('server.state').set(3);
    const b = this.bootstrap;
    this.ctx.runtime.watch();
    this.ctx.overload.start();
    if (b.admin) {
      this.admin = new AdminServer(this);
      this.adminPort = await this.admin.listen(b.admin.address.host, b.admin.address.port, this.opts.adminExclusive);
    }
    // After the admin (its /weft/agent shows why a first certificate is late), before clusters and listeners.
    if (this.opts.agent) await this.startNodeAgent(this.opts.agent);
    this.ctx.clusters.replaceAll(b.clusters);
    // Envoy's cluster warming: DNS clusters resolve before listeners take traffic.
    await Promise.all(this.ctx.clusters.all().map((c) => c.initialized));
    await this.applyListeners(b.listeners);
    this.configAppliedAt = Date.now();
    if (b.hds) {
      // Lazily loaded for the same reason as the xDS client (gRPC's memory).
      const { HdsClient } = await import('./hds/hds-client.js');
      this.hds = HdsClient.forProxy(this, b.hds);
      this.hds.start();
    }
    if (b.dynamic) {
      // LIVE once the first full config from xDS is applied and ACKed.
      // Loaded only when needed: gRPC costs ~13 MiB of RSS a static proxy does not need.
      const { XdsClient } = await import('./xds-client/xds-client.js');
      this.xds = new XdsClient(this, b.dynamic, this.sds, this.opts.adsTransport);
      this.sds.attachAds(this.xds);
      this.xds.start();
    } else this.markLive();
    this.statsFlushTimer();
  }

  /**
   * Starts the node agent and waits (bounded) for its first certificate, so
   * TLS listeners and clusters find `default` and `ROOTCA` when they are
   * built; a CA that is down does not stop the proxy (the agent keeps
   * retrying). Loaded only when used, like the xDS client.
   */
  private async startNodeAgent(cfg: AgentConfig): Promise<void> {
    const { NodeAgent } = await import('../agent/node-agent.js');
    // The agent serves Istio's `sds-grpc` in process: no SDS stream is opened to that cluster.
    const claim = this.sds.claimApiCluster(ISTIO_TLS.sdsCluster);
    const agent = new NodeAgent({ ...cfg, secrets: { set: (ref, v) => claim.set(ref.name, v) }, stats: this.ctx.stats, clock: this.ctx.clock, random: this.ctx.random, log: this.logs.logger('agent') });
    this.nodeAgent = agent;
    await new Promise<void>((resolve) => {
      const timer = this.ctx.clock.setTimer(this.opts.agentStartWaitMs ?? 10_000, done);
      const off = agent.onEvent((e) => { if (e.kind === 'issued') done(); });
      function done(): void {
        timer.cancel();
        off();
        resolve();
      }
      agent.start();
    });
  }

  /** Envoy flushes stats (histogram intervals, counter deltas) every stats_flush_interval (default 5 s). */
  private statsFlushTimer(): void {
    const t = this.ctx.clock.setTimer(this.bootstrap.statsFlushIntervalMs ?? DEFAULT_STATS_FLUSH_INTERVAL_MS, () => {
      if (this.shuttingDown) return;
      this.ctx.stats.gauge('server.uptime').set(Math.floor((Date.now() - this.startedAt) / 1000));
      this.ctx.stats.flush();
      this.statsFlushTimer();
    });
    void t;
  }

  markLive(): void {
    this.state = 'LIVE';
    this.ctx.stats.gauge('server.live', 'never_import').set(this.hcFailed ? 0 : 1);
    this.ctx.stats.gauge('server.state').set(this.hcFailed ? 1 : 0);
  }

  /** Adds, updates or removes listeners to match `cfgs`. */
  async applyListeners(cfgs: readonly ListenerConfig[]): Promise<void> {
    const keep = new Set(cfgs.map((c) => c.name));
    for (const [name, l] of this.listeners) {
      if (!keep.has(name)) {
        l.drain();
        this.listeners.delete(name);
        this.byPort = undefined;
        this.ctx.clock.setTimer(this.drainTimeMs, () => l.close());
      }
    }
    for (const cfg of cfgs) {
      const cur = this.listeners.get(cfg.name);
      const sameAddress = cur && cur.config.address.host === cfg.address.host && cur.config.address.port === cfg.address.port;
      if (cur && sameAddress) {
        if (JSON.stringify(cur.config.source) !== JSON.stringify(cfg.source)) cur.update(cfg, this.drainTimeMs);
        continue;
      }
      if (cur) {
        cur.drain();
        this.ctx.clock.setTimer(this.drainTimeMs, () => cur.close());
      }
      const l = new ActiveListener(cfg, this.ctx, (name) => this.routeTables.get(name), (ip, port) => this.listenerFor(ip, port));
      if (cfg.bindToPort) await l.listen();
      this.listeners.set(cfg.name, l);
      this.byPort = undefined;
    }
  }

  /**
   * use_original_dst's hand-off: the listener whose address is exactly
   * ip:port, else the one on the wildcard address of that port in the
   * address's family (0.0.0.0 for IPv4, :: for IPv6), as Envoy picks; an IPv4
   * address falls back to a :: listener (Envoy's ipv4_compat). Bound or not
   * (bind_to_port: false).
   */
  private listenerFor(ip: string, port: number): ActiveListener | undefined {
    if (!this.byPort) {
      this.byPort = new Map();
      for (const l of this.listeners.values()) {
        const list = this.byPort.get(l.config.address.port) ?? [];
        list.push(l);
        this.byPort.set(l.config.address.port, list);
      }
    }
    const v6 = ip.includes(':');
    let wildcard: ActiveListener | undefined;
    let compat: ActiveListener | undefined;
    for (const l of this.byPort.get(port) ?? []) {
      const a = l.config.address;
      if (a.host === ip) return l;
      if (a.host === (v6 ? '::' : '0.0.0.0')) wildcard ??= l;
      else if (!v6 && a.host === '::') compat ??= l;
    }
    return wildcard ?? compat;
  }

  /** Listeners by port, for listenerFor; rebuilt after the listener set changes. */
  private byPort: Map<number, ActiveListener[]> | undefined;

  /** The config a running listener was built from (listener warming keeps it while the new one warms). */
  activeListenerConfig(name: string): ListenerConfig | undefined {
    return this.listeners.get(name)?.config;
  }

  /** RDS: makes a route table available by name to listeners using `rds`. */
  setRouteTable(name: string, table: RouteTable | undefined): void {
    if (table) this.routeTables.set(name, table);
    else this.routeTables.delete(name);
  }

  secretStatuses(): SecretStatus[] {
    return this.sds.statuses();
  }

  listenerStatuses(): ListenerStatus[] {
    return [...this.listeners.values()].map((l) => ({ name: l.config.name, host: l.config.address.host, port: l.boundPort ?? l.config.address.port }));
  }

  /** Bound port of a listener by name (tests bind port 0). */
  listenerPort(name: string): number | undefined {
    return this.listeners.get(name)?.boundPort;
  }

  drainListeners(opts: { inboundOnly?: boolean; graceful?: boolean } = {}): void {
    this.state = 'DRAINING';
    this.ctx.stats.gauge('server.state').set(1);
    for (const l of this.listeners.values()) {
      if (opts.inboundOnly && l.config.source.traffic_direction !== 'INBOUND') continue;
      l.drain();
    }
  }

  nodeAgentStatus(): unknown {
    return this.nodeAgent?.status();
  }

  serverInfo(): unknown {
    const up = Math.floor((Date.now() - this.startedAt) / 1000);
    return {
      version: `weft/${WEFT_VERSION}`,
      state: this.state,
      hot_restart_version: 'disabled',
      command_line_options: { config_path: this.opts.configPath ?? '', drain_time: `${this.drainTimeMs / 1000}s`, concurrency: this.opts.concurrency ?? 1 },
      node: { id: this.bootstrap.node.id, cluster: this.bootstrap.node.cluster, metadata: this.bootstrap.node.metadata, user_agent_name: 'weft' },
      uptime_current_epoch: `${up}s`,
      uptime_all_epochs: `${up}s`,
      hostname: os.hostname(),
    };
  }

  /**
   * Drains listeners (no new connections; keep-alive ends), waits until
   * connections finish or the drain time passes, then closes everything.
   */
  shutdown(exitCode?: number): Promise<void> {
    if (this.shuttingDown) return this.shuttingDown;
    this.shuttingDown = (async () => {
      this.drainListeners();
      this.xds?.stop();
      this.hds?.stop();
      this.sds.stop();
      this.nodeAgent?.stop();
      const deadline = Date.now() + this.drainTimeMs;
      while (Date.now() < deadline && [...this.listeners.values()].some((l) => l.activeConnections > 0)) {
        await new Promise((r) => setTimeout(r, 20));
      }
      for (const l of this.listeners.values()) l.close();
      this.listeners.clear();
      this.byPort = undefined;
      closeTracerExporters(this.ctx);
      this.ctx.clusters.close();
      this.ctx.runtime.close();
      this.ctx.overload.close();
      await this.ctx.accessLogs.close();
      this.admin?.close();
      if (exitCode !== undefined) process.exit(exitCode);
    })();
    return this.shuttingDown;
  }
}
