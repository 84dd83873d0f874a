// Kubernetes mode's cost for a cluster of N services, each with 3 ready pods
// behind one EndpointSlice: CPU time to build the registry from the objects
// (buildKubeRegistry, on every coalesced change), and an informer's first
// list of every pod from the API server double (paged by 500) plus the time
// for 1000 watch events to arrive. The double runs in this process, so the
// list figures include its work; they are a ceiling, not the real API
// server's cost.
// Usage: node dist/bench/kube-bench.js [--services 1000] [--reps 5]
import { KubeConfig } from '@kubernetes/client-node';
import { performance } from 'node:perf_hooks';
import { Informer } from '../src/kube/informer.js';
import { createKubeClient, type KubeObject } from '../src/kube/kube-client.js';
import { buildKubeRegistry } from '../src/kube/kube-registry.js';
import { KUBE_RESOURCES } from '../src/kube/kube-resources.js';
import { KubeApiDouble } from '../test/helpers/kube-api-double.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('services', 1000);
const REPS = arg('reps', 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function objects() {
  const services: KubeObject[] = [];
  const pods: KubeObject[] = [];
  const endpointSlices: KubeObject[] = [];
  for (let i = 0; i < N; i++) {
    const ns = `ns${i % 10}`;
    const name = `svc${i}`;
    services.push({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { clusterIP: `10.96.${i >> 8}.${i & 255}`, ports: [{ name: 'http', port: 9080 }] } });
    const eps = [];
    for (const v of ['v1', 'v2', 'v3']) {
      const pod = `${name}-${v}`;
      const ip = `10.${(i >> 8) + 1}.${i & 255}.${v.charCodeAt(1)}`;
      pods.push({ apiVersion: 'v1', kind: 'Pod', metadata: { name: pod, namespace: ns, labels: { app: name, version: v, 'security.istio.io/tlsMode': 'istio' } }, spec: { nodeName: 'node-a', serviceAccountName: name, containers: [{ name: 'app' }] } });
      eps.push({ addresses: [ip], conditions: { ready: true }, targetRef: { kind: 'Pod', name: pod, namespace: ns } });
    }
    endpointSlices.push({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: `${name}-abc`, namespace: ns, labels: { 'kubernetes.io/service-name': name } }, ports: [{ name: 'http', port: 9080 }], endpoints: eps });
  }
  return { services, pods, endpointSlices, nodes: [{ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a', labels: { 'topology.kubernetes.io/region': 'r', 'topology.kubernetes.io/zone': 'z' } } }] };
}

async function main(): Promise<void> {
  const input = objects();
  const build: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const c0 = process.cpuUsage();
    const out = buildKubeRegistry(input);
    const c = process.cpuUsage(c0);
    if (out.services.length !== N) throw new Error('wrong service count');
    build.push((c.user + c.system) / 1000);
  }
  console.log(`buildKubeRegistry: ${N} services, ${N * 3} endpoints: median ${median(build).toFixed(1)} ms CPU (${REPS} reps: ${build.map((x) => x.toFixed(1)).join(', ')})`);

  const double = await KubeApiDouble.start({ namespaceLifecycle: false, historyLimit: 100_000 });
  for (const p of input.pods) double.put(p as Parameters<KubeApiDouble["put"]>[0]);
  const kc = new KubeConfig();
  kc.loadFromString(double.kubeconfigYaml());
  const lists: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const inf = new Informer(createKubeClient(kc), KUBE_RESOURCES.pods);
    const t0 = performance.now();
    inf.start();
    await inf.whenSynced();
    lists.push(performance.now() - t0);
    if (inf.list().length !== N * 3) throw new Error('wrong pod count');
    inf.stop();
  }
  console.log(`informer first list: ${N * 3} pods in pages of 500: median ${median(lists).toFixed(0)} ms wall (client and double in one process)`);

  const inf = new Informer(createKubeClient(kc), KUBE_RESOURCES.pods);
  let seen = 0;
  let done: () => void = () => undefined;
  const all = new Promise<void>((r) => (done = r));
  inf.onEvent((e) => {
    if (e.type === 'update' && ++seen === 1000) done();
  });
  inf.start();
  await inf.whenSynced();
  while (double.watchCount('pods') === 0) await new Promise((r) => setTimeout(r, 5));
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < 1000; i++) {
    const p = input.pods[i % input.pods.length]!;
    double.put({ ...p, metadata: { ...p.metadata, labels: { ...p.metadata.labels, rev: String(i) } } } as Parameters<KubeApiDouble["put"]>[0]);
  }
  await all;
  const c = process.cpuUsage(c0);
  console.log(`watch: 1000 MODIFIED events applied in ${(performance.now() - t0).toFixed(0)} ms wall, ${((c.user + c.system) / 1000).toFixed(0)} ms CPU (client and double)`);
  inf.stop();
  await double.stop();
}

void main();
