// xDS server benchmark: one server process (this one, pinned to core 0) and
// N simulated ADS streams in a child process (core 1) that subscribe to CDS,
// EDS (every cluster by name), LDS and RDS and ACK every response at once.
// Config: 1000 Istio-style EDS clusters, their load assignments (3 endpoints
// each), one listener and one route configuration with a virtual host per
// service. Measures, after an endpoint change (one load assignment) and after
// a full config change (every resource rebuilt): time until every stream has
// the new version (p50/p99/max per stream, and until the server has every
// ACK), server CPU seconds per push, and server RSS per connected stream.
//
//   npx tsc -p tsconfig.json
//   node --expose-gc dist/bench/xds-bench.js [--streams 100,1000] [--clusters 1000] [--rounds 3]
import { spawn, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { SnapshotCache } from '../src/control/cache/snapshot-cache.js';
import { Snapshot, type SnapshotInput } from '../src/control/cache/snapshot.js';
import { XdsServer } from '../src/control/server/xds-server.js';
import { HCM_TYPE_URL, ROUTER_TYPE_URL } from '../src/control/server/xds-test-fixtures.js';
import { encodeBinary } from '../src/xds/codec.js';
import {
  CLUSTER_LOAD_ASSIGNMENT_TYPE_URL as EDS, CLUSTER_TYPE_URL as CDS, LISTENER_TYPE_URL as LDS, ROUTE_CONFIGURATION_TYPE_URL as RDS,
} from '../src/xds/type-urls.js';

const now = (): number => performance.timeOrigin + performance.now();
const GROUP = 'bench';
const ROUTE_NAME = '9080';
const STREAMS_PER_CONNECTION = 50;

// ---------------------------------------------------------------- config

const clusterName = (i: number) => `outbound|9080||svc-${i}.default.svc.cluster.local`;

function cluster(i: number, gen: number): object {
  return {
    name: clusterName(i),
    type: 'EDS',
    eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' }, service_name: clusterName(i) },
    connect_timeout: { seconds: 10, nanos: 0 },
    lb_policy: 'LEAST_REQUEST',
    circuit_breakers: { thresholds: [{ max_connections: { value: 4294967295 }, max_pending_requests: { value: 4294967295 }, max_requests: { value: 4294967295 }, max_retries: { value: 4294967295 } }] },
    common_lb_config: { locality_weighted_lb_config: {} },
    metadata: { filter_metadata: { istio: { services: [{ host: `svc-${i}.default.svc.cluster.local`, name: `svc-${i}`, namespace: 'default' }], config: `/apis/networking.istio.io/v1/namespaces/default/destination-rule/dr-${i}`, gen } } },
  };
}

function assignment(i: number, gen: number): object {
  return {
    cluster_name: clusterName(i),
    endpoints: [{
      locality: { region: 'us-east1', zone: 'us-east1-b' },
      load_balancing_weight: { value: 3 },
      lb_endpoints: [0, 1, 2].map((k) => ({
        endpoint: { address: { socket_address: { address: `10.${(i >> 8) & 255}.${i & 255}.${(k + gen) % 250 + 1}`, port_value: 9080 } } },
        health_status: 'HEALTHY',
        load_balancing_weight: { value: 1 },
        metadata: { filter_metadata: { istio: { workload: `svc-${i}-v1;default;svc-${i};v1;Kubernetes` } } },
      })),
    }],
  };
}

function config(clusters: number, gen: number): SnapshotInput {
  const idx = Array.from({ length: clusters }, (_, i) => i);
  return {
    clusters: idx.map((i) => cluster(i, gen)),
    endpoints: idx.map((i) => assignment(i, gen)),
    listeners: [{
      name: '0.0.0.0_9080',
      address: { socket_address: { address: '0.0.0.0', port_value: 9080 } },
      filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: {
        '@type': HCM_TYPE_URL, stat_prefix: `outbound_0.0.0.0_9080_${gen}`,
        rds: { route_config_name: ROUTE_NAME, config_source: { ads: {}, resource_api_version: 'V3' } },
        http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER_TYPE_URL } }],
      } }] }],
    }],
    routes: [{
      name: ROUTE_NAME,
      virtual_hosts: idx.map((i) => ({
        name: `svc-${i}.default.svc.cluster.local:9080`,
        domains: [`svc-${i}.default.svc.cluster.local`, `svc-${i}`, `svc-${i}.default`],
        routes: [{ match: { prefix: '/' }, route: { cluster: clusterName(i), timeout: { seconds: 0, nanos: 0 }, retry_policy: { retry_on: 'connect-failure,refused-stream,unavailable', num_retries: { value: 2 } } }, decorator: { operation: `svc-${i}:9080/*` } }],
      })),
    }],
  };
}

