// `weft up DIR`: the whole mesh on one machine. Starts the control plane,
// then each workload with its own sidecar (one `weft proxy` per workload,
// bootstrapped to the control plane over ADS), derives the service registry
// from the workloads file, and stops everything in order on Ctrl-C.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { ConfigErrors } from '../common/errors.js';
import { LogRegistry } from '../common/log.js';
import { spiffeId, type WorkloadIdentity } from '../control/ca/workload-identity.js';
import { ControlPlane } from '../control/control-plane.js';
import { agentSecret, ISTIO_TLS } from '../control/translate/istio-tls.js';
import { loadBootstrapText } from '../proxy/config/bootstrap.js';
import { ConfigChangeReporter } from './config-changes.js';
import { DEMO_ISSUER_DEFAULTS, DemoIssuer } from './demo-issuer.js';
import { holdPorts, type HeldPorts } from './ports.js';
import { sdsGrpcCluster, sidecarBootstrap, STDOUT_ACCESS_LOG, type SidecarPorts } from './sidecar-bootstrap.js';
import { Supervised } from './supervisor.js';
import { UP_DEFAULTS } from './up-defaults.js';
import { findPrometheus, prometheusConfig, PROMETHEUS_JOB, PROMETHEUS_MISSING_NOTE, scrapeHints, type ScrapeHints, type ScrapeTarget } from './prometheus.js';
import type { DashboardTarget } from '../control/dashboard/dashboard.js';
import { MERGED_METRICS_DEFAULTS } from '../proxy/merged-metrics/defaults.js';
import { planUpTraces } from './up-traces.js';
import { checkWorkloadCommands, workloadCwd } from './workload-commands.js';
import { serviceHost, workloadRegistry } from './workload-registry.js';
import { loadWorkloadsFile, type Workload, type WorkloadsFile } from './workloads.js';

export interface UpOptions {
  dir: string;
  /** The `weft` entry script (bin/weft.js) used to start sidecars. */
  weftBin: string;
  out?: (line: string) => void;
  logLevel?: string;
  /** Address the sidecars' inbound listeners bind (default 127.0.0.1; see UP_DEFAULTS.bindAddress). */
  bind?: string;
  /** Sidecars log each request (Envoy's default format) to weft up's output. */
  accessLog?: boolean;
  /** Folder relative commands run in when a workload has no cwd (default: the current directory). */
  startDir?: string;
  /** Mesh mTLS (a CA, a node agent in every sidecar, auto mTLS); default true, as Istio. */
  mtls?: boolean;
  /** Workload certificate lifetime the sidecars ask for (a duration, e.g. 1h); default the agent's 24h. */
  certTtl?: string;
  /** Start a Prometheus scraping every sidecar and the control plane when one is installed (default true; --no-prometheus). */
  prometheus?: boolean;
  /** The Prometheus binary (--prometheus-bin); default `prometheus` on PATH. */
  prometheusBin?: string;
  /** Percent of requests traced (default 100: every request of the demo). */
  traceSampling?: number;
  /** Export spans to this collector (Zipkin v2 JSON, or OTLP/HTTP when the path is /v1/traces) instead of the embedded receiver. */
  traceCollector?: string;
  /** The dashboard asks this Prometheus (base URL) first; the embedded store answers when it fails (--prometheus URL). */
  dashboardPrometheus?: string;
  /** The dashboard's embedded store scrapes this often (default 5 s; tests shorten it). */
  dashboardScrapeIntervalMs?: number;
}

/** Whether a workload's app is up: listening on its port, or why not. */
export interface WorkloadHealth {
  name: string;
  running: boolean;
  /** Why the app is not running (exited before listening, or did not listen in time). */
  reason?: string;
}

