// `weft up DIR`: the whole mesh on one machine. Starts the control plane,
// then each workload with its own sidecar (one `weft proxy` per workload,
// bootstrapped to the control plane over ADS), derives the service registry
// from the workloads file, and stops everything in order on Ctrl-C.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigErrors } from '../common/errors.js';
import { LogRegistry } from '../common/log.js';
import { ControlPlane } from '../control/control-plane.js';
import { makeEndpoint, makeService, StaticRegistry } from '../control/ingest/index.js';
import type { PortProtocol, ServiceEndpoint, ServiceModel } from '../control/model/types.js';
import { freePorts } from './ports.js';
import { sidecarBootstrap, type SidecarPorts } from './sidecar-bootstrap.js';
import { Supervised } from './supervisor.js';
import { loadWorkloadsFile, type Workload, type WorkloadsFile } from './workloads.js';

export interface UpOptions {
  dir: string;
  /** The `weft` entry script (bin/weft.js) used to start sidecars. */
  weftBin: string;
  out?: (line: string) => void;
  logLevel?: string;
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
}

const DOMAIN = 'svc.cluster.local';
/** Drain time given to sidecars on shutdown. */
const SIDECAR_DRAIN_S = 1;

export class WeftUp {
  private cp: ControlPlane | undefined;
  private readonly sidecars: Supervised[] = [];
  private readonly apps: Supervised[] = [];
  private readonly out: (line: string) => void;
  private stateDir = '';
  state: UpState | undefined;
  private stopped = false;

  constructor(private readonly opts: UpOptions) {
    this.out = opts.out ?? ((l) => process.stdout.write(l + '\n'));
  }

  /** Loads and checks the folder; returns the parsed file or the errors. */
  static load(dir: string): { file?: WorkloadsFile; errors: ConfigErrors } {
    const errs = new ConfigErrors();
    const wf = path.join(dir, 'workloads.yaml');
    const file = loadWorkloadsFile(fs.existsSync(wf) ? wf : path.join(dir, 'workloads.yml'), errs);
    const configDir = path.resolve(dir, file.config);
    if (!errs.hasErrors && !fs.existsSync(configDir)) errs.error('config', `folder ${configDir} does not exist`);
    return errs.hasErrors ? { errors: errs } : { file, errors: errs };
  }

  async start(): Promise<UpState> {
    const dir = path.resolve(this.opts.dir);
    const { file, errors } = WeftUp.load(dir);
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

    // The registry: one service per (service, namespace); an endpoint per workload at its sidecar's inbound port.
    const services = new Map<string, ServiceModel>();
    const endpoints: ServiceEndpoint[] = [];
    for (const w of file.workloads) {
      const host = `${w.service}.${w.namespace}.${DOMAIN}`;
      if (!services.has(host)) {
        services.set(host, makeService({ hostname: host, namespace: w.namespace, ports: w.ports.map((p) => ({ name: p.name, port: p.port, protocol: p.protocol as PortProtocol })), source: `workload ${w.name}` }));
      }
      const ports = plan.get(w)!;
      for (const p of w.ports) {
        endpoints.push(makeEndpoint({ hostname: host, servicePort: p.port, address: '127.0.0.1', port: ports.inbound[p.port]!, labels: w.labels, serviceAccount: w.serviceAccount, namespace: w.namespace, workload: w.name }));
      }
    }
    const registry = new StaticRegistry([...services.values()], endpoints);

    const logs = new LogRegistry((this.opts.logLevel ?? 'info') as never, (l) => this.out(l.trimEnd()));
    this.cp = new ControlPlane({ configDir: path.resolve(dir, file.config), registries: [registry], xdsAddress: '127.0.0.1:0', debugAddress: '127.0.0.1:0', logs });
    await this.cp.start();
    const xdsPort = this.cp.xdsPort;

    // Sidecars, then apps.
    for (const w of file.workloads) {
      const ports = plan.get(w)!;
      const bootstrapFile = path.join(this.stateDir, `${w.name}.bootstrap.json`);
      fs.writeFileSync(bootstrapFile, JSON.stringify(sidecarBootstrap(w, ports, xdsPort), null, 2));
      const sc = new Supervised({ name: `${w.name}/sidecar`, command: [process.execPath, this.opts.weftBin, 'proxy', '-c', bootstrapFile, '--drain-time-s', String(SIDECAR_DRAIN_S), '--log-level', 'warning'], env: {} }, this.out);
      sc.start();
      this.sidecars.push(sc);
    }
    await Promise.all(file.workloads.map((w) => waitReady(plan.get(w)!.admin, 20_000)));
    for (const w of file.workloads) {
      const ports = plan.get(w)!;
      const first = w.ports[0]!;
      const app = new Supervised({
        name: w.name,
        command: w.command,
        cwd: w.cwd ? path.resolve(dir, w.cwd) : process.cwd(),
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

    // Exposed ports: a small edge proxy per exposed service port, in front of the service's sidecars.
    const exposed: UpState['exposed'] = [];
    for (const e of file.expose) {
      const targets = file.workloads.filter((w) => w.service === e.service && w.namespace === e.namespace).map((w) => plan.get(w)!.inbound[e.port]!);
      let hostPort = e.hostPort;
      const [admin, free] = await freePorts(2);
      if (hostPort === 0 || !(await portFree(hostPort))) hostPort = free!;
      const file2 = path.join(this.stateDir, `expose-${e.service}-${e.port}.json`);
      fs.writeFileSync(file2, JSON.stringify(edgeBootstrap(e.service, hostPort, admin!, targets)));
      const edge = new Supervised({ name: `expose/${e.service}`, command: [process.execPath, this.opts.weftBin, 'proxy', '-c', file2, '--drain-time-s', String(SIDECAR_DRAIN_S), '--log-level', 'warning'], env: {} }, this.out);
      edge.start();
      this.sidecars.push(edge);
      await waitReady(admin!, 10_000);
      exposed.push({ service: e.service, port: e.port, url: `http://127.0.0.1:${hostPort}${e.path}` });
    }

    this.state = {
      dir,
      pid: process.pid,
      xdsPort,
      debugPort: this.cp.debugPort,
      workloads: file.workloads.map((w) => ({ name: w.name, service: w.service, appPorts: plan.get(w)!.app, ports: plan.get(w)! })),
      exposed,
      children: [...this.sidecars, ...this.apps].map((p) => p.pid).filter((p): p is number => p !== undefined),
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

function edgeBootstrap(service: string, port: number, admin: number, targets: number[]): object {
  return {
    node: { id: `router~127.0.0.1~expose-${service}.default~default.svc.cluster.local`, cluster: 'expose' },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: admin } } },
    static_resources: {
      listeners: [{
        name: `expose_${service}`,
        address: { socket_address: { address: '127.0.0.1', port_value: port } },
        filter_chains: [{ filters: [{
          name: 'envoy.filters.network.http_connection_manager',
          typed_config: {
            '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
            stat_prefix: `expose_${service}`,
            route_config: { name: 'expose', virtual_hosts: [{ name: service, domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: service, timeout: '0s' } }] }] },
            http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
          },
        }] }],
      }],
      clusters: [{
        name: service, type: 'STATIC', connect_timeout: '1s',
        load_assignment: { cluster_name: service, endpoints: [{ lb_endpoints: targets.map((t) => ({ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: t } } } })) }] },
      }],
    },
  };
}

async function portFree(port: number): Promise<boolean> {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
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