// ---------------------------------------------------------------- child: simulated proxies

type ChildCmd = { cmd: 'connect'; port: number; streams: number; clusters: number } | { cmd: 'expect'; id: number; types: string[]; version: string } | { cmd: 'exit' };
type ChildEv = { ev: 'synced' } | { ev: 'ready'; id: number } | { ev: 'done'; id: number; times: number[] };

/** version_info (1), type_url (4), nonce (5) of a DiscoveryResponse, skipping the resources. */
function peek(b: Buffer): { version: string; typeUrl: string; nonce: string } {
  let pos = 0;
  const out = { version: '', typeUrl: '', nonce: '' };
  const varint = (): number => {
    let v = 0, s = 0, c: number;
    do { c = b[pos++]; v += (c & 127) * 2 ** s; s += 7; } while (c & 128);
    return v;
  };
  while (pos < b.length) {
    const tag = varint();
    const wt = tag & 7, f = tag >>> 3;
    if (wt === 2) {
      const len = varint();
      if (f === 1) out.version = b.toString('utf8', pos, pos + len);
      else if (f === 4) out.typeUrl = b.toString('utf8', pos, pos + len);
      else if (f === 5) out.nonce = b.toString('utf8', pos, pos + len);
      pos += len;
    } else if (wt === 0) varint();
    else if (wt === 1) pos += 8;
    else if (wt === 5) pos += 4;
  }
  return out;
}

function child(): void {
  const send = (m: ChildEv) => process.send!(m);
  let expect: { id: number; types: Set<string>; version: string; got: Map<number, Set<string>>; times: number[] } | undefined;
  let synced = 0;
  let total = 0;
  const initial = new Map<number, Set<string>>();
  const reqType = 'envoy.service.discovery.v3.DiscoveryRequest';
  const ser = (o: object) => Buffer.from(encodeBinary(reqType, o));
  const clients: grpc.Client[] = [];
  process.on('message', (m: ChildCmd) => {
    if (m.cmd === 'exit') {
      for (const c of clients) c.close();
      process.exit(0);
    }
    if (m.cmd === 'expect') {
      expect = { id: m.id, types: new Set(m.types), version: m.version, got: new Map(), times: [] };
      send({ ev: 'ready', id: m.id });
      return;
    }
    total = m.streams;
    const edsNames = Array.from({ length: m.clusters }, (_, i) => clusterName(i));
    for (let i = 0; i < m.streams; i++) {
      const ci = Math.floor(i / STREAMS_PER_CONNECTION);
      if (!clients[ci]) clients[ci] = new grpc.Client(`127.0.0.1:${m.port}`, grpc.credentials.createInsecure(), {
        'weft.bench.connection': ci, 'grpc.max_receive_message_length': -1,
        // Envoy's default HTTP/2 windows for its gRPC clients are large (256 MiB); grpc-js's are 64 KiB.
        'grpc-node.flow_control_window': 16 * 1024 * 1024,
      });
      const call = clients[ci].makeBidiStreamRequest('/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources', ser, (b: Buffer) => b);
      const names: Record<string, string[]> = { [CDS]: [], [EDS]: edsNames, [LDS]: [], [RDS]: [ROUTE_NAME] };
      const requested = new Set<string>();
      call.on('data', (b: Buffer) => {
        const r = peek(b);
        call.write({ type_url: r.typeUrl, version_info: r.version, response_nonce: r.nonce, resource_names: names[r.typeUrl] });
        if (!requested.has(r.typeUrl)) return;
        let init = initial.get(i);
        if (!init) initial.set(i, (init = new Set()));
        if (init.size < 4) {
          init.add(r.typeUrl);
          if (init.size === 4 && ++synced === total) send({ ev: 'synced' });
        }
        if (expect && expect.types.has(r.typeUrl) && r.version === expect.version) {
          let got = expect.got.get(i);
          if (!got) expect.got.set(i, (got = new Set()));
          got.add(r.typeUrl);
          if (got.size === expect.types.size) {
            expect.times.push(now());
            if (expect.times.length === total) send({ ev: 'done', id: expect.id, times: expect.times });
          }
        }
      });
      call.on('error', () => {});
      for (const url of [CDS, EDS, LDS, RDS]) {
        requested.add(url);
        call.write({ ...(url === CDS ? { node: { id: `sidecar~10.0.0.${i}~p${i}.default~default.svc.cluster.local`, cluster: GROUP } } : {}), type_url: url, resource_names: names[url] });
      }
    }
  });
}