export interface UpState {
  dir: string;
  pid: number;
  xdsPort: number;
  debugPort: number;
  /** `scrape`: Istio's prometheus.io/* hints for the sidecar's merged endpoint (its own metrics and the app's). */
  workloads: { name: string; namespace: string; service: string; appPorts: Record<number, number>; ports: SidecarPorts; identity?: string; scrape: ScrapeHints }[];
  /** `scrape`: the edge proxy's own Prometheus endpoint (its admin /stats/prometheus, as Istio's gateways are scraped). */
  exposed: { service: string; port: number; url: string; admin?: number; identity?: string; scrape?: ScrapeHints }[];
  /** The control plane's own metrics (pilot_*, citadel_*), as istiod's pod annotations point Prometheus at them. */
  controlPlane: { scrape: ScrapeHints };
  /** The Prometheus weft up started (absent with --no-prometheus or when none is installed; `notes` then says why). */
  prometheus?: { url: string; port: number; bin: string; config: string; dataDir: string; scrapeIntervalS: number };
  /** Whether the mesh runs with mTLS (CA, node agents, auto mTLS). */
  mtls?: boolean;
  /** The CA, when mTLS is on: its port, folder (kept across runs), kind and the root file sidecars are given. */
  ca?: { port: number; dir: string; source: 'self-signed' | 'plugged'; rootCert: string; trustDomain: string };
  /** Pids of every child (sidecars, apps, edge proxies), so a later run can clean up after a crash. */
  children: number[];
  /** Each workload's app at start-up: running only once it accepts connections on its port. */
  health: WorkloadHealth[];
  /** Notes for the banner (e.g. a bootstrap feature this proxy does not take yet). */
  notes: string[];
  /** Where traces go: the embedded receiver (Zipkin's query API under url + /api/v2/) or an external collector. */
  traces?: { url: string; receiver: boolean; sampling: number };
  /** The demo JWT issuer (RequestAuthentication scenario): its `iss`, JWKS URL and signed demo tokens. */
  demoIssuer?: { issuer: string; jwksUri: string; tokens: { token: string; groupToken: string; expiredToken: string } };
  /** The dashboard (on the control plane's loopback debug address); `weft dashboard DIR` reads it from here. */
  dashboard?: { url: string; prometheus?: string };
}

const SIDECAR_DRAIN_S = UP_DEFAULTS.sidecarDrainS;

export class WeftUp {
  private cp: ControlPlane | undefined;
  private readonly sidecars: Supervised[] = [];
  private readonly apps: Supervised[] = [];
  private prom: Supervised | undefined;
  private readonly out: (line: string) => void;
  private stateDir = '';
  state: UpState | undefined;
  private stopped = false;
  private changes: ConfigChangeReporter | undefined;
  private issuer: DemoIssuer | undefined;

  constructor(private readonly opts: UpOptions) {
    this.out = opts.out ?? ((l) => process.stdout.write(l + '\n'));
  }

  /**
   * Loads and checks the folder: the workloads file (every error with its
   * path), the config folder, and each workload's folder and command.
   * Returns the parsed file or the errors.
   */
  static load(dir: string, startDir = process.cwd()): { file?: WorkloadsFile; errors: ConfigErrors } {
    const errs = new ConfigErrors();
    const wf = path.join(dir, 'workloads.yaml');
    const file = loadWorkloadsFile(fs.existsSync(wf) ? wf : path.join(dir, 'workloads.yml'), errs);
    const configDir = path.resolve(dir, file.config);
    if (!errs.hasErrors && !fs.existsSync(configDir)) errs.error('config', `folder ${configDir} does not exist`);
    if (!errs.hasErrors) checkWorkloadCommands(file.workloads, path.resolve(dir), startDir, errs);
    return errs.hasErrors ? { errors: errs } : { file, errors: errs };
  }

