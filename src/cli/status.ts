// weft status: each proxy's sync state per xDS type, and every config object
// the control plane rejected (code, field path, FILE:LINE), from the control
// plane's debug endpoint. A typo'd VirtualService is not "all SYNCED": the
// proxies are in sync with a config that lacks it.
// Exit code: 0 all synced and nothing rejected; 3 otherwise; 1 when the
// control plane cannot be reached; 2 on usage errors.
import fs from 'node:fs';
import path from 'node:path';
import { workloadSecurity, type WorkloadSecurity } from '../up/mesh-security.js';
import { parseArgs, usage, type OptionSpec } from './args.js';

const SPECS: OptionSpec[] = [
  { name: 'control', value: true, help: 'control plane debug address (host:port); default: from DIR/.weft/state.json of a running `weft up DIR`' },
  { name: 'output', short: 'o', value: true, help: '"table" (default) or "json"' },
  { name: 'help', short: 'h', value: false, help: 'show this help' },
];

interface StatusMessage {
  code: string;
  severity: string;
  key?: string;
  path?: string;
  message: string;
  file?: string;
  line?: number;
  istio?: string;
}

interface ConfigStatus {
  rejected: { file: string; line: number; key?: string; messages: StatusMessage[] }[];
}

/** The rejected-config section: one line per error, then notes such as "last good version keeps serving". */
export function formatRejected(config: ConfigStatus): string[] {
  const lines: string[] = [];
  for (const r of config.rejected) {
    for (const m of r.messages) {
      const where = `${m.file ?? r.file}:${m.line ?? r.line}`;
      const code = m.istio ? `${m.code} (${m.istio})` : m.code;
      const what = m.key || r.key || '';
      lines.push(`  ${m.severity === 'error' ? 'REJECTED' : 'note'} ${code}${what ? ` (${what})` : ''}${m.path ? ` ${m.path}:` : ''} ${m.message} at ${where}`);
    }
  }
  return lines;
}

interface ProxyRow {
  id: string;
  connected: boolean;
  version?: string;
  types: { type: string; sent?: string; acked?: string; state: string; nack?: string }[];
  messages: { code: string; severity?: string; message: string }[];
}

export async function runStatus(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv, SPECS);
  const synopsis = '[DIR] [--control host:port] [-o json]';
  if (typeof parsed === 'string') {
    process.stderr.write(`weft status: ${parsed}\n\n${usage('status', SPECS, synopsis)}`);
    return 2;
  }
  if (parsed.options.has('help')) {
    process.stdout.write(usage('status', SPECS, synopsis));
    return 0;
  }
  let addr = parsed.options.get('control');
  let upState: UpStateView | undefined;
  if (typeof addr !== 'string') {
    const dir = parsed.positionals[0] ?? '.';
    const f = path.join(dir, '.weft', 'state.json');
    if (!fs.existsSync(f)) {
      process.stderr.write(`weft status: no running \`weft up ${dir}\` (no ${f}); pass --control host:port for \`weft control\` (default 127.0.0.1:15014)\n`);
      return 1;
    }
    upState = JSON.parse(fs.readFileSync(f, 'utf8')) as UpStateView;
    addr = `127.0.0.1:${upState.debugPort}`;
  }
  let rows: ProxyRow[];
  let config: ConfigStatus;
  try {
    const [p, c] = await Promise.all([fetch(`http://${addr}/debug/proxies`), fetch(`http://${addr}/debug/config`)]);
    rows = (await p.json()) as ProxyRow[];
    config = (await c.json()) as ConfigStatus;
  } catch (err) {
    process.stderr.write(`weft status: cannot reach the control plane at ${addr}: ${(err as Error).message}\n`);
    return 1;
  }
  const rejected = config.rejected.filter((r) => r.messages.some((m) => m.severity === 'error')).length;
  // weft up's workloads: identity, certificate and mTLS mode per port, from each sidecar's admin.
  const security = upState ? await Promise.all([
    ...upState.workloads.map((w) => workloadSecurity(w.name, w.ports.admin, w.ports.inbound)),
    ...upState.exposed.filter((e) => e.admin !== undefined).map((e) => workloadSecurity(`expose/${e.service}:${e.port}`, e.admin!, {})),
  ]) : [];
  const certProblems = upState?.mtls ? security.filter((s) => s.certState !== 'VALID').length : 0;
  if (parsed.options.get('output') === 'json') {
    process.stdout.write(JSON.stringify({ proxies: rows, rejected: config.rejected, ...(upState ? { workloads: security } : {}) }, null, 2) + '\n');
    return rejected > 0 || certProblems > 0 ? 3 : 0;
  }
  const TYPES = ['Cluster', 'ClusterLoadAssignment', 'Listener', 'RouteConfiguration'];
  const short: Record<string, string> = { Cluster: 'CDS', ClusterLoadAssignment: 'EDS', Listener: 'LDS', RouteConfiguration: 'RDS' };
  const lines = [['PROXY', 'CDS', 'EDS', 'LDS', 'RDS', 'VERSION'].join('\t')];
  let problems = 0;
  for (const p of rows.sort((a, b) => a.id.localeCompare(b.id))) {
    const cells = TYPES.map((t) => {
      const s = p.types.find((x) => x.type === t);
      if (!p.connected) {
        problems++;
        return 'DISCONNECTED';
      }
      if (!s) {
        problems++;
        return 'NOT SENT';
      }
      if (s.state !== 'SYNCED') problems++;
      return s.state;
    });
    lines.push([p.id, ...cells, p.version ?? '-'].join('\t'));
    for (const t of p.types) if (t.nack) lines.push(`  ${short[t.type] ?? t.type} NACK: ${t.nack}`);
    // Warnings are shown; informational notes only with -o json.
    for (const m of p.messages) if (m.severity !== 'info') lines.push(`  warning ${m.code}: ${m.message}`);
  }
  if (upState) lines.push('', ...formatSecurity(security, upState.mtls === true));
  if (rejected > 0) {
    lines.push('', `CONFIG: ${rejected} document${rejected === 1 ? '' : 's'} rejected (not applied; where a last good version exists it keeps serving):`);
    lines.push(...formatRejected(config));
  } else lines.push('', 'CONFIG: every document accepted');
  process.stdout.write(lines.join('\n') + '\n');
  return problems || rejected || certProblems ? 3 : 0;
}

/** What status reads of a running `weft up`'s state file. */
interface UpStateView {
  debugPort: number;
  mtls?: boolean;
  workloads: { name: string; ports: { admin: number; inbound: Record<string, number> } }[];
  exposed: { service: string; port: number; admin?: number }[];
}

/** The workload section: identity, certificate serial and expiry, agent state, mTLS mode per port. */
export function formatSecurity(rows: readonly WorkloadSecurity[], mtls: boolean): string[] {
  if (!mtls) return ['MTLS: off (weft up --no-mtls): no workload certificates'];
  const lines = [['WORKLOAD', 'IDENTITY', 'CERT', 'SERIAL', 'EXPIRES', 'MTLS'].join('\t')];
  for (const r of rows) {
    const modes = Object.entries(r.mtls).map(([p, m]) => `${p}:${m}`).join(',') || '-';
    lines.push([r.name, r.identity ?? '-', r.certState, r.serial ?? '-', r.notAfter ?? '-', modes].join('\t'));
    if (r.lastError && r.certState !== 'VALID') lines.push(`  last CA error ${r.lastError}`);
  }
  return lines;
}