// ---------------------------------------------------------------- parent: the server

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};
const rssMiB = () => process.memoryUsage().rss / 1048576;
/** JS heap plus Buffers: what the server itself holds, without allocator slack. */
const heapMiB = () => {
  const m = process.memoryUsage();
  return (m.heapUsed + m.external) / 1048576;
};
const gc = () => (globalThis as { gc?: () => void }).gc?.();

async function runOne(streams: number, clusters: number, rounds: number): Promise<Record<string, string | number>> {
  const cache = new SnapshotCache({ nodeHash: (n) => n.cluster ?? '' });
  let acksTarget = Infinity;
  let acksReached: (() => void) | undefined;
  const server = new XdsServer({
    cache,
    callbacks: {
      onRequest: () => {
        if (acksReached && server.counters().acks >= acksTarget) {
          const f = acksReached;
          acksReached = undefined;
          f();
        }
      },
    },
  });
  const port = await server.listen();
  let gen = 1;
  let snap = Snapshot.create(String(gen), config(clusters, gen));
  cache.setSnapshot(GROUP, snap);
  gc();
  const rssBefore = rssMiB();
  const heapBefore = heapMiB();

  const file = fileURLToPath(import.meta.url);
  const proc = spawn('taskset', ['-c', '1', process.execPath, file, 'child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiters = new Map<string, (m: ChildEv) => void>();
  proc.on('message', (m: ChildEv) => {
    const key = m.ev === 'synced' ? 'synced' : `${m.ev}:${(m as { id: number }).id}`;
    waiters.get(key)?.(m);
    waiters.delete(key);
  });
  const wait = (key: string) => new Promise<ChildEv>((r) => waiters.set(key, r));
  const synced = wait('synced');
  const progress = process.env.XDS_BENCH_DEBUG
    ? setInterval(() => console.error(JSON.stringify({ ...server.counters(), queued: server.queuedPushes, rssMiB: Math.round(rssMiB()) })), 5000)
    : undefined;
  const t0 = now();
  proc.send({ cmd: 'connect', port, streams, clusters } satisfies ChildCmd);
  await synced;
  const connectMs = now() - t0;
  if (progress) clearInterval(progress);
  await new Promise((r) => setTimeout(r, 200));
  gc();
  const rssPerStreamKiB = ((rssMiB() - rssBefore) * 1024) / streams;
  const heapPerStreamKiB = ((heapMiB() - heapBefore) * 1024) / streams;

  let id = 0;
  const measure = async (types: string[], next: Snapshot, label: string) => {
    const myId = ++id;
    const ready = wait(`ready:${myId}`);
    proc.send({ cmd: 'expect', id: myId, types, version: String(gen) } satisfies ChildCmd);
    await ready;
    const done = wait(`done:${myId}`);
    const before = server.counters().acks;
    acksTarget = before + streams * types.length;
    const allAcked = new Promise<void>((r) => (acksReached = r));
    const cpu0 = process.cpuUsage();
    const start = now();
    cache.setSnapshot(GROUP, next);
    const { times } = (await done) as { times: number[] };
    await allAcked;
    const ackedMs = now() - start;
    const cpu = process.cpuUsage(cpu0);
    const lat = times.map((t) => t - start);
    return { label, p50: pct(lat, 50), p99: pct(lat, 99), max: Math.max(...lat), ackedMs, cpuS: (cpu.user + cpu.system) / 1e6 };
  };

  const results: { label: string; p50: number; p99: number; max: number; ackedMs: number; cpuS: number }[] = [];
  for (let r = 0; r < rounds; r++) {
    // Endpoint change: one load assignment moves (EDS only).
    gen++;
    const eps = snap.resources(EDS)!.list.map((x) => x.message);
    eps[r % clusters] = assignment(r % clusters, gen);
    snap = snap.update(String(gen), { endpoints: eps });
    results.push(await measure([EDS], snap, 'endpoints'));
    // Full change: every resource rebuilt (all four types).
    gen++;
    snap = Snapshot.create(String(gen), config(clusters, gen));
    results.push(await measure([CDS, EDS, LDS, RDS], snap, 'full'));
  }
  proc.send({ cmd: 'exit' } satisfies ChildCmd);
  await new Promise((r) => proc.on('exit', r));
  await server.close();
  const row: Record<string, string | number> = { streams, clusters, connectMs: Math.round(connectMs), rssPerStreamKiB: Math.round(rssPerStreamKiB), heapPerStreamKiB: Math.round(heapPerStreamKiB), rssEndMiB: Math.round(rssMiB()) };
  for (const label of ['endpoints', 'full']) {
    const rs = results.filter((x) => x.label === label);
    const med = (k: 'p50' | 'p99' | 'max' | 'ackedMs' | 'cpuS') => pct(rs.map((x) => x[k]), 50);
    row[`${label}.p50ms`] = med('p50').toFixed(1);
    row[`${label}.p99ms`] = med('p99').toFixed(1);
    row[`${label}.maxms`] = med('max').toFixed(1);
    row[`${label}.allAckedMs`] = med('ackedMs').toFixed(1);
    row[`${label}.cpuS`] = med('cpuS').toFixed(3);
  }
  return row;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { streams: { type: 'string', default: '100,1000' }, clusters: { type: 'string', default: '1000' }, rounds: { type: 'string', default: '3' } } });
  try {
    execFileSync('taskset', ['-pc', '0', String(process.pid)], { stdio: 'ignore' });
  } catch { /* not pinned */ }
  const encodeStart = now();
  const s = Snapshot.create('x', config(Number(values.clusters), 0));
  for (const url of [CDS, EDS, LDS, RDS]) s.resources(url)!.sotwBodyAll();
  const sizes = [CDS, EDS, LDS, RDS].map((u) => `${u.split('.').pop()} ${(s.resources(u)!.sotwBodyAll().length / 1024).toFixed(0)} KiB`).join(', ');
  console.log(`config: ${values.clusters} clusters; response sizes: ${sizes}; encode all once: ${(now() - encodeStart).toFixed(0)} ms`);
  for (const n of values.streams!.split(',').map(Number)) {
    const row = await runOne(n, Number(values.clusters), Number(values.rounds));
    console.log(JSON.stringify(row));
  }
}

if (process.argv[2] === 'child') child();
else main().catch((e) => {
  console.error(e);
  process.exit(1);
});