  async start(): Promise<UpState> {
    const dir = path.resolve(this.opts.dir);
    const startDir = this.opts.startDir ?? process.cwd();
    const bind = this.opts.bind ?? UP_DEFAULTS.bindAddress;
    const { file, errors } = WeftUp.load(dir, startDir);
    if (!file) throw new Error(`${dir}/workloads.yaml:\n${errors.format()}`);
    this.reapStale(dir);
    this.stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-up-'));

    // Ports for every sidecar and app, asked of the kernel: two runs never clash.
    // They stay held until the sidecars start, so the control plane's own :0
    // servers (xDS, debug, CA) cannot be given one of them.
    const plan = new Map<Workload, SidecarPorts>();
    const held: HeldPorts[] = [];
    for (const w of file.workloads) {
      const h = await holdPorts(3 + 2 * w.ports.length);
      held.push(h);
      const ps = h.ports;
      const inbound: Record<number, number> = {};
      const app: Record<number, number> = {};
      w.ports.forEach((p, i) => {
        inbound[p.port] = ps[3 + 2 * i]!;
        app[p.port] = ps[4 + 2 * i]!;
      });
      plan.set(w, { admin: ps[0]!, outbound: ps[1]!, metrics: ps[2]!, inbound, app });
    }
    // The edges' admin ports and Prometheus's, known now: Prometheus starts
    // with the sidecars (its config names every target) and is ready by the
    // time the apps are.
    const extra = await holdPorts(file.expose.length + 1);
    held.push(extra);
    const edgeAdminPorts = extra.ports.slice(0, file.expose.length);
    const prometheusPort = extra.ports[file.expose.length]!;

    // The registry: an endpoint per workload at its sidecar's inbound port, on the address other sidecars dial.
    const dialAddress = bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind;
    const mtls = this.opts.mtls !== false;
    const registry = workloadRegistry(file.workloads, dialAddress, (w, port) => plan.get(w)!.inbound[port]!, { sidecarMtls: mtls });

    // The demo JWT issuer first: a RequestAuthentication already in the config folder fetches its keys at once.
    this.issuer = new DemoIssuer(path.join(dir, UP_DEFAULTS.demoIssuerKey));
    const issuerPort = await this.issuer.listen('127.0.0.1');
    const demoTokens = this.issuer.writeTokens(path.join(dir, '.weft'));
    const issuerNotes = issuerPort === DEMO_ISSUER_DEFAULTS.port ? [] : [`the demo JWT issuer's port ${DEMO_ISSUER_DEFAULTS.port} is taken; its JWKS is at ${this.issuer.jwksUri('127.0.0.1')}: edit the jwksUri of scenario 12 to match`];

    const logs = new LogRegistry((this.opts.logLevel ?? 'info') as never, (l) => this.out(l.trimEnd()));
    const configDir = path.resolve(dir, file.config);
    const caDir = path.join(dir, UP_DEFAULTS.caDir);
    const traces = await planUpTraces({ ...(this.opts.traceSampling !== undefined ? { sampling: this.opts.traceSampling } : {}), ...(this.opts.traceCollector !== undefined ? { collector: this.opts.traceCollector } : {}) });
    const traceQueryUrl = zipkinQueryBase(traces.collector);
    this.cp = new ControlPlane({
      configDir, registries: [registry, traces.registry], mesh: traces.mesh, traceReceiver: traces.receiver, xdsAddress: '127.0.0.1:0', debugAddress: '127.0.0.1:0', logs,
      dashboard: {
        ...(this.opts.dashboardPrometheus ? { prometheusUrl: this.opts.dashboardPrometheus } : {}),
        ...(this.opts.dashboardScrapeIntervalMs ? { scrapeIntervalMs: this.opts.dashboardScrapeIntervalMs } : {}),
        ...(traceQueryUrl ? { traceQueryUrl } : {}),
      },
      ...(mtls ? { ca: { dir: caDir, address: '127.0.0.1:0' } } : {}),
      // Local, loopback-only: the debug server may stop and resume the CA (docs/cli.md).
      debugCaControl: true,
    });
    await this.cp.start();
    const xdsPort = this.cp.xdsPort;
    traces.receiverListening(this.cp.debugPort);

    // mTLS: the CA's roots in a file every sidecar reads, and one token per
    // workload (its namespace and service account), in a file only that
    // sidecar is handed (mode 0600, in this run's private state folder).
    const rootCert = path.join(this.stateDir, 'root-cert.pem');
    const meshCa = this.cp.meshCa;
    meshCa?.publishRoots(rootCert);
    const agentArgs = (identity: WorkloadIdentity, name: string): string[] => {
      if (!meshCa) return [];
      const tokenFile = path.join(this.stateDir, `${name}.token`);
      fs.writeFileSync(tokenFile, `${meshCa.tokens.mint(identity)}\n`, { mode: 0o600 });
      return ['--ca-address', `127.0.0.1:${meshCa.port}`, '--ca-root-cert', rootCert, '--ca-token-file', tokenFile,
        '--trust-domain', meshCa.ca.trustDomain, ...(this.opts.certTtl ? ['--cert-ttl', this.opts.certTtl] : [])];
    };
    const identityOf = (id: WorkloadIdentity): string => spiffeId(meshCa!.ca.trustDomain, id);
    const sdsSocketPath = (name: string): string => path.join(this.stateDir, `${name}.sds.sock`);
    this.changes = new ConfigChangeReporter(configDir, (l) => this.out(l));
    await this.changes.start();

    for (const h of held) await h.release();

    // Prometheus, scraping what the hints name: every sidecar's merged endpoint, the edges and the control plane.
    const workloadsState = file.workloads.map((w) => ({ name: w.name, namespace: w.namespace, service: w.service, appPorts: plan.get(w)!.app, ports: plan.get(w)!, ...(meshCa ? { identity: identityOf(w) } : {}), scrape: scrapeHints(plan.get(w)!.metrics!, MERGED_METRICS_DEFAULTS.path) }));
    const controlPlane = { scrape: scrapeHints(this.cp.debugPort, CONTROL_PLANE_METRICS_PATH) };
    const targets: ScrapeTarget[] = [
      ...workloadsState.map((w) => ({ namespace: w.namespace, pod: w.name, scrape: w.scrape })),
      ...file.expose.map((e, i) => ({ namespace: UP_DEFAULTS.edgeIdentity.namespace, pod: `expose-${e.service}-${e.port}`, scrape: scrapeHints(edgeAdminPorts[i]!, ADMIN_PROMETHEUS_PATH) })),
      { namespace: UP_DEFAULTS.controlPlaneNamespace, pod: UP_DEFAULTS.controlPlanePod, scrape: controlPlane.scrape },
    ];
    this.cp.dashboard?.setTargets(dashboardTargets(file.workloads, targets, (w) => plan.get(w)!.metrics!, file.expose.map((e, i) => ({ service: e.service, namespace: e.namespace, port: e.port, admin: edgeAdminPorts[i]! }))));
    const notes: string[] = [...issuerNotes];
    const prometheusReady = this.opts.prometheus === false ? Promise.resolve(undefined) : this.startPrometheus(dir, targets, prometheusPort, notes)
      .catch((err: unknown) => (notes.push(`Prometheus not started: ${(err as Error).message}`), undefined));

    // Sidecars, then apps. Each bootstrap is checked by the proxy's own loader
    // first, so a problem is one clear error here rather than six crash loops.
    const bootstraps = new Map<Workload, object>();
    for (const w of file.workloads) {
      const b = sidecarBootstrap(w, plan.get(w)!, xdsPort, { bind, accessLog: this.opts.accessLog === true, dialAddress, istioStatsTags: true, ...(meshCa ? { sdsSocket: sdsSocketPath(w.name) } : {}) });
      bootstraps.set(w, acceptedBootstrap(b, w.name, notes));
    }
    for (const w of file.workloads) {
      const ports = plan.get(w)!;
      const bootstrapFile = path.join(this.stateDir, `${w.name}.bootstrap.json`);
      fs.writeFileSync(bootstrapFile, JSON.stringify(bootstraps.get(w), null, 2));
      const sc = new Supervised({ name: `${w.name}/sidecar`, command: [process.execPath, this.opts.weftBin, 'proxy', '-c', bootstrapFile, '--drain-time-s', String(SIDECAR_DRAIN_S), '--log-level', 'warning',
        ...mergedMetricsArgs(w, ports),
        ...agentArgs({ namespace: w.namespace, serviceAccount: w.serviceAccount }, w.name)], env: {} }, this.out);
      sc.start();
      this.sidecars.push(sc);
    }
    await Promise.all(file.workloads.map((w) => waitReady(plan.get(w)!.admin, UP_DEFAULTS.sidecarReadyTimeoutMs)));
    for (const w of file.workloads) {
      const ports = plan.get(w)!;
      const first = w.ports[0]!;
      const app = new Supervised({
        name: w.name,
        command: w.command,
        cwd: workloadCwd(w, dir, startDir),
        env: {
          ...w.env,
          PORT: String(ports.app[first.port]),
          HTTP_PROXY: `http://127.0.0.1:${ports.outbound}`,
          SERVICE_NAME: w.service,
          ...(w.labels.version ? { SERVICE_VERSION: w.labels.version } : {}),
          WEFT_WORKLOAD: w.name,
        },
      }, this.out);
      app.start();
      this.apps.push(app);
    }

    // Running means listening: each app must accept connections on its port.
    const health = await Promise.all(file.workloads.map((w, i) => appHealth(w, this.apps[i]!, plan.get(w)!.app[w.ports[0]!.port]!, UP_DEFAULTS.appReadyTimeoutMs)));

    // Exposed ports: a small edge proxy per exposed service port, in front of the service's sidecars.
    const exposed: UpState['exposed'] = [];
    for (const [ei, e] of file.expose.entries()) {
      const backends = file.workloads.filter((w) => w.service === e.service && w.namespace === e.namespace);
      const targets = backends.map((w) => plan.get(w)!.inbound[e.port]!);
      let hostPort = e.hostPort;
      const admin = edgeAdminPorts[ei]!;
      const edgePorts = await holdPorts(1);
      const [free] = edgePorts.ports;
      await edgePorts.release();
      if (hostPort === 0 || !(await portFree(hostPort, bind))) hostPort = free!;
      const edgeName = `expose-${e.service}-${e.port}`;
      const file2 = path.join(this.stateDir, `${edgeName}.json`);
      const mesh = meshCa && backends[0] ? {
        sdsSocket: sdsSocketPath(edgeName),
        // SNI and peer identities as Istio's auto mTLS sets them for this service port.
        sni: `outbound_.${e.port}_._.${serviceHost(backends[0])}`,
        peerIdentities: [...new Set(backends.map(identityOf))],
      } : undefined;
      const edgeB = edgeBootstrap(e.service, { bind, port: hostPort, admin: admin!, targets, dialAddress, accessLog: this.opts.accessLog === true, ...(mesh ? { mesh } : {}) });
      fs.writeFileSync(file2, JSON.stringify(acceptedBootstrap(edgeB, edgeName, notes)));
      const edge = new Supervised({ name: `expose/${e.service}`, command: [process.execPath, this.opts.weftBin, 'proxy', '-c', file2, '--drain-time-s', String(SIDECAR_DRAIN_S), '--log-level', 'warning',
        ...agentArgs(UP_DEFAULTS.edgeIdentity, edgeName)], env: {} }, this.out);
      edge.start();
      this.sidecars.push(edge);
      await waitReady(admin!, UP_DEFAULTS.sidecarReadyTimeoutMs);
      exposed.push({ service: e.service, port: e.port, url: `http://${urlHost(bind)}:${hostPort}${e.path}`, admin: admin!, ...(meshCa ? { identity: identityOf(UP_DEFAULTS.edgeIdentity) } : {}), scrape: scrapeHints(admin!, ADMIN_PROMETHEUS_PATH) });
    }

    const prometheus = await prometheusReady;

    this.state = {
      dir,
      pid: process.pid,
      xdsPort,
      debugPort: this.cp.debugPort,
      workloads: workloadsState,
      exposed,
      controlPlane,
      ...(prometheus ? { prometheus } : {}),
      mtls,
      ...(meshCa ? { ca: { port: meshCa.port, dir: caDir, source: meshCa.source.kind, rootCert, trustDomain: meshCa.ca.trustDomain } } : {}),
      children: [...this.sidecars, ...this.apps, ...(this.prom ? [this.prom] : [])].map((p) => p.pid).filter((p): p is number => p !== undefined),
      health,
      notes,
      traces: { url: traces.collector ?? `http://127.0.0.1:${this.cp.debugPort}`, receiver: traces.receiver, sampling: traces.sampling },
      demoIssuer: { issuer: this.issuer.issuer, jwksUri: this.issuer.jwksUri('127.0.0.1'), tokens: demoTokens },
      dashboard: { url: `http://127.0.0.1:${this.cp.debugPort}/dashboard/`, ...(this.opts.dashboardPrometheus ? { prometheus: this.opts.dashboardPrometheus } : {}) },
    };
    fs.mkdirSync(path.join(dir, '.weft'), { recursive: true });
    fs.writeFileSync(path.join(dir, '.weft', 'state.json'), JSON.stringify(this.state, null, 2));
    return this.state;
  }

