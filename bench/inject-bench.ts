// Cost of sidecar injection: the pure injection (policy, annotations,
// containers, JSON Patch diff) per pod, and a whole AdmissionReview over
// HTTPS (keep-alive) through the webhook server, per review. CPU time of this
// process per operation (process.cpuUsage) next to wall time: on a shared
// machine the CPU figure is the one to compare. Medians of --runs runs.
// Usage: node dist/bench/inject-bench.js [--pods 5000] [--reviews 2000] [--runs 3]
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { CertificateAuthority } from '../src/control/ca/index.js';
import { defaultInjectionConfig, injectPod } from '../src/kube/inject/index.js';
import { podFrom } from '../src/kube/inject/test-kit.js';
import { WebhookServer } from '../src/kube/webhook/index.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const PODS = arg('pods', 5000);
const REVIEWS = arg('reviews', 2000);
const RUNS = arg('runs', 3);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measure(n: number, fn: (i: number) => unknown): Promise<{ cpuUs: number; wallUs: number }> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) await fn(i);
  const c = process.cpuUsage(c0);
  return { cpuUs: (c.user + c.system) / n, wallUs: ((performance.now() - t0) * 1000) / n };
}

const config = defaultInjectionConfig();
for (const [file, name] of [['hello.yaml', 'hello'], ['multi.yaml', 'reviews-v1'], ['hello-probes.yaml', 'hello-probes']] as const) {
  const pod = podFrom(file, name);
  const runs: { cpuUs: number; wallUs: number }[] = [];
  for (let r = 0; r < RUNS; r++) runs.push(await measure(PODS, () => injectPod({ pod, namespace: 'default', config })));
  console.log(`injectPod ${name}: ${median(runs.map((x) => x.cpuUs)).toFixed(1)} µs CPU/pod, ${median(runs.map((x) => x.wallUs)).toFixed(1)} µs wall/pod (${PODS} pods x ${RUNS} runs)`);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-inject-bench-'));
try {
  const ca = CertificateAuthority.open({ kind: 'self-signed', dir });
  const cert = ca.issueServingCertificate({ dnsNames: ['localhost'] });
  const server = new WebhookServer({ certPem: cert.certChainPem, keyPem: cert.keyPem, injection: { config } });
  const port = await server.listen('127.0.0.1:0');
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: ca.signingRootPem });
  const body = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'b', kind: { group: '', version: 'v1', kind: 'Pod' }, operation: 'CREATE', namespace: 'default', object: podFrom('multi.yaml', 'reviews-v1') } });
  const post = (): Promise<void> => new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: '/inject', method: 'POST', agent, servername: 'localhost', headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve());
    });
    req.on('error', reject);
    req.end(body);
  });
  await post();
  const runs: { cpuUs: number; wallUs: number }[] = [];
  for (let r = 0; r < RUNS; r++) runs.push(await measure(REVIEWS, post));
  console.log(`AdmissionReview over HTTPS (reviews-v1, client and server in this process): ${median(runs.map((x) => x.cpuUs)).toFixed(1)} µs CPU/review, ${median(runs.map((x) => x.wallUs)).toFixed(1)} µs wall/review (${REVIEWS} reviews x ${RUNS} runs)`);
  agent.destroy();
  await server.close();
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
