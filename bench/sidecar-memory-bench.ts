// Sidecar memory and CPU per request: one `weft proxy` (pinned to core 0) in
// front of an nginx upstream, idle RSS once it serves, then wrk -c50 (core 1)
// for a warm-up second and a measured load; peak RSS is VmHWM after the load,
// CPU per request is the proxy's utime+stime over the measured load divided by
// the requests wrk completed. Builds and node flags alternate within each
// repetition, so a busy machine hits them alike; medians are printed last.
//
//   node dist/bench/sidecar-memory-bench.js [--reps 4] [--duration 4]
//     [--roots /work/main,.]          built checkouts to compare (bin/weft.js of each)
//     [--variants plain,xds]          plain: the proxy-bench bootstrap; xds: the same listener
//                                     and cluster over ADS from weft's control plane (this process)
//     [--flags ",--max-semi-space-size=8"]  node flag sets for the proxy, comma-separated ("" = none)
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigErrors } from '../src/common/errors.js';
import { Snapshot, SnapshotCache } from '../src/control/cache/index.js';
import { XdsServer } from '../src/control/server/index.js';
import { fromJson } from '../src/xds/codec.js';
import { freePort } from './lib/free-port.js';
import { upstreamNginxConf, weftBootstrap, weftBootstrapYaml } from './lib/peer-configs.js';

interface Row {
  root: string;
  variant: string;
  flags: string;
  startMs: number;
  idleMiB: number;
  peakMiB: number;
  requests: number;
  cpuUsPerRequest: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function procStatusMiB(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    if (l.startsWith('Vm')) out[l.split(':')[0]!] = parseInt(l.split(':')[1]!, 10) / 1024;
  }
  return out;
}

/** utime + stime of a process, ms (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

async function waitFor(url: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(url);
      await r.text();
      if (r.status === 200) return;
    } catch {
      // not up yet
    }
    if (Date.now() > end) throw new Error(`${url} not 200 after ${timeoutMs} ms`);
    await sleep(20);
  }
}

function xdsBootstrapYaml(adminPort: number, xdsPort: number): string {
  return `node: { id: sidecar, cluster: c }
admin: { address: { socket_address: { address: 127.0.0.1, port_value: ${adminPort} } } }
dynamic_resources:
  lds_config: { ads: {}, resource_api_version: V3 }
  cds_config: { ads: {}, resource_api_version: V3 }
  ads_config: { api_type: GRPC, transport_api_version: V3, grpc_services: [{ envoy_grpc: { cluster_name: xds-grpc } }] }
static_resources:
  clusters:
  - name: xds-grpc
    type: STATIC
    connect_timeout: 1s
    typed_extension_protocol_options:
      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
        explicit_http_config: { http2_protocol_options: {} }
    load_assignment: { cluster_name: xds-grpc, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: ${xdsPort} } } } }] }] }
`;
}

async function runOne(root: string, variant: string, flags: string, durationS: number): Promise<Row> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-mem-'));
  const [up, up2, port, admin] = [await freePort(), await freePort(), await freePort(), await freePort()];
  fs.writeFileSync(path.join(dir, 'up.conf'), upstreamNginxConf(dir, up, up2));
  const nginx = spawn('taskset', ['-c', '1', 'nginx', '-c', path.join(dir, 'up.conf')], { stdio: 'ignore' });
  let xds: XdsServer | undefined;
  const bootstrap = path.join(dir, 'bootstrap.yaml');
  if (variant === 'xds') {
    const b = weftBootstrap(port, admin, up, { resilience: false }) as { static_resources: { listeners: unknown[]; clusters: unknown[] } };
    const errs = new ConfigErrors();
    const canon = (type: string, list: unknown[]) => list.map((x) => fromJson<Record<string, unknown>>(type, x, '', errs)!);
    const cache = new SnapshotCache({ nodeHash: (n) => n.id ?? '' });
    xds = new XdsServer({ cache });
    const xdsPort = await xds.listen('127.0.0.1:0');
    cache.setSnapshot('sidecar', Snapshot.create('1', {
      listeners: canon('envoy.config.listener.v3.Listener', b.static_resources.listeners),
      clusters: canon('envoy.config.cluster.v3.Cluster', b.static_resources.clusters),
    }));
    fs.writeFileSync(bootstrap, xdsBootstrapYaml(admin, xdsPort));
  } else {
    fs.writeFileSync(bootstrap, weftBootstrapYaml(port, admin, up, { resilience: false }));
  }
  const t0 = performance.now();
  const proxy = spawn('taskset', ['-c', '0', process.execPath, ...flags.split(' ').filter(Boolean), path.join(root, 'bin/weft.js'), 'proxy', '-c', bootstrap, '--log-level', 'warning'], { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    await waitFor(`http://127.0.0.1:${admin}/ready`, 30_000);
    const startMs = Math.round(performance.now() - t0);
    await waitFor(`http://127.0.0.1:${port}/`, 10_000);
    await sleep(1500);
    const idleMiB = procStatusMiB(proxy.pid!).VmRSS!;
    const wrk = (s: number) => execFileSync('taskset', ['-c', '1', 'wrk', '-t1', '-c50', `-d${s}s`, `http://127.0.0.1:${port}/`], { encoding: 'utf8' });
    wrk(1);
    const c0 = cpuMs(proxy.pid!);
    const out = wrk(durationS);
    const c1 = cpuMs(proxy.pid!);
    const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
    const peakMiB = procStatusMiB(proxy.pid!).VmHWM!;
    return { root, variant, flags, startMs, idleMiB: +idleMiB.toFixed(1), peakMiB: +peakMiB.toFixed(1), requests, cpuUsPerRequest: +(((c1 - c0) * 1000) / requests).toFixed(1) };
  } finally {
    proxy.kill('SIGKILL');
    nginx.kill('SIGTERM');
    if (xds) await Promise.race([xds.close(), sleep(500)]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      reps: { type: 'string', default: '4' },
      duration: { type: 'string', default: '4' },
      roots: { type: 'string', default: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..') },
      variants: { type: 'string', default: 'plain,xds' },
      flags: { type: 'string', default: '' },
    },
  });
  const roots = values.roots!.split(',').map((r) => path.resolve(r));
  const variants = values.variants!.split(',');
  const flagSets = values.flags!.split(',');
  const rows: Row[] = [];
  for (let rep = 1; rep <= Number(values.reps); rep++) {
    for (const root of roots) {
      for (const variant of variants) {
        for (const flags of flagSets) {
          const row = await runOne(root, variant, flags, Number(values.duration));
          rows.push(row);
          console.log(JSON.stringify({ rep, ...row }));
        }
      }
    }
  }
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    const k = `${r.root} ${r.variant} ${r.flags || '(no flags)'}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  console.log('\nmedians: idle MiB | peak MiB | CPU µs/request (min–max) | start ms');
  for (const [k, rs] of groups) {
    const cpu = rs.map((r) => r.cpuUsPerRequest);
    console.log(`${k}: ${median(rs.map((r) => r.idleMiB))} | ${median(rs.map((r) => r.peakMiB))} | ${median(cpu)} (${Math.min(...cpu)}–${Math.max(...cpu)}) | ${median(rs.map((r) => r.startMs))}`);
  }
  process.exit(0);
}

await main();