  /**
   * Starts Prometheus on `port` with a config generated from `targets`, its data under
   * DIR/.weft/prometheus. Not installed, or not ready in time: a note for the
   * banner, and the mesh runs without it.
   */
  private async startPrometheus(dir: string, targets: readonly ScrapeTarget[], port: number, notes: string[]): Promise<UpState['prometheus']> {
    const bin = findPrometheus(this.opts.prometheusBin);
    if (!bin) {
      notes.push(this.opts.prometheusBin !== undefined ? `--prometheus-bin ${this.opts.prometheusBin} is not an executable file; no Prometheus started` : PROMETHEUS_MISSING_NOTE);
      return undefined;
    }
    const home = path.join(dir, UP_DEFAULTS.prometheusDir);
    const dataDir = path.join(home, 'data');
    const config = path.join(home, 'prometheus.yml');
    fs.mkdirSync(dataDir, { recursive: true });
    const intervalS = UP_DEFAULTS.prometheusScrapeIntervalS;
    fs.writeFileSync(config, prometheusConfig(targets, intervalS));
    // Prometheus cannot listen on port 0: `port` is one the kernel gave (held with the sidecars' until now).
    const prom = new Supervised({
      name: 'prometheus',
      command: [bin, `--config.file=${config}`, `--storage.tsdb.path=${dataDir}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
      env: {},
    }, this.out);
    prom.start();
    this.prom = prom;
    const url = `http://127.0.0.1:${port}`;
    const end = Date.now() + UP_DEFAULTS.prometheusReadyTimeoutMs;
    for (;;) {
      try {
        if ((await fetch(`${url}/-/ready`)).status === 200) break;
      } catch {
        /* not listening yet */
      }
      if (Date.now() > end || prom.exits > 0) {
        notes.push(`Prometheus (${bin}) did not become ready on ${url} within ${UP_DEFAULTS.prometheusReadyTimeoutMs / 1000} s; stopped (its log lines are above)`);
        await prom.stop(2000);
        this.prom = undefined;
        return undefined;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return { url, port, bin, config, dataDir, scrapeIntervalS: intervalS };
  }

  /**
   * A previous `weft up` of this folder that died without stopping (SIGKILL,
   * crash) left its children running: stop them before starting anew.
   */
  private reapStale(dir: string): void {
    const f = path.join(dir, '.weft', 'state.json');
    let prev: Partial<UpState>;
    try {
      prev = JSON.parse(fs.readFileSync(f, 'utf8')) as Partial<UpState>;
    } catch {
      return;
    }
    if (prev.pid && alive(prev.pid)) throw new Error(`weft up is already running for ${dir} (pid ${prev.pid}); stop it first`);
    let n = 0;
    for (const pid of prev.children ?? []) {
      if (alive(pid)) {
        try {
          process.kill(pid, 'SIGTERM');
          n++;
        } catch {
          /* gone meanwhile */
        }
      }
    }
    if (n) this.out(`weft up: stopped ${n} processes left by an earlier run that did not shut down`);
    fs.rmSync(f, { force: true });
  }

  /** Drains sidecars, stops apps, then the control plane. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const p of [...this.sidecars, ...this.apps]) p.stopping = true;
    await Promise.all(this.sidecars.map((s) => s.stop((SIDECAR_DRAIN_S + 2) * 1000)));
    await Promise.all([...this.apps.map((a) => a.stop(3000)), this.prom?.stop(5000)]);
    this.changes?.stop();
    await this.cp?.stop();
    await this.issuer?.close();
    if (this.state) fs.rmSync(path.join(this.state.dir, '.weft', 'state.json'), { force: true });
    fs.rmSync(this.stateDir, { recursive: true, force: true });
  }

  /** SIGKILL to every child, synchronously (a second Ctrl-C). */
  killAll(): void {
    for (const p of [...this.sidecars, ...this.apps, ...(this.prom ? [this.prom] : [])]) {
      p.stopping = true;
      if (p.pid !== undefined) {
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }
  }

  get controlPlane(): ControlPlane | undefined {
    return this.cp;
  }
}

/**
 * The dashboard's scrape targets: the same endpoints the Prometheus config
 * names (and the same job, namespace and pod labels), plus what the graph
 * needs to know: each workload's app, version and service host, and which
 * targets are edge proxies (ingress nodes) or the control plane.
 */
function dashboardTargets(workloads: readonly Workload[], targets: readonly ScrapeTarget[], metricsPort: (w: Workload) => number, edges: { service: string; namespace: string; port: number; admin: number }[]): DashboardTarget[] {
  const url = (t: ScrapeTarget): string => `http://127.0.0.1:${t.scrape['prometheus.io/port']}${t.scrape['prometheus.io/path']}`;
  const out: DashboardTarget[] = [];
  for (const t of targets) {
    const w = workloads.find((x) => x.name === t.pod && x.namespace === t.namespace && metricsPort(x) === Number(t.scrape['prometheus.io/port']));
    const edge = edges.find((e) => e.admin === Number(t.scrape['prometheus.io/port']));
    out.push({
      id: `${t.namespace}/${t.pod}`, workload: t.pod, namespace: t.namespace, url: url(t), job: PROMETHEUS_JOB,
      ...(w?.labels.app ? { app: w.labels.app } : {}),
      ...(w?.labels.version ? { version: w.labels.version } : {}),
      ...(w ? { service: serviceHost(w), kind: 'sidecar' as const } : edge ? { kind: 'ingress' as const } : { kind: 'control-plane' as const }),
    });
  }
  return out;
}

/** A Zipkin collector URL (…/api/v2/spans) → its server's base, where Zipkin's query API is; undefined for OTLP or none. */
function zipkinQueryBase(collector: string | undefined): string | undefined {
  if (!collector) return undefined;
  const u = new URL(collector);
  return u.pathname === '/v1/traces' ? undefined : u.origin;
}

/** Where the control plane serves its metrics (on its debug address), as istiod's `prometheus.io/path`. */
const CONTROL_PLANE_METRICS_PATH = '/metrics';
/** A proxy's own Prometheus endpoint on its admin port (Envoy's; Istio's 15090). */
const ADMIN_PROMETHEUS_PATH = '/stats/prometheus';

/**
 * The sidecar's merged metrics endpoint (Istio's agent on 15020): its own
 * metrics, and the app's when the workload declares `metrics` (read on the
 * app port of that service port).
 */
function mergedMetricsArgs(w: Workload, ports: SidecarPorts): string[] {
  const args = ['--merged-metrics-address', `127.0.0.1:${ports.metrics!}`];
  if (w.metrics) args.push('--app-metrics-port', String(ports.app[w.metrics.port]!), '--app-metrics-path', w.metrics.path);
  return args;
}

/** The host to print in a URL for a listener bound on `bind`. */
function urlHost(bind: string): string {
  if (bind === '0.0.0.0' || bind === '::') return '127.0.0.1';
  return bind.includes(':') ? `[${bind}]` : bind;
}

interface EdgeOptions {
  bind: string;
  port: number;
  admin: number;
  /** The service's sidecars' inbound ports, on dialAddress. */
  targets: number[];
  dialAddress: string;
  accessLog: boolean;
  /** Reach the sidecars as a mesh client: Istio mTLS with the node agent's `default` and `ROOTCA`. */
  mesh?: { sdsSocket: string; sni: string; peerIdentities: string[] };
}

/**
 * The edge's upstream TLS, as Istio's ISTIO_MUTUAL / auto mTLS cluster: the
 * agent's certificate, the mesh roots, the backends' SPIFFE identities, and
 * Istio's mesh mTLS ALPN (the same list the control plane's auto mTLS
 * clusters send, so the edge and the sidecars reach an inbound port alike).
 */
function meshUpstreamTls(m: NonNullable<EdgeOptions['mesh']>): object {
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
      sni: m.sni,
      common_tls_context: {
        alpn_protocols: [...ISTIO_TLS.mtlsAlpnUpstream],
        tls_certificate_sds_secret_configs: [agentSecret(ISTIO_TLS.workloadCertSecret)],
        combined_validation_context: {
          default_validation_context: { match_typed_subject_alt_names: m.peerIdentities.map((id) => ({ san_type: 'URI', matcher: { exact: id } })) },
          validation_context_sds_secret_config: agentSecret(ISTIO_TLS.rootCaSecret),
        },
      },
    },
  };
}

function edgeBootstrap(service: string, o: EdgeOptions): object {
  const { port, admin, targets } = o;
  const id = UP_DEFAULTS.edgeIdentity;
  return {
    node: {
      id: `router~127.0.0.1~expose-${service}.${id.namespace}~${id.namespace}.svc.cluster.local`, cluster: 'expose',
      metadata: { NAMESPACE: id.namespace, SERVICE_ACCOUNT: id.serviceAccount },
    },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: admin } } },
    static_resources: {
      listeners: [{
        name: `expose_${service}`,
        address: { socket_address: { address: o.bind, port_value: port } },
        filter_chains: [{ filters: [{
          name: 'envoy.filters.network.http_connection_manager',
          typed_config: {
            '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
            stat_prefix: `expose_${service}`,
            ...(o.accessLog ? { access_log: [STDOUT_ACCESS_LOG] } : {}),
            route_config: { name: 'expose', virtual_hosts: [{ name: service, domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: service, timeout: '0s' } }] }] },
            http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
          },
        }] }],
      }],
      clusters: [{
        name: service, type: 'STATIC', connect_timeout: '1s',
        load_assignment: { cluster_name: service, endpoints: [{ lb_endpoints: targets.map((t) => ({ endpoint: { address: { socket_address: { address: o.dialAddress, port_value: t } } } })) }] },
        ...(o.mesh ? { transport_socket: meshUpstreamTls(o.mesh) } : {}),
      }, ...(o.mesh ? [sdsGrpcCluster(o.mesh.sdsSocket)] : [])],
    },
  };
}

