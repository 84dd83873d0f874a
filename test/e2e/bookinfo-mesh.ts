// Drives a real `weft up` of the Bookinfo demo for end-to-end tests: a copy
// of examples/bookinfo in a temp dir (so the repository's config folder is
// never touched), the `weft up` child process, its state file, scenario
// application with a bounded wait for every proxy to ACK the new config, and
// small HTTP helpers that talk to the mesh the way an app does (absolute-form
// requests through a sidecar's outbound listener) or a user does (the edge).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { WEFT_BIN } from '../helpers/process-harness.js';

/** The repository root: `weft up` runs workload commands from its own cwd, so it is started here. */
export const REPO_ROOT = path.resolve(path.dirname(WEFT_BIN), '..');
export const BOOKINFO = path.join(REPO_ROOT, 'examples', 'bookinfo');
export const SCENARIOS = path.join(BOOKINFO, 'scenarios');
/** Poll interval of every bounded wait here. */
const POLL_MS = 50;

/** What `weft up` writes to DIR/.weft/state.json (the fields the tests read). */
export interface UpState {
  pid: number;
  xdsPort: number;
  debugPort: number;
  workloads: { name: string; service: string; appPorts: Record<string, number>; ports: { admin: number; outbound: number; inbound: Record<string, number>; app: Record<string, number> } }[];
  exposed: { service: string; port: number; url: string }[];
}

/**
 * Copies the demo's workloads file and starting config into a fresh temp dir.
 * `edit` may rewrite the workloads file's text (e.g. to add env for one app).
 */
export function copyBookinfo(edit: (workloadsYaml: string) => string = (s) => s): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-e2e-bookinfo-'));
  fs.mkdirSync(path.join(dir, 'config'));
  // The demo's apps run from the repository root (`cwd: ../..` beside the demo); from the copy, name it.
  // The edge on a port the kernel picks (hostPort 0), not the demo's 9080: test runs of weft up start side by
  // side (and beside a developer's `npm start`), and a fixed port is checked free before it is bound, so two
  // runs starting together could both pick it.
  const yaml = fs.readFileSync(path.join(BOOKINFO, 'workloads.yaml'), 'utf8').replaceAll('cwd: ../..', `cwd: ${JSON.stringify(REPO_ROOT)}`).replace(/^(  hostPort: )9080$/m, '$10');
  fs.writeFileSync(path.join(dir, 'workloads.yaml'), edit(yaml));
  for (const f of fs.readdirSync(path.join(BOOKINFO, 'config'))) {
    if (/\.(ya?ml|json)$/.test(f)) fs.copyFileSync(path.join(BOOKINFO, 'config', f), path.join(dir, 'config', f));
  }
  return dir;
}

/** Replaces the `env: {}` of one workload in the workloads file; throws when the workload is not found. */
export function setWorkloadEnv(yaml: string, workload: string, env: Record<string, string>): string {
  const re = new RegExp(`(- name: ${workload}\\n(?:  .*\\n)*?  env: )\\{\\}`);
  if (!re.test(yaml)) throw new Error(`workloads.yaml: no "env: {}" for workload ${workload}`);
  const flow = `{ ${Object.entries(env).map(([k, v]) => `${k}: "${v}"`).join(', ')} }`;
  return yaml.replace(re, `$1${flow}`);
}

export class WeftUpProcess {
  readonly child: ChildProcess;
  private out = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  state!: UpState;
  /** Direct children seen while running (sidecars, edge, apps): checked after shutdown. */
  childPids: number[] = [];

