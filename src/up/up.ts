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
import { ControlPlane } from '../control/control-plane.js';
import { loadBootstrapText } from '../proxy/config/bootstrap.js';
import { ConfigChangeReporter } from './config-changes.js';
import { freePorts } from './ports.js';
import { sidecarBootstrap, STDOUT_ACCESS_LOG, type SidecarPorts } from './sidecar-bootstrap.js';
import { Supervised } from './supervisor.js';
import { UP_DEFAULTS } from './up-defaults.js';
import { checkWorkloadCommands, workloadCwd } from './workload-commands.js';
import { workloadRegistry } from './workload-registry.js';
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
  workloads: { name: string; service: string; appPorts: Record<number, number>; ports: SidecarPorts }[];
  exposed: { service: string; port: number; url: string }[];
  /** Pids of every child (sidecars, apps, edge proxies), so a later run can clean up after a crash. */
  children: number[];
  /** Each workload's app at start-up: running only once it accepts connections on its port. */
  health: WorkloadHealth[];
  /** Notes for the banner (e.g. a bootstrap feature this proxy does not take yet). */
  notes: string[];
}

const SIDECAR_DRAIN_S = UP_DEFAULTS.sidecarDrainS;

export class WeftUp {
  private cp: ControlPlane | undefined;
  private readonly sidecars: Supervised[] = [];
  private readonly apps: Supervised[] = [];
  private readonly out: (line: string) => void;
  private stateDir = '';
  state: UpState | undefined;
  private stopped = false;
  private changes: ConfigChangeReporter | undefined;

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
    const plan = new Map<Workload, SidecarPorts>();
    for (const w of file.workloads) {
      const ps = await freePorts(2 + 2 * w.ports.length);
      const inbound: Record<number, number> = {};
      const app: Record<number, number> = {};
      w.ports.forEach((p, i) => {
        inbound[p.port] = ps[2 + 2 * i]!;
        app[p.port] = ps[3 + 2 * i]!;
      });
      plan.set(w, { admin: ps[0]!, outbound: ps[1]!, inbound, app });
    }

    // The registry: an endpoint per workload at its sidecar's inbound port, on the address other sidecars dial.
    const dialAddress = bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind;
    const registry = workloadRegistry(file.workloads, dialAddress, (w, port) => plan.get(w)!.inbound[port]!);

    const logs = new LogRegistry((this.opts.logLevel ?? 'info') as never, (l) => this.out(l.trimEnd()));
    const configDir = path.resolve(dir, file.config);
    this.cp = new ControlPlane({ configDir, registries: [registry], xdsAddress: '127.0.0.1:0', debugAddress: '127.0.0.1:0', logs });
    await this.cp.start();
    const xdsPort = this.cp.xdsPort;
    this.changes = new ConfigChangeReporter(configDir, (l) => this.out(l));
    await this.changes.start();

    // Sidecars, then apps. Each bootstrap is checked by the proxy's own loader
    // first, so a problem is one clear error here rather than six crash loops.
    const notes: string[] = [];
    const bootstraps = new Map<Workload, object>();
    for (const w of file.workloads) {
      const b = sidecarBootstrap(w, plan.get(w)!, xdsPort, { bind, accessLog: this.opts.accessLog === true, dialAddress, istioStatsTags: true });
      bootstraps.set(w, acceptedBootstrap(b, w.name, notes));
    }
    for (const w of file.workloads) {
      const ports = plan.get(w)!;
      const bootstrapFile = path.join(this.stateDir, `${w.name}.bootstrap.json`);
      fs.writeFileSync(bootstrapFile, JSON.stringify(bootstraps.get(w), null, 2));
      const sc = new Supervised({ name: `${w.name}/sidecar`, command: [process.execPath, this.opts.weftBin, 'proxy', '-c', bootstrapFile, '--drain-time-s', String(SIDECAR_DRAIN_S), '--log-level', 'warning'], env: {} }, this.out);
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
    for (const e of file.expose) {
      const targets = file.workloads.filter((w) => w.service === e.service && w.namespace === e.namespace).map((w) => plan.get(w)!.inbound[e.port]!);
      let hostPort = e.hostPort;
      const [admin, free] = await freePorts(2);
      if (hostPort === 0 || !(await portFree(hostPort, bind))) hostPort = free!;
      const file2 = path.join(this.stateDir, `expose-${e.service}-${e.port}.json`);
      fs.writeFileSync(file2, JSON.stringify(edgeBootstrap(e.service, { bind, port: hostPort, admin: admin!, targets, dialAddress, accessLog: this.opts.accessLog === true })));
      const edge = new Supervised({ name: `expose/${e.service}`, command: [process.execPath, this.opts.weftBin, 'proxy', '-c', file2, '--drain-time-s', String(SIDECAR_DRAIN_S), '--log-level', 'warning'], env: {} }, this.out);
      edge.start();
      this.sidecars.push(edge);
      await waitReady(admin!, UP_DEFAULTS.sidecarReadyTimeoutMs);
      exposed.push({ service: e.service, port: e.port, url: `http://${urlHost(bind)}:${hostPort}${e.path}` });
    }

    this.state = {
      dir,
      pid: process.pid,
      xdsPort,
      debugPort: this.cp.debugPort,
      workloads: file.workloads.map((w) => ({ name: w.name, service: w.service, appPorts: plan.get(w)!.app, ports: plan.get(w)! })),
      exposed,
      children: [...this.sidecars, ...this.apps].map((p) => p.pid).filter((p): p is number => p !== undefined),
      health,
      notes,
    };
    fs.mkdirSync(path.join(dir, '.weft'), { recursive: true });
    fs.writeFileSync(path.join(dir, '.weft', 'state.json'), JSON.stringify(this.state, null, 2));
    return this.state;
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
    await Promise.all(this.apps.map((a) => a.stop(3000)));
    this.changes?.stop();
    await this.cp?.stop();
    if (this.state) fs.rmSync(path.join(this.state.dir, '.weft', 'state.json'), { force: true });
    fs.rmSync(this.stateDir, { recursive: true, force: true });
  }

  /** SIGKILL to every child, synchronously (a second Ctrl-C). */
  killAll(): void {
    for (const p of [...this.sidecars, ...this.apps]) {
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
}

function edgeBootstrap(service: string, o: EdgeOptions): object {
  const { port, admin, targets } = o;
  return {
    node: { id: `router~127.0.0.1~expose-${service}.default~default.svc.cluster.local`, cluster: 'expose' },
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
      }],
    },
  };
}

/**
 * The bootstrap as the proxy's own loader takes it. Istio's stats tag rules
 * (stats_config) need a proxy that decodes them; when this one refuses only
 * those, they are left out and the banner says so, instead of every sidecar
 * failing to start. Any other refusal is a bug here and stops start-up.
 */
function acceptedBootstrap(b: object, name: string, notes: string[]): object {
  const errs = new ConfigErrors();
  loadBootstrapText(JSON.stringify(b), errs);
  if (!errs.hasErrors) return b;
  if (errs.errors.every((e) => e.path.startsWith('stats_config')) && 'stats_config' in b) {
    const note = `sidecars run without Istio's stats tag rules (this proxy refuses ${errs.errors[0]!.path}: ${errs.errors[0]!.message}); Prometheus metric names keep cluster names in them`;
    if (!notes.includes(note)) notes.push(note);
    const { stats_config: _dropped, ...rest } = b as Record<string, unknown>;
    return rest;
  }
  throw new Error(`sidecar bootstrap of ${name} rejected by the proxy:\n${errs.format()}`);
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
