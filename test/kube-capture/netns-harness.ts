// Linux network namespaces as Kubernetes pods, for the traffic capture test:
// a "node" namespace holding a bridge, and pods attached to it by veth pairs,
// each with its own loopback, eth0, address and default route. Everything
// lives inside namespaces this harness creates (the host's own namespace is
// never touched) and `destroy()` removes them all, processes first.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { originalDstAddon } from '../../src/proxy/listener/original-dst/addon.js';

/** Why this machine cannot run the test, or undefined when it can. */
export function netnsSkipReason(tools: readonly string[]): string | undefined {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'needs root (ip netns, iptables); .ci/run runs it as root';
  for (const t of tools) {
    const r = spawnSync('sh', ['-c', `command -v ${t}`], { encoding: 'utf8' });
    if (r.status !== 0) return `${t} is not installed (.ci/run installs it)`;
  }
  const probe = `weftprobe${process.pid}`;
  const add = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (add.status !== 0) return `cannot create a network namespace: ${add.stderr.trim()}`;
  spawnSync('ip', ['netns', 'del', probe]);
  return undefined;
}

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr || r.error?.message || ''}`);
  return r.stdout;
}

export interface Pod {
  readonly ns: string;
  readonly ip: string;
}

export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export class PodNetwork {
  readonly node: string;
  readonly nodeIp: string;
  private readonly namespaces: string[] = [];
  private readonly children = new Set<ChildProcess>();
  private n = 0;

  /** `prefix` makes the namespace names unique to this run; `subnet` is the first three octets (e.g. "10.77.0"). */
  constructor(private readonly prefix: string, private readonly subnet: string) {
    this.node = `${prefix}node`;
    this.nodeIp = `${subnet}.1`;
    this.addNs(this.node);
    try {
      sh('ip', ['-n', this.node, 'link', 'set', 'lo', 'up']);
      sh('ip', ['-n', this.node, 'link', 'add', 'br0', 'type', 'bridge']);
      sh('ip', ['-n', this.node, 'addr', 'add', `${this.nodeIp}/24`, 'dev', 'br0']);
      sh('ip', ['-n', this.node, 'link', 'set', 'br0', 'up']);
    } catch (err) {
      // The caller never gets this object to destroy(): remove the namespace here.
      spawnSync('ip', ['netns', 'del', this.node]);
      throw err;
    }
  }

  private addNs(name: string): void {
    sh('ip', ['netns', 'add', name]);
    this.namespaces.push(name);
  }

  /** A pod: its own namespace, eth0 on the node's bridge, `<subnet>.<host>`, default route via the node. */
  addPod(name: string, host: number): Pod {
    const ns = `${this.prefix}${name}`;
    const ip = `${this.subnet}.${host}`;
    const peer = `v${this.prefix.slice(-6)}${this.n++}`;
    this.addNs(ns);
    sh('ip', ['-n', this.node, 'link', 'add', peer, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    sh('ip', ['-n', this.node, 'link', 'set', peer, 'master', 'br0', 'up']);
    sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    sh('ip', ['-n', ns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
    sh('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
    sh('ip', ['-n', ns, 'route', 'add', 'default', 'via', this.nodeIp]);
    return { ns, ip };
  }

  /** Runs a command in a namespace and waits for it (bounded). */
  exec(ns: string, cmd: string, args: string[], timeoutMs = 15_000): Promise<ExecResult> {
    return new Promise((resolve) => {
      execFile('ip', ['netns', 'exec', ns, cmd, ...args], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }

  /**
   * Starts a long-running process in a namespace, as `uid`/`gid` when given
   * (nsenter enters the namespace as root, then drops to them, as a pod's
   * container runs as its securityContext user). Output is collected.
   */
  start(ns: string, cmd: string, args: string[], o: { uid?: number; gid?: number } = {}): { child: ChildProcess; output: () => string } {
    const ids = o.uid !== undefined ? ['-S', String(o.uid), '-G', String(o.gid ?? o.uid)] : [];
    const child = spawn('nsenter', [`--net=/run/netns/${ns}`, ...ids, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return { child, output: () => out };
  }

  /** Kills every process this harness started (by pid), then deletes its namespaces. Safe to call twice. */
  async destroy(): Promise<void> {
    const exits = [...this.children].map((c) => new Promise<void>((r) => {
      if (c.exitCode !== null || c.signalCode !== null) return r();
      c.once('exit', () => r());
      c.kill('SIGKILL');
    }));
    await Promise.race([Promise.all(exits), new Promise((r) => setTimeout(r, 5000))]);
    for (const ns of this.namespaces.splice(0).reverse()) {
      spawnSync('ip', ['netns', 'del', ns]);
      if (fs.existsSync(`/run/netns/${ns}`)) spawnSync('ip', ['netns', 'del', ns]);
    }
  }
}

/** Why a capture test cannot run here (the tools it runs, root, the SO_ORIGINAL_DST addon), or undefined. */
export function captureSkipReason(): string | undefined {
  const r = netnsSkipReason(['ip', 'iptables-restore', 'iptables-save', 'nsenter', 'curl']);
  if (r) return r;
  const a = originalDstAddon();
  return 'error' in a ? a.error : undefined;
}

/** The CA tokens of the two pods' service accounts (`tokens/default/<sa>` under the control plane's token dir). */
export const CAPTURE_TOKENS: Readonly<Record<string, string>> = { sleep: 'sleep-token-0123456789abcdef0123456789', httpbin: 'httpbin-token-0123456789abcdef012345678' };

/** The httpbin service (VIP `vip`, port 80) and its one mTLS workload at `<subnet>.3`, as Istio config. */
export function httpbinMeshConfig(svc: string, vip: string, subnet: string): string {
  return `apiVersion: networking.istio.io/v1beta1
kind: ServiceEntry
metadata: { name: httpbin, namespace: default }
spec:
  hosts: [${svc}]
  addresses: [${vip}]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: 80, name: http, protocol: HTTP }]
  workloadSelector: { labels: { app: httpbin } }
---
apiVersion: networking.istio.io/v1beta1
kind: WorkloadEntry
metadata: { name: httpbin-1, namespace: default }
spec:
  address: ${subnet}.3
  labels: { app: httpbin, security.istio.io/tlsMode: istio }
  serviceAccount: httpbin
`;
}
