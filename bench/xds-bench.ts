// xDS server benchmark: one server process (this one, pinned to core 0) and
// N simulated proxies spread over several child processes (core 1), each
// proxy its own HTTP/2 connection with one ADS stream (SotW or delta, see
// bench/lib/ads-sim.ts) that subscribes to CDS and LDS (wildcard), EDS (every
// cluster by name) and RDS (by name), and ACKs every response at once with
// its nonce, as Envoy does.
// Config: M Istio-style EDS clusters, their load assignments (3 endpoints
// each), one listener and one route configuration with a virtual host per
// service. Scenarios, each measured per round:
//   oneService    one service's endpoints change (one ClusterLoadAssignment)
//   allEndpoints  every ClusterLoadAssignment changes
//   full          every resource rebuilt (CDS, EDS, LDS, RDS)
//   reconnect     (once per run) the control plane restarts: the server ends
//                 every stream and a new one listens on the same port; each
//                 proxy reconnects after Envoy's jittered back-off (0–500 ms)
// For each: time until every proxy holds the new version (p50/p99/max per
// proxy) and until the server has counted every ACK (allAckedMs; for
// reconnect allSyncedMs), server CPU seconds, and server RSS per connected
// proxy after the initial sync and after a full push.
//
//   npm run build
//   node --expose-gc dist/bench/xds-bench.js [--streams 1000,5000] [--clusters 1000] [--rounds 3]
//        [--protocol sotw|delta] [--procs P] [--scenarios oneService,allEndpoints,full,reconnect]
// The last line of each run is one JSON object (keys: streams, clusters,
// full.allAckedMs, oneService.allAckedMs, allEndpoints.allAckedMs,
// reconnect.allSyncedMs, rssPerStreamKiB, ...).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import inspector from 'node:inspector';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SnapshotCache } from '../src/control/cache/snapshot-cache.js';
import { Snapshot, type SnapshotInput } from '../src/control/cache/snapshot.js';
import { XdsServer } from '../src/control/server/xds-server.js';
import { HCM_TYPE_URL, ROUTER_TYPE_URL } from '../src/control/server/xds-test-fixtures.js';
import { encodeBinary } from '../src/xds/codec.js';
import {
  CLUSTER_LOAD_ASSIGNMENT_TYPE_URL as EDS, CLUSTER_TYPE_URL as CDS, LISTENER_TYPE_URL as LDS, ROUTE_CONFIGURATION_TYPE_URL as RDS,
} from '../src/xds/type-urls.js';
import { SimProxy, type ResponseHead, type SimConfig } from './lib/ads-sim.js';

const now = (): number => performance.timeOrigin + performance.now();
const GROUP = 'bench';
const ROUTE_NAME = '9080';
/** Proxies a child process connects per event-loop turn (keeps the listen backlog from overflowing). */
const CONNECT_BATCH = 100;
/** Envoy's xDS retry back-off: the first retry comes after a random 0–500 ms. */
const RECONNECT_JITTER_MS = 500;
/** A scenario that takes longer than this fails the run (a stall, not a slow server). */
const WAIT_LIMIT_MS = 300_000;

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
        routes: [{ name: `svc-${i}-${gen}`, match: { prefix: '/' }, route: { cluster: clusterName(i), timeout: { seconds: 0, nanos: 0 }, retry_policy: { retry_on: 'connect-failure,refused-stream,unavailable', num_retries: { value: 2 } } }, decorator: { operation: `svc-${i}:9080/*` } }],
      })),
    }],
  };
}

// ---------------------------------------------------------------- child: simulated proxies

type Protocol = 'sotw' | 'delta';
type ChildCmd =
  | { cmd: 'connect'; port: number; from: number; to: number; clusters: number; protocol: Protocol }
  | { cmd: 'expect'; id: number; types: string[]; version: string }
  | { cmd: 'reconnect'; id: number; port: number }
  | { cmd: 'exit' };
