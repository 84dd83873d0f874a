// weft status: each proxy's sync state per xDS type, from the control plane.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs, usage, type OptionSpec } from './args.js';

const SPECS: OptionSpec[] = [
  { name: 'control', value: true, help: 'control plane debug address (host:port); default: from DIR/.weft/state.json of a running `weft up DIR`' },
  { name: 'output', short: 'o', value: true, help: '"table" (default) or "json"' },
  { name: 'help', short: 'h', value: false, help: 'show this help' },
];

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
  if (typeof addr !== 'string') {
    const dir = parsed.positionals[0] ?? '.';
    const f = path.join(dir, '.weft', 'state.json');
    if (!fs.existsSync(f)) {
      process.stderr.write(`weft status: no running \`weft up ${dir}\` (no ${f}); pass --control host:port for \`weft control\` (default 127.0.0.1:15014)\n`);
      return 1;
    }
    addr = `127.0.0.1:${(JSON.parse(fs.readFileSync(f, 'utf8')) as { debugPort: number }).debugPort}`;
  }
  let rows: ProxyRow[];
  try {
    const r = await fetch(`http://${addr}/debug/proxies`);
    rows = (await r.json()) as ProxyRow[];
  } catch (err) {
    process.stderr.write(`weft status: cannot reach the control plane at ${addr}: ${(err as Error).message}\n`);
    return 1;
  }
  if (parsed.options.get('output') === 'json') {
    process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    return 0;
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
  process.stdout.write(lines.join('\n') + '\n');
  return problems ? 3 : 0;
}