  /**
   * `prometheus`: let weft up start Prometheus (when installed). Off by
   * default: only the tests that query it pay for a Prometheus process
   * starting and scraping beside the mesh.
   */
  constructor(readonly dir: string, args: string[] = [], cwd = REPO_ROOT, opts: { prometheus?: boolean } = {}) {
    if (!opts.prometheus) args = [...args, '--no-prometheus'];
    const env = { ...process.env };
    // Not for the apps: node:test's marker, and demo knobs a developer may have exported.
    for (const k of Object.keys(env)) if (k === 'NODE_TEST_CONTEXT' || k.startsWith('RATINGS_') || k.endsWith('_TIMEOUT_MS')) delete env[k];
    this.child = spawn(process.execPath, [WEFT_BIN, 'up', dir, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => (this.out += d));
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.out += d));
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve((this.exit = { code, signal }))));
  }

  get pid(): number {
    return this.child.pid!;
  }

  output(): string {
    return this.out;
  }

  /** Resolves once the mesh is running and its state file is read. */
  async ready(timeoutMs: number): Promise<UpState> {
    try {
      await waitFor(() => {
        if (this.exit) throw new Error(`weft up exited (${JSON.stringify(this.exit)}) before it was running:\n${this.out}`);
        return this.out.includes('weft up: mesh running');
      }, 'weft up: mesh running', timeoutMs);
    } catch (e) {
      // What weft up said so far is the diagnosis: keep its tail in the failure.
      if (e instanceof Error && !e.message.startsWith('weft up exited')) e.message += `\n--- weft up output (last 60 lines) ---\n${this.out.split('\n').slice(-60).join('\n')}`;
      throw e;
    }
    this.state = JSON.parse(fs.readFileSync(path.join(this.dir, '.weft', 'state.json'), 'utf8')) as UpState;
    this.childPids = directChildren(this.pid);
    return this.state;
  }

  workload(name: string): UpState['workloads'][number] {
    const w = this.state.workloads.find((x) => x.name === name);
    if (!w) throw new Error(`no workload ${name} in state.json`);
    return w;
  }

  /** The exposed productpage listener's port. */
  get edgePort(): number {
    return Number(new URL(this.state.exposed[0]!.url).port);
  }

  /** Cleanup for failed runs: SIGTERM, then SIGKILL to it and every child seen. */
  async kill(): Promise<void> {
    if (this.exit) return;
    const pids = [...new Set([...this.childPids, ...directChildren(this.pid)])];
    this.child.kill('SIGTERM');
    const t = setTimeout(() => {
      this.child.kill('SIGKILL');
      for (const p of pids) if (alive(p)) process.kill(p, 'SIGKILL');
    }, 8000);
    await this.exited;
    clearTimeout(t);
  }
}

/** Pids whose parent is `pid` (Linux `ps`). */
export function directChildren(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).split('\n').map((s) => Number(s.trim())).filter((n) => n > 0);
  } catch {
    return []; // ps exits 1 when there are none
  }
}

/** Command line of a process, or undefined when it is gone. */
export function commandLine(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return undefined;
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie is dead for our purposes (its parent has yet to reap it).
  try {
    return !/^\S+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Polls until `fn` returns a truthy value (or throws), bounded. */
export async function waitFor<T>(fn: () => T | Promise<T>, what: string, timeoutMs: number): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      if (e instanceof Error && e.message.startsWith('weft up exited')) throw e;
      last = e;
    }
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

// ---- config ----

/** `Kind name.namespace` of each document, as the control plane's /debug/config names them. */
export function configKeys(yamlText: string): string[] {
  return parseAllDocuments(yamlText)
    .map((d) => d.toJS() as { kind?: string; metadata?: { name?: string; namespace?: string } } | null)
    .filter((o): o is { kind: string; metadata: { name: string; namespace?: string } } => !!o?.kind && !!o.metadata?.name)
    .map((o) => `${o.kind} ${o.metadata.name}.${o.metadata.namespace ?? 'default'}`);
}

export interface ProxyRow {
  id: string;
  connected: boolean;
  version?: string;
  types: { type: string; sent?: string; acked?: string; state: string }[];
}

export async function proxies(debugPort: number): Promise<ProxyRow[]> {
  return (await (await fetch(`http://127.0.0.1:${debugPort}/debug/proxies`)).json()) as ProxyRow[];
}

const XDS_TYPES = ['Cluster', 'ClusterLoadAssignment', 'Listener', 'RouteConfiguration'];

/** Every sidecar connected and every type ACKed at the proxy's current snapshot version. */
export function allSynced(rows: ProxyRow[], expectedProxies: number): boolean {
  return rows.length === expectedProxies && rows.every((p) => p.connected && XDS_TYPES.every((t) => {
    const s = p.types.find((x) => x.type === t);
    return s?.state === 'SYNCED' && s.acked === p.version;
  }));
}

/**
 * Replaces the scenario files in DIR/config with `files` (name → YAML text),
 * then waits until the control plane has accepted exactly the starting rules
 * plus these, and every sidecar has ACKed the config built from them. A
 * config snapshot is translated and pushed synchronously, so once the folder's
 * snapshot is right, the proxies' current versions are the ones to wait for.
 */
export async function applyScenario(up: WeftUpProcess, files: Record<string, string>, timeoutMs = 10_000): Promise<number> {
  const t0 = Date.now();
  const versionBefore = (await configStatus(up)).version;
  const configDir = path.join(up.dir, 'config');
  const base = fs.readdirSync(path.join(BOOKINFO, 'config')).filter((f) => /\.(ya?ml|json)$/.test(f));
  let changed = Object.keys(files).length > 0;
  for (const f of fs.readdirSync(configDir)) {
    if (base.includes(f)) continue;
    fs.rmSync(path.join(configDir, f));
    changed = true;
  }
  const expected = new Set<string>();
  for (const f of base) for (const k of configKeys(fs.readFileSync(path.join(configDir, f), 'utf8'))) expected.add(k);
  for (const [name, text] of Object.entries(files)) {
    // Written aside (dot files are skipped) and renamed in: the watcher never sees half a file.
    fs.writeFileSync(path.join(configDir, `.${name}.tmp`), text);
    fs.renameSync(path.join(configDir, `.${name}.tmp`), path.join(configDir, name));
    for (const k of configKeys(text)) expected.add(k);
  }
  await waitForConfig(up, expected, timeoutMs, changed ? versionBefore : undefined);
  const n = up.state.workloads.length;
  await waitFor(async () => allSynced(await proxies(up.state.debugPort), n), 'every sidecar SYNCED on the new config', timeoutMs);
  return Date.now() - t0;
}

interface ConfigStatus {
  /** Increases with every change of the folder's content. */
  version: number;
  accepted: string[];
  rejected: unknown[];
}

export async function configStatus(up: WeftUpProcess): Promise<ConfigStatus> {
  return (await (await fetch(`http://127.0.0.1:${up.state.debugPort}/debug/config`)).json()) as ConfigStatus;
}

/**
 * Waits until the control plane has read the folder after `versionBefore`
 * (when given) and accepted exactly `expected`, with nothing rejected. The
 * version matters: a scenario that replaces another with the same objects
 * (02a → 02b) has the same accepted set before and after.
 */
export async function waitForConfig(up: WeftUpProcess, expected: Set<string>, timeoutMs: number, versionBefore?: number): Promise<void> {
  let last = '';
  await waitFor(async () => {
    const c = await configStatus(up);
    last = JSON.stringify(c);
    if (versionBefore !== undefined && !(c.version > versionBefore)) return false;
    if (c.rejected.length) throw new Error(`config rejected: ${JSON.stringify(c.rejected)}`);
    return c.accepted.length === expected.size && c.accepted.every((k) => expected.has(k));
  }, `config folder accepted as ${[...expected].join(', ')} (last: ${last})`, timeoutMs);
}

export function scenario(file: string): string {
  return fs.readFileSync(path.join(SCENARIOS, file), 'utf8');
}

// ---- HTTP ----

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Wall time of the exchange. */
  ms: number;
  /** Date.now() when the request was sent. */
  startedAt: number;
  /** Transport error code when no response arrived (status 0). */
  error?: string;
}