/**
 * The bootstrap as the proxy's own loader takes it. Parts that need a proxy
 * feature this build may lack are optional: Istio's stats tag rules
 * (stats_config), the `sds-grpc` cluster (a pipe address) and the edge's
 * upstream TLS. When the loader refuses only such parts, they are left out
 * and the banner says so, instead of every sidecar failing to start. Any
 * other refusal is a bug here and stops start-up.
 */
function acceptedBootstrap(b: object, name: string, notes: string[]): object {
  const errs = new ConfigErrors();
  loadBootstrapText(JSON.stringify(b), errs);
  if (!errs.hasErrors) return b;
  const rec = b as Record<string, unknown> & { static_resources?: { clusters?: Record<string, unknown>[] } };
  const clusters = rec.static_resources?.clusters ?? [];
  const sdsIndex = clusters.findIndex((c) => c.name === ISTIO_TLS.sdsCluster);
  const tlsIndexes = clusters.map((c, i) => ('transport_socket' in c ? i : -1)).filter((i) => i >= 0);
  const optional: { prefix: string; note: string; drop: (x: typeof rec) => void }[] = [
    { prefix: 'stats_config', note: 'sidecars run without Istio\'s stats tag rules', drop: (x) => { delete x.stats_config; } },
    ...(sdsIndex >= 0 ? [{ prefix: `static_resources.clusters[${sdsIndex}]`, note: 'proxies run without the sds-grpc cluster (the node agent still sets default and ROOTCA in the secret store)', drop: (x: typeof rec) => { x.static_resources!.clusters = x.static_resources!.clusters!.filter((c) => c.name !== ISTIO_TLS.sdsCluster); } }] : []),
    ...tlsIndexes.map((i) => ({ prefix: `static_resources.clusters[${i}].transport_socket`, note: 'the exposed ports\' edge proxies reach sidecars in plaintext (refused under STRICT)', drop: (x: typeof rec) => { delete x.static_resources!.clusters![i]!.transport_socket; } })),
  ];
  const hit = optional.filter((o) => errs.errors.some((e) => e.path.startsWith(o.prefix)));
  const covered = errs.errors.every((e) => hit.some((o) => e.path.startsWith(o.prefix)));
  if (!covered) throw new Error(`bootstrap of ${name} rejected by the proxy:\n${errs.format()}`);
  const copy = JSON.parse(JSON.stringify(b)) as typeof rec;
  for (const o of hit) {
    const first = errs.errors.find((e) => e.path.startsWith(o.prefix))!;
    const note = `${o.note}: this proxy refuses ${first.path}: ${first.message}`;
    if (!notes.includes(note)) notes.push(note);
  }
  // drop the cluster-level parts first (indexes stay valid), then the cluster itself
  for (const o of [...hit].sort((a, b2) => b2.prefix.length - a.prefix.length)) o.drop(copy);
  return copy;
}

/**
 * Waits until the app accepts connections on `port`. An app that exits
 * before it listens is not running (the supervisor restarts it with
 * back-off); one that does not listen within `timeoutMs` neither.
 */
async function appHealth(w: Workload, app: Supervised, port: number, timeoutMs: number): Promise<WorkloadHealth> {
  const end = Date.now() + timeoutMs;
  const exitsBefore = app.exits;
  for (;;) {
    if (await accepts(port)) return { name: w.name, running: true };
    if (app.exits > exitsBefore) return { name: w.name, running: false, reason: `exited (${app.lastExit}) before listening on 127.0.0.1:${port}; restarting with back-off` };
    if (Date.now() > end) return { name: w.name, running: false, reason: `not listening on 127.0.0.1:${port} (its PORT) after ${timeoutMs / 1000} s` };
    await new Promise((r) => setTimeout(r, 100));
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function portFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls a proxy's /ready until 200 (LIVE), bounded. */
export async function waitReady(adminPort: number, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(`http://127.0.0.1:${adminPort}/ready`);
      if (r.status === 200) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > end) throw new Error(`proxy with admin port ${adminPort} not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
