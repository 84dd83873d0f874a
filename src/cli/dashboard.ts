// weft dashboard: the dashboard of a running mesh. With DIR (default .) it
// reads the `weft up` state file and prints the dashboard's URL after
// checking it answers (--open also opens it with xdg-open). With --url it
// checks that URL. With --prometheus URL it serves a dashboard itself, on a
// loopback address, whose metrics come from that Prometheus (for a mesh this
// machine does not run, e.g. on Kubernetes); it runs until Ctrl-C.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { checkPrometheusUrl } from '../control/dashboard/check-url.js';
import { Dashboard } from '../control/dashboard/dashboard.js';
import { parseArgs, usage, type OptionSpec } from './args.js';

const SPECS: OptionSpec[] = [
  { name: 'url', value: true, help: 'the dashboard\'s URL (http://HOST:PORT/dashboard/) instead of reading DIR/.weft/state.json' },
  { name: 'open', value: false, help: 'open the dashboard in a browser (xdg-open)' },
  { name: 'prometheus', value: true, help: 'serve a dashboard here whose metrics come from this Prometheus (http://HOST:PORT); runs until Ctrl-C' },
  { name: 'address', value: true, help: 'with --prometheus: where to listen (default 127.0.0.1:0, a free loopback port)' },
  { name: 'listen-any', value: false, help: 'with --prometheus: allow --address to be a non-loopback address (the dashboard is read-only, but it shows the mesh to whoever reaches it)' },
  { name: 'help', short: 'h', value: false, help: 'show this help' },
];

const SYNOPSIS = '[DIR] [--open] | --url URL [--open] | --prometheus URL [--address HOST:PORT]';

export async function runDashboard(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv, SPECS);
  if (typeof parsed === 'string') {
    process.stderr.write(`weft dashboard: ${parsed}\n\n${usage('dashboard', SPECS, SYNOPSIS)}`);
    return 2;
  }
  const o = parsed.options;
  if (o.has('help')) {
    process.stdout.write(usage('dashboard', SPECS, SYNOPSIS));
    return 0;
  }
  if (o.has('prometheus')) return serveStandalone(String(o.get('prometheus')), o);
  let url: string;
  if (o.has('url')) {
    url = String(o.get('url'));
    if (parsed.positionals.length) {
      process.stderr.write('weft dashboard: give DIR or --url, not both\n');
      return 2;
    }
  } else {
    const dir = parsed.positionals[0] ?? '.';
    const stateFile = path.join(dir, '.weft', 'state.json');
    let state: { debugPort?: number; dashboard?: { url?: string } };
    try {
      state = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as typeof state;
    } catch {
      process.stderr.write(`weft dashboard: no running weft up in ${path.resolve(dir)} (${stateFile} not found); start one with weft up ${dir}, or pass --url URL\n`);
      return 1;
    }
    const u = state.dashboard?.url ?? (state.debugPort ? `http://127.0.0.1:${state.debugPort}/dashboard/` : undefined);
    if (!u) {
      process.stderr.write(`weft dashboard: ${stateFile} names no dashboard\n`);
      return 1;
    }
    url = u;
  }
  let status: { source?: string; scrape?: { targets?: number; healthy?: number }; prometheus?: { url: string; healthy: boolean; error?: string } };
  try {
    const base = new URL(url);
    const r = await fetch(new URL('/api/dashboard/status', base), { signal: AbortSignal.timeout(3000) });
    if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
    status = (await r.json()) as typeof status;
  } catch (e) {
    process.stderr.write(`weft dashboard: ${url} does not answer: ${(e as Error).message}\n`);
    return 1;
  }
  process.stdout.write(`${url}\n`);
  const p = status.prometheus;
  process.stderr.write(`  metrics: ${status.source === 'prometheus' ? `Prometheus ${p?.url}${p && !p.healthy ? ` (unreachable: ${p.error ?? '?'}; the embedded store answers)` : ''}` : 'embedded store'}; scrape targets ${status.scrape?.healthy ?? 0}/${status.scrape?.targets ?? 0} up\n`);
  if (o.has('open')) return openBrowser(url);
  return 0;
}

function openBrowser(url: string): number {
  const opener = findOnPath('xdg-open');
  if (!opener) {
    process.stderr.write('weft dashboard: --open needs xdg-open (package xdg-utils); open the URL above yourself\n');
    return 1;
  }
  const child = spawn(opener, [url], { detached: true, stdio: 'ignore' });
  child.on('error', (e) => process.stderr.write(`weft dashboard: xdg-open failed: ${e.message}\n`));
  child.unref();
  return 0;
}

function findOnPath(bin: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, bin);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (net.isIPv4(host) && host.startsWith('127.'));
}

async function serveStandalone(promUrl: string, o: Map<string, string | true>): Promise<number> {
  const err = checkPrometheusUrl(promUrl);
  if (err) {
    process.stderr.write(`weft dashboard: --prometheus: ${err}\n`);
    return 2;
  }
  const address = typeof o.get('address') === 'string' ? String(o.get('address')) : '127.0.0.1:0';
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i).replace(/^\[|\]$/g, '') || '127.0.0.1';
  const port = Number(address.slice(i + 1));
  if (i < 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`weft dashboard: --address needs HOST:PORT, got "${address}"\n`);
    return 2;
  }
  if (!isLoopback(host) && !o.has('listen-any')) {
    process.stderr.write(`weft dashboard: --address ${address} is not a loopback address; pass --listen-any to serve the dashboard there\n`);
    return 2;
  }
  const dashboard = new Dashboard({ prometheusUrl: promUrl }, {
    config: () => ({ snapshot: undefined, analysis: [], proxies: [] }),
    traces: () => undefined,
    locate: () => undefined,
  });
  const server = http.createServer((req, res) => {
    if (!dashboard.handle(req, res)) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found\n');
    }
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
  } catch (e) {
    process.stderr.write(`weft dashboard: cannot listen on ${address}: ${(e as Error).message}\n`);
    return 1;
  }
  const a = server.address() as net.AddressInfo;
  const shown = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  process.stdout.write(`http://${shown}:${a.port}/dashboard/\n`);
  process.stderr.write(`  metrics from ${promUrl} (no embedded targets: this dashboard runs no mesh); Ctrl-C stops it\n`);
  if (o.has('open')) openBrowser(`http://${shown}:${a.port}/dashboard/`);
  const stop = () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return new Promise<number>(() => undefined);
}
