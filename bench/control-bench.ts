// Control plane cost for a mesh of N services × 3 subsets, each with a
// VirtualService and a DestinationRule: time to build the PushContext, time
// to translate one sidecar's full config (and to encode it once), and memory.
// Usage: node --expose-gc dist/bench/control-bench.js [--services 1000] [--reps 5]
import { performance } from 'node:perf_hooks';
import type { DestinationRule, VirtualService } from '../src/api/networking.js';
import { makeEndpoint, makeService, StaticRegistry } from '../src/control/ingest/index.js';
import { buildPushContext, proxyInfoFromNode } from '../src/control/model/index.js';
import type { Accepted } from '../src/control/model/types.js';
import { translateProxy } from '../src/control/translate/index.js';
import { encodeBinary } from '../src/xds/codec.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('services', 1000);
const REPS = arg('reps', 5);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mib = (b: number) => (b / 1048576).toFixed(1);

function mesh() {
  const services = [];
  const endpoints = [];
  const configs: Accepted<VirtualService | DestinationRule>[] = [];
  for (let i = 0; i < N; i++) {
    const ns = `ns${i % 10}`;
    const name = `svc${i}`;
    const host = `${name}.${ns}.svc.cluster.local`;
    services.push(makeService({ hostname: host, namespace: ns, ports: [{ name: 'http', port: 9080, protocol: 'HTTP' }] }));
    for (const v of ['v1', 'v2', 'v3']) {
      endpoints.push(makeEndpoint({ hostname: host, servicePort: 9080, address: `10.${i >> 8}.${i & 255}.${v.charCodeAt(1)}`, port: 9080, labels: { app: name, version: v }, namespace: ns, workload: `${name}-${v}` }));
    }
    const dr: DestinationRule = { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name, namespace: ns }, spec: { host, trafficPolicy: { connectionPool: { http: { http2MaxRequests: 100 } }, outlierDetection: { consecutive5xxErrors: 5 } }, subsets: ['v1', 'v2', 'v3'].map((v) => ({ name: v, labels: { version: v } })) } };
    const vs: VirtualService = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace: ns }, spec: { hosts: [host], http: [{ match: [{ headers: { 'end-user': { exact: 'jason' } } }], route: [{ destination: { host, subset: 'v2' } }] }, { route: [{ destination: { host, subset: 'v1' }, weight: 90 }, { destination: { host, subset: 'v3' }, weight: 10 }], retries: { attempts: 3, perTryTimeout: '2s' }, timeout: '10s' }] } };
    configs.push({ obj: dr, key: `DestinationRule ${name}.${ns}` }, { obj: vs, key: `VirtualService ${name}.${ns}` });
  }
  return { registry: new StaticRegistry(services, endpoints), configs };
}

const { registry, configs } = mesh();
const proxy = proxyInfoFromNode({ id: 'sidecar~10.0.0.1~client-v1.ns0~ns0.svc.cluster.local', metadata: { NAMESPACE: 'ns0', LABELS: { app: 'client' } } });
const build: number[] = [];
const translate: number[] = [];
const encode: number[] = [];
let bytes = 0;
let counts = '';
gc();
const before = process.memoryUsage().heapUsed;
let push = buildPushContext({ configs, registry });
const pushHeap = process.memoryUsage().heapUsed - before;
for (let r = 0; r < REPS; r++) {
  gc();
  let t = performance.now();
  push = buildPushContext({ configs, registry });
  build.push(performance.now() - t);
  t = performance.now();
  const out = translateProxy(proxy, push);
  translate.push(performance.now() - t);
  counts = `${out.resources.listeners.length} listeners, ${out.resources.routes.length} route configs, ${out.resources.clusters.length} clusters, ${out.resources.endpoints.length} endpoint assignments`;
  t = performance.now();
  bytes = 0;
  for (const c of out.resources.clusters) bytes += encodeBinary('envoy.config.cluster.v3.Cluster', c).length;
  for (const e of out.resources.endpoints) bytes += encodeBinary('envoy.config.endpoint.v3.ClusterLoadAssignment', e).length;
  for (const l of out.resources.listeners) bytes += encodeBinary('envoy.config.listener.v3.Listener', l).length;
  for (const rc of out.resources.routes) bytes += encodeBinary('envoy.config.route.v3.RouteConfiguration', rc).length;
  encode.push(performance.now() - t);
}
gc();
console.log(`control plane, ${N} services × 3 subsets, VirtualService + DestinationRule each (median of ${REPS}):`);
console.log(`  build PushContext          ${median(build).toFixed(1)} ms   (heap held: ${mib(pushHeap)} MiB)`);
console.log(`  translate one sidecar      ${median(translate).toFixed(1)} ms   (${counts})`);
console.log(`  encode its resources once  ${median(encode).toFixed(1)} ms   (${(bytes / 1024).toFixed(0)} KiB)`);
console.log(`  full recompute (build + translate + encode) ${(median(build) + median(translate) + median(encode)).toFixed(1)} ms`);
console.log(`  RSS ${mib(process.memoryUsage().rss)} MiB`);
