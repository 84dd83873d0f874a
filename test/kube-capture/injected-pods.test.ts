// Pods as weft's injector makes them, run for real: network namespaces as
// pods (the capture test's harness), the istio-init arguments the injector
// wrote run by `weft iptables`, and the istio-proxy container's command,
// `weft sidecar`, run as UID 1337 with the environment the injector wrote
// (resolved as the kubelet would), against `weft control` with its CA:
//
//   sleep pod (10.78.0.2)                         httpbin pod (10.78.0.3)
//   curl ─► iptables ─► weft sidecar ──mTLS──► iptables ─► weft sidecar ─► app
//
// Checked: each sidecar becomes ready (`weft wait` on 15021, as the
// postStart hook runs it); a request to the service's virtual IP reaches the
// app through both sidecars over mutual TLS with the identities the
// injector's environment names; the kubelet's rewritten readiness probe
// (pod IP, status port 15020) runs the app's own probe.
//
// What stands in for the cluster: CA_ADDR names the node's address instead of
// istiod.istio-system.svc (no cluster DNS here), and the CA root and token
// paths point at files in a temp folder instead of the mounted volumes.
// Root only (skips otherwise, with the reason).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultInjectionConfig, injectPod, type Pod as KubePod } from '../../src/kube/inject/index.js';
import { resolveEnv } from '../../src/kube/inject/test-kit.js';
import { waitUntil } from '../helpers/net-harness.js';
import { WEFT_BIN } from '../helpers/process-harness.js';
import { CAPTURE_TOKENS, captureSkipReason, httpbinMeshConfig, PodNetwork, type Pod } from './netns-harness.js';

const SUBNET = '10.78.0';
const VIP = '10.96.0.20';
const SVC = 'httpbin.default.svc.cluster.local';
const TOKENS = CAPTURE_TOKENS;

const SKIP = captureSkipReason();

const CONFIG = httpbinMeshConfig(SVC, VIP, SUBNET);