export interface Target {
  port: number;
  /** Present when `port` is a sidecar's outbound listener: the absolute-form target, e.g. http://reviews:9080. */
  via?: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** One GET; never rejects (a transport failure is status 0 with `error`). */
export function get(target: Target, pathAndQuery: string, headers: Record<string, string> = {}, timeoutMs = 10_000): Promise<Reply> {
  const startedAt = Date.now();
  const t0 = performance.now();
  const reqPath = target.via ? `${target.via}${pathAndQuery}` : pathAndQuery;
  const host = target.via ? new URL(target.via).host : `127.0.0.1:${target.port}`;
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: Omit<Reply, 'ms' | 'startedAt'>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ ...r, ms: performance.now() - t0, startedAt });
    };
    const req = http.request({ host: '127.0.0.1', port: target.port, path: reqPath, headers: { host, ...headers }, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => finish({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', (e: NodeJS.ErrnoException) => finish({ status: 0, headers: {}, body: '', error: e.code ?? e.message }));
    });
    const timer = setTimeout(() => {
      req.destroy();
      finish({ status: 0, headers: {}, body: '', error: 'timeout' });
    }, timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => finish({ status: 0, headers: {}, body: '', error: e.code ?? e.message }));
    req.end();
  });
}

/** `n` requests with at most `concurrency` in flight. */
export async function many(n: number, concurrency: number, one: (i: number) => Promise<Reply>): Promise<Reply[]> {
  const out: Reply[] = new Array(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      out[i] = await one(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, concurrency) }, worker));
  return out;
}

/** Counts replies by a header's value (`(none)` when absent) or by status when `header` is undefined. */
export function tally(replies: Reply[], header?: string): Record<string, number> {
  const m: Record<string, number> = {};
  for (const r of replies) {
    const v = header === undefined ? String(r.status) : String(r.headers[header] ?? '(none)');
    m[v] = (m[v] ?? 0) + 1;
  }
  return m;
}

/** First word of x-weft-error, or '-'. */
export function weftCode(r: Reply): string {
  const v = r.headers['x-weft-error'];
  return typeof v === 'string' ? v.split(' ', 1)[0]! : '-';
}

/** A counter from a sidecar's admin /stats (0 when absent). */
export async function stat(adminPort: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${adminPort}/stats?filter=${encodeURIComponent(`^${name.replace(/[.|]/g, (c) => `\\${c}`)}$`)}`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}: `));
  return line ? Number(line.slice(name.length + 2)) : 0;
}

export function closeAgent(): void {
  agent.destroy();
}