type ChildEv = { ev: 'synced' } | { ev: 'ready'; id: number } | { ev: 'done'; id: number; times: number[]; bytes: number };

/** Types a reconnecting proxy must be answered on before it counts as served. */
function reconnectTypes(protocol: Protocol): string[] {
  // Delta: a proxy that holds everything is only answered on its wildcard types (an
  // empty "this is everything" response); named types it holds at their versions get nothing.
  return protocol === 'sotw' ? [CDS, EDS, LDS, RDS] : [CDS, LDS];
}

function child(): void {
  const send = (m: ChildEv) => process.send!(m);
  let proxies: SimProxy[] = [];
  let synced = 0;
  let protocol: Protocol = 'sotw';
  let cfg: SimConfig | undefined;
  let expect: { id: number; types: string[]; version: string; got: Map<SimProxy, Set<string>>; times: number[]; bytes: number } | undefined;
  let reconnecting: { id: number; doneFor: Set<SimProxy>; times: number[]; from: Map<SimProxy, number> } | undefined;
  const initialTypes = [CDS, EDS, LDS, RDS];

  const onResponse = (p: SimProxy, h: ResponseHead): void => {
    if (p.answered.size === initialTypes.length && !(p as { counted?: boolean }).counted) {
      (p as { counted?: boolean }).counted = true;
      if (++synced === proxies.length) send({ ev: 'synced' });
    }
    if (expect && h.version === expect.version && expect.types.includes(h.typeUrl)) {
      expect.bytes += h.bytes;
      let got = expect.got.get(p);
      if (!got) expect.got.set(p, (got = new Set()));
      got.add(h.typeUrl);
      if (got.size === expect.types.length) {
        expect.times.push(now());
        if (expect.times.length === proxies.length) {
          send({ ev: 'done', id: expect.id, times: expect.times, bytes: expect.bytes });
          expect = undefined;
        }
      }
    }
    if (reconnecting && !reconnecting.doneFor.has(p) && p.generation > (reconnecting.from.get(p) ?? 0) && reconnectTypes(protocol).every((t) => p.answered.has(t))) {
      reconnecting.doneFor.add(p);
      reconnecting.times.push(now());
      if (reconnecting.times.length === proxies.length) {
        send({ ev: 'done', id: reconnecting.id, times: reconnecting.times, bytes: 0 });
        reconnecting = undefined;
      }
    }
  };
  const onClosed = (p: SimProxy): void => {
    // A proxy retries a failed first connection (the listen backlog overflows when
    // thousands connect at once) and, in the reconnect scenario, a stream the server ended.
    const initial = !(p as { counted?: boolean }).counted;
    if (!initial && (!reconnecting || reconnecting.doneFor.has(p))) return;
    setTimeout(() => p.connect(), Math.random() * RECONNECT_JITTER_MS);
  };

  process.on('message', (m: ChildCmd) => {
    switch (m.cmd) {
      case 'exit':
        for (const p of proxies) p.close();
        process.exit(0);
        break;
      case 'expect':
        expect = { id: m.id, types: m.types, version: m.version, got: new Map(), times: [], bytes: 0 };
        send({ ev: 'ready', id: m.id });
        break;
      case 'reconnect':
        reconnecting = { id: m.id, doneFor: new Set(), times: [], from: new Map(proxies.map((p) => [p, p.generation])) };
        if (cfg) cfg.port = m.port;
        send({ ev: 'ready', id: m.id });
        // Streams already ended before this message arrived reconnect now.
        for (const p of proxies) if (p.closed) onClosed(p);
        break;
      case 'connect': {
        protocol = m.protocol;
        const edsNames = Array.from({ length: m.clusters }, (_, i) => clusterName(i));
        cfg = {
          port: m.port, protocol, types: initialTypes,
          names: new Map<string, string[]>([[CDS, []], [EDS, edsNames], [LDS, []], [RDS, [ROUTE_NAME]]]),
          onResponse, onClosed,
        };
        for (let i = m.from; i < m.to; i++) {
          const node = encodeBinary('envoy.config.core.v3.Node', { id: `sidecar~10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}~p${i}.default~default.svc.cluster.local`, cluster: GROUP });
          proxies.push(new SimProxy(i, Buffer.from(node), cfg));
        }
        let next = 0;
        const batch = (): void => {
          const end = Math.min(proxies.length, next + CONNECT_BATCH);
          for (; next < end; next++) proxies[next].connect();
          if (next < proxies.length) setTimeout(batch, 5);
        };
        batch();
        break;
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
const settle = async () => {
  await new Promise((r) => setTimeout(r, 300));
  gc();
  await new Promise((r) => setTimeout(r, 50));
  gc();
};

/**
 * XDS_BENCH_PROFILE=<scenario>: a CPU profile of the server over each run of
 * that scenario only, written to the current directory.
 */
async function startProfile(): Promise<(file: string) => Promise<void>> {
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params?: object) => new Promise<unknown>((resolve, reject) =>
    session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 200 });
  await post('Profiler.start');
  return async (file) => {
    const { profile } = (await post('Profiler.stop')) as { profile: object };
    fs.writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}

interface Measured { label: string; p50: number; p99: number; max: number; ackedMs: number; cpuS: number; kib: number }

interface RunOptions { streams: number; clusters: number; rounds: number; protocol: Protocol; procs: number; scenarios: Set<string> }

async function runOne(o: RunOptions): Promise<Record<string, string | number>> {
  const { streams, clusters, rounds, protocol } = o;
  const cache = new SnapshotCache({ nodeHash: (n) => n.cluster ?? '' });
  let acksTarget = Infinity;
  let acksReached: (() => void) | undefined;
  const makeServer = (): XdsServer => {
    const s: XdsServer = new XdsServer({
      cache,
      callbacks: {
        // onRequest, not onAck: onAck builds the proxy's status for each call (the bench would measure itself).
        onRequest: () => {
          if (acksReached && s.counters().acks >= acksTarget) {
            const f = acksReached;
            acksReached = undefined;
            f();
          }
        },
      },
    });
    return s;
  };
  let server = makeServer();
  const port = await server.listen();
  let gen = 1;
  let snap = Snapshot.create(String(gen), config(clusters, gen));
  cache.setSnapshot(GROUP, snap);
  for (const url of [CDS, EDS, LDS, RDS]) snap.resources(url)!.sotwBodyAll();
  await settle();
  const rssBefore = rssMiB();
  const heapBefore = heapMiB();

  const file = fileURLToPath(import.meta.url);
  const procs: ChildProcess[] = [];
  const waiters = new Map<string, { n: number; got: ChildEv[]; resolve: (evs: ChildEv[]) => void }>();
  /** Resolves once every child sent `key`; a run that stalls fails with what it waited for instead of hanging. */
  const wait = (key: string, limitMs = WAIT_LIMIT_MS) => new Promise<ChildEv[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`xds-bench: children did not report ${key} within ${limitMs} ms (${JSON.stringify(server.counters())})`)), limitMs);
    waiters.set(key, { n: procs.length, got: [], resolve: (evs) => {
      clearTimeout(timer);
      resolve(evs);
    } });
  });
  const onEv = (m: ChildEv) => {
    const key = m.ev === 'synced' ? 'synced' : `${m.ev}:${(m as { id: number }).id}`;
    const w = waiters.get(key);
    if (!w) return;
    w.got.push(m);
    if (w.got.length === w.n) {
      waiters.delete(key);
      w.resolve(w.got);
    }
  };
  const per = Math.ceil(streams / o.procs);
  for (let c = 0; c < o.procs && c * per < streams; c++) {
    const proc = spawn('taskset', ['-c', '1', process.execPath, '--max-old-space-size=4096', file, 'child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    proc.on('message', onEv);
    procs.push(proc);
  }
  const broadcast = (m: ChildCmd) => procs.forEach((p) => p.send(m));
  // The initial sync sends every proxy its whole config (about 1.1 MiB each at 1000 clusters).
  const synced = wait('synced', WAIT_LIMIT_MS + streams * 100);
  const progress = process.env.XDS_BENCH_DEBUG
    ? setInterval(() => console.error(JSON.stringify({ ...server.counters(), queued: server.queuedPushes, rssMiB: Math.round(rssMiB()) })), 5000)
    : undefined;
  const t0 = now();
  procs.forEach((p, c) => p.send({ cmd: 'connect', port, from: c * per, to: Math.min(streams, (c + 1) * per), clusters, protocol } satisfies ChildCmd));
  await synced;
  const connectMs = now() - t0;
  await settle();
  const rssPerStreamKiB = ((rssMiB() - rssBefore) * 1024) / streams;
  const heapPerStreamKiB = ((heapMiB() - heapBefore) * 1024) / streams;

  let id = 0;
  const measure = async (label: string, types: string[], next: Snapshot, acksPerStream: number): Promise<Measured> => {
    const myId = ++id;
    const ready = wait(`ready:${myId}`);
    broadcast({ cmd: 'expect', id: myId, types, version: next.version(types[0])! });
    await ready;
    const done = wait(`done:${myId}`);
    acksTarget = server.counters().acks + streams * acksPerStream;
    const allAcked = new Promise<void>((r) => (acksReached = r));
    const profiling = process.env.XDS_BENCH_PROFILE === label ? await startProfile() : undefined;
    const cpu0 = process.cpuUsage();
    const start = now();
    cache.setSnapshot(GROUP, next);
    const evs = (await done) as { times: number[]; bytes: number }[];
    await allAcked;
    const ackedMs = now() - start;
    const cpu = process.cpuUsage(cpu0);
    if (profiling) await profiling(`xds-${label}-${streams}-${myId}.cpuprofile`);
    const lat = evs.flatMap((e) => e.times).map((t) => t - start);
    const kib = evs.reduce((a, e) => a + e.bytes, 0) / streams / 1024;
    return { label, p50: pct(lat, 50), p99: pct(lat, 99), max: Math.max(...lat), ackedMs, cpuS: (cpu.user + cpu.system) / 1e6, kib };
  };

  const results: Measured[] = [];
  let rssAfterFullPerStreamKiB: number | undefined;
  for (let r = 0; r < rounds; r++) {
    if (o.scenarios.has('oneService')) {
      gen++;
      const eps = snap.resources(EDS)!.list.map((x) => x.message);
      eps[r % clusters] = assignment(r % clusters, gen);
      snap = snap.update(String(gen), { endpoints: eps });
      results.push(await measure('oneService', [EDS], snap, 1));
    }
    if (o.scenarios.has('allEndpoints')) {
      gen++;
      snap = snap.update(String(gen), { endpoints: Array.from({ length: clusters }, (_, i) => assignment(i, gen)) });
      results.push(await measure('allEndpoints', [EDS], snap, 1));
    }
    if (o.scenarios.has('full')) {
      gen++;
      snap = Snapshot.create(String(gen), config(clusters, gen));
      results.push(await measure('full', [CDS, EDS, LDS, RDS], snap, 4));
      await settle();
      rssAfterFullPerStreamKiB = ((rssMiB() - rssBefore) * 1024) / streams;
    }
  }

  let reconnect: Measured | undefined;
  if (o.scenarios.has('reconnect')) {
    const myId = ++id;
    const ready = wait(`ready:${myId}`);
    broadcast({ cmd: 'reconnect', id: myId, port });
    await ready;
    const done = wait(`done:${myId}`);
    const cpu0 = process.cpuUsage();
    const start = now();
    const old = server;
    // The control plane restarts: every stream ends, a new server listens on the same port.
    await old.close();
    server = makeServer();
    acksTarget = streams * reconnectTypes(protocol).length;
    const allAcked = new Promise<void>((r) => (acksReached = r));
    await server.listen(`127.0.0.1:${port}`);
    const evs = (await done) as { times: number[] }[];
    await allAcked;
    const ms = now() - start;
    const cpu = process.cpuUsage(cpu0);
    const lat = evs.flatMap((e) => e.times).map((t) => t - start);
    reconnect = { label: 'reconnect', p50: pct(lat, 50), p99: pct(lat, 99), max: Math.max(...lat), ackedMs: ms, cpuS: (cpu.user + cpu.system) / 1e6, kib: 0 };
  }
  if (progress) clearInterval(progress);
  broadcast({ cmd: 'exit' });
  await Promise.all(procs.map((p) => new Promise((r) => (p.exitCode !== null ? r(null) : p.on('exit', r)))));
  await server.close();

  const row: Record<string, string | number> = {
    streams, clusters, protocol, procs: procs.length, connectMs: Math.round(connectMs),
    rssPerStreamKiB: Math.round(rssPerStreamKiB), heapPerStreamKiB: Math.round(heapPerStreamKiB),
  };
  if (rssAfterFullPerStreamKiB !== undefined) row.rssAfterFullPerStreamKiB = Math.round(rssAfterFullPerStreamKiB);
  for (const label of ['oneService', 'allEndpoints', 'full']) {
    const rs = results.filter((x) => x.label === label);
    if (rs.length === 0) continue;
    const med = (k: 'p50' | 'p99' | 'max' | 'ackedMs' | 'cpuS' | 'kib') => pct(rs.map((x) => x[k]), 50);
    row[`${label}.p50Ms`] = +med('p50').toFixed(1);
    row[`${label}.p99Ms`] = +med('p99').toFixed(1);
    row[`${label}.allAckedMs`] = +med('ackedMs').toFixed(1);
    row[`${label}.cpuS`] = +med('cpuS').toFixed(3);
    row[`${label}.kibPerProxy`] = +med('kib').toFixed(1);
  }
  if (reconnect) {
    row['reconnect.p50Ms'] = +reconnect.p50.toFixed(1);
    row['reconnect.allSyncedMs'] = +reconnect.ackedMs.toFixed(1);
    row['reconnect.cpuS'] = +reconnect.cpuS.toFixed(3);
  }
  return row;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      streams: { type: 'string', default: '100,1000' },
      clusters: { type: 'string', default: '1000' },
      rounds: { type: 'string', default: '3' },
      protocol: { type: 'string', default: 'sotw' },
      procs: { type: 'string' },
      scenarios: { type: 'string', default: 'oneService,allEndpoints,full,reconnect' },
    },
  });
  try {
    execFileSync('taskset', ['-pc', '0', String(process.pid)], { stdio: 'ignore' });
  } catch { /* not pinned */ }
  const protocol = values.protocol as Protocol;
  if (protocol !== 'sotw' && protocol !== 'delta') throw new Error(`--protocol: sotw or delta, not ${values.protocol}`);
  const encodeStart = now();
  const s = Snapshot.create('x', config(Number(values.clusters), 0));
  for (const url of [CDS, EDS, LDS, RDS]) s.resources(url)!.sotwBodyAll();
  const sizes = [CDS, EDS, LDS, RDS].map((u) => `${u.split('.').pop()} ${(s.resources(u)!.sotwBodyAll().length / 1024).toFixed(0)} KiB`).join(', ');
  console.log(`config: ${values.clusters} clusters; response sizes: ${sizes}; encode all once: ${(now() - encodeStart).toFixed(0)} ms`);
  for (const n of values.streams!.split(',').map(Number)) {
    const procs = values.procs ? Number(values.procs) : Math.max(2, Math.ceil(n / 2500));
    const row = await runOne({
      streams: n, clusters: Number(values.clusters), rounds: Number(values.rounds), protocol, procs,
      scenarios: new Set(values.scenarios!.split(',')),
    });
    console.log(JSON.stringify(row));
  }
}

if (process.argv[2] === 'child') child();
else main().catch((e) => {
  console.error(e);
  process.exit(1);
});