/** A Deployment's pod, as a ReplicaSet creates it, with a readiness probe on the app's port. */
function deploymentPod(app: string): KubePod {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: `${app}-5d8f7c9b6-x2k4q`, namespace: 'default', labels: { app, 'pod-template-hash': '5d8f7c9b6' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${app}-5d8f7c9b6`, controller: true }] },
    spec: {
      serviceAccountName: app,
      containers: [{ name: app, image: `example/${app}:1`, ports: [{ containerPort: 80, name: 'http' }], readinessProbe: { httpGet: { path: '/ready', port: 'http' } } }],
    },
  };
}

const APP = `const http=require('node:http');const [name,...ports]=process.argv.slice(1);
for(const p of ports)http.createServer((q,s)=>{s.end(name+' '+q.socket.remoteAddress+' '+q.url+'\\n')}).listen(Number(p),'0.0.0.0',()=>console.log('listening '+p));`;

describe('pods injected by weft, run in network namespaces (istio-init, weft sidecar, mTLS)', { skip: SKIP, timeout: 180_000 }, () => {
  let net: PodNetwork;
  let tmp: string;
  let sleep: Pod;
  let httpbin: Pod;
  const logs: Record<string, () => string> = {};
  const dump = () => Object.entries(logs).map(([k, f]) => `--- ${k}\n${f().slice(-3000)}`).join('\n');
  const curl = (pod: Pod | string, args: string[]) => net.exec(typeof pod === 'string' ? pod : pod.ns, 'curl', ['-sS', '-m', '5', ...args]);

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-injected-'));
    fs.chmodSync(tmp, 0o755);
    const file = (name: string, text: string) => {
      const p = path.join(tmp, name);
      fs.mkdirSync(path.dirname(p), { recursive: true, mode: 0o755 });
      fs.writeFileSync(p, text, { mode: 0o644 });
      return p;
    };
    net = new PodNetwork(`wi${process.pid % 100000}`, SUBNET);
    try {
      sleep = net.addPod('sleep', 2);
      httpbin = net.addPod('httpbin', 3);
      file('config/httpbin.yaml', CONFIG);
      for (const [sa, t] of Object.entries(TOKENS)) file(`tokens/default/${sa}`, t);
      const cp = net.start(net.node, process.execPath, [WEFT_BIN, 'control', '--config', path.join(tmp, 'config'), '--xds-address', `${net.nodeIp}:15010`,
        '--debug-address', '127.0.0.1:0', '--debounce-ms', '20', '--ca-dir', path.join(tmp, 'ca'), '--ca-address', `${net.nodeIp}:15012`, '--ca-token-dir', path.join(tmp, 'tokens'), '--no-dashboard']);
      logs.control = cp.output;
      await waitUntil(() => /CA on port \d+/.test(cp.output()) || (cp.child.exitCode !== null && Promise.reject(new Error(cp.output()))), 'weft control', 30_000);
      fs.chmodSync(path.join(tmp, 'ca'), 0o755);
      fs.chmodSync(path.join(tmp, 'ca', 'ca-cert.pem'), 0o644);
      const a = net.start(httpbin.ns, process.execPath, ['-e', APP, 'httpbin', '80']);
      logs.app = a.output;
      await waitUntil(() => a.output().includes('listening'), 'the httpbin app', 15_000);

      for (const [pod, app] of [[sleep, 'sleep'], [httpbin, 'httpbin']] as const) {
        const source = deploymentPod(app);
        const r = injectPod({ pod: source, namespace: 'default', config: defaultInjectionConfig() });
        assert.equal(r.outcome, 'injected');
        const injected = (r as { pod: KubePod }).pod;
        // istio-init: exactly the arguments the injector wrote (the image's entrypoint is weft).
        const init = injected.spec.initContainers!.find((c) => c.name === 'istio-init')!;
        const ipt = await net.exec(pod.ns, process.execPath, [WEFT_BIN, ...(init.args as string[])]);
        assert.equal(ipt.code, 0, ipt.stderr);
        // istio-proxy: its command and environment as the kubelet would run it.
        const proxy = injected.spec.containers.find((c) => c.name === 'istio-proxy')!;
        const env = {
          ...resolveEnv(injected, proxy), INSTANCE_IP: pod.ip, PATH: process.env.PATH ?? '',
          CA_ADDR: `${net.nodeIp}:15012`,
          WEFT_CA_ROOT_CERT: path.join(tmp, 'ca', 'ca-cert.pem'),
          WEFT_CA_TOKEN_FILE: path.join(tmp, 'tokens', 'default', app),
        };
        fs.mkdirSync(path.join(tmp, app, 'proxy'), { recursive: true });
        fs.chownSync(path.join(tmp, app, 'proxy'), 1337, 1337);
        const labels = file(`${app}/labels`, `app="${app}"\nsecurity.istio.io/tlsMode="istio"\n`);
        const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
        const p = net.start(pod.ns, 'env', ['-i', ...envArgs, process.execPath, WEFT_BIN, ...(proxy.args as string[]), '--bootstrap-file', path.join(tmp, app, 'proxy', 'envoy-rev.json'), '--labels-file', labels], { uid: 1337 });
        logs[`${app} sidecar`] = p.output;
      }
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${dump()}`);
    }
  });

  after(async () => {
    await net?.destroy();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('each sidecar gets ready: weft wait (the postStart hook) returns', async () => {
    for (const pod of [sleep, httpbin]) {
      const w = await net.exec(pod.ns, process.execPath, [WEFT_BIN, 'wait', '--timeout-seconds', '60', '--period-millis', '100'], 70_000);
      assert.equal(w.code, 0, `${pod.ns}: ${w.stderr}\n${dump()}`);
    }
  });

  it('a request to the service IP reaches the app through both injected sidecars over mutual TLS', async () => {
    let last = '';
    const r = await waitUntil(async () => {
      const x = await curl(sleep, ['-H', `Host: ${SVC}`, `http://${VIP}/hello`]);
      last = `curl exit ${x.code}: ${x.stdout} ${x.stderr}`;
      return x.code === 0 && x.stdout.startsWith('httpbin') ? x : undefined;
    }, 'the request through both sidecars', 30_000).catch(async (err: Error) => {
      const listeners = (await curl(sleep, ['http://127.0.0.1:15000/listeners'])).stdout;
      const inbound = (await curl(httpbin, ['http://127.0.0.1:15000/listeners'])).stdout;
      const boot = fs.readFileSync(path.join(tmp, 'httpbin', 'proxy', 'envoy-rev.json'), 'utf8');
      throw new Error(`${err.message}; last: ${last}\nsleep listeners: ${listeners}\nhttpbin listeners: ${inbound}\nhttpbin bootstrap: ${boot}\n${dump()}`);
    });
    assert.equal(r.stdout.trim(), 'httpbin 127.0.0.1 /hello');
    const prom = (await curl(httpbin, ['http://127.0.0.1:15000/stats/prometheus'])).stdout;
    const line = prom.split('\n').find((l) => l.startsWith('istio_requests_total{') && l.includes('reporter="destination"') && l.includes('source_principal="spiffe://cluster.local/ns/default/sa/sleep"'));
    assert.ok(line, `no inbound istio_requests_total from sleep's identity:\n${prom.split('\n').filter((l) => l.startsWith('istio_requests_total')).join('\n')}`);
    assert.match(line, /connection_security_policy="mutual_tls"/);
  });

  it('the kubelet\'s rewritten readiness probe (pod IP, port 15020) runs the app\'s probe', async () => {
    const ok = await curl(net.node, ['-w', ' %{http_code}', `http://${httpbin.ip}:15020/app-health/httpbin/readyz`]);
    // the app answers every path with 200 (its /ready included)
    assert.match(ok.stdout, / 200$/, `${ok.stdout} ${ok.stderr}`);
    const ready = await curl(net.node, ['-o', '/dev/null', '-w', '%{http_code}', `http://${httpbin.ip}:15021/healthz/ready`]);
    assert.equal(ready.stdout, '200');
  });
});
