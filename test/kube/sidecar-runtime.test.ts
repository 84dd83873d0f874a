// The injected sidecar's runtime: `weft sidecar` started with the
// environment the injector writes (resolved as the kubelet would) builds a
// bootstrap weft's proxy accepts, connects to a real `weft control`, serves
// /healthz/ready (503 until its first config is applied, then 200), the
// rewritten app probes (run against a real app server) and the merged
// metrics; `weft wait` returns once it is ready.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigErrors } from '../../src/common/errors.js';
import { defaultInjectionConfig, injectPod } from '../../src/kube/inject/index.js';
import { podFrom, resolveEnv } from '../../src/kube/inject/test-kit.js';
import { podSidecarBootstrap } from '../../src/kube/sidecar/pod-bootstrap.js';
import { decodePodEnvironment, parseDownwardLabels } from '../../src/kube/sidecar/pod-environment.js';
import { loadBootstrapText } from '../../src/proxy/config/bootstrap.js';
import { runWeft, WEFT_BIN } from '../helpers/process-harness.js';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-sidecar-'));
const children: ChildProcess[] = [];
after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  fs.rmSync(work, { recursive: true, force: true });
});

/** Starts weft with args/env and resolves with the first match of `re` in its output. */
function startWeft(args: string[], env: Record<string, string>, re: RegExp, what: string): Promise<{ child: ChildProcess; match: RegExpExecArray; output: () => string }> {
  const child = spawn(process.execPath, [WEFT_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', ...env } });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what}: no ${re} within 20 s:\n${out}`)), 20_000);
    const on = (c: Buffer): void => {
      out += c.toString();
      const m = re.exec(out);
      if (m) {
        clearTimeout(t);
        resolve({ child, match: m, output: () => out });
      }
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', on);
    child.on('exit', (code) => reject(new Error(`${what} exited ${code}:\n${out}`)));
  });
}

async function get(url: string): Promise<{ status: number; text: string }> {
  const r = await fetch(url);
  return { status: r.status, text: await r.text() };
}

/** The injected sidecar's environment for a pod named `name` in `shop`, as the kubelet resolves it. */
function injectedEnv(): Record<string, string> {
  const pod = podFrom('hello-probes.yaml', 'hello-probes');
  pod.metadata = {
    ...pod.metadata, name: 'hello-probes-7d9f8c6b5-abcde', namespace: 'shop',
    labels: { ...pod.metadata?.labels, 'pod-template-hash': '7d9f8c6b5' },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'hello-probes-7d9f8c6b5', uid: 'u', controller: true }],
  };
  const r = injectPod({ pod, namespace: 'shop', config: defaultInjectionConfig() });
  assert.equal(r.outcome, 'injected');
  const injected = (r as { pod: typeof pod }).pod;
  return { ...resolveEnv(injected, injected.spec.containers.find((c) => c.name === 'istio-proxy')!), INSTANCE_IP: '127.0.0.1' };
}

describe('the sidecar runtime', () => {
  it('the injected environment decodes, and its bootstrap is one weft\'s proxy accepts', () => {
    const env = injectedEnv();
    delete env.CA_ADDR; // no node agent here: its CA is not running
    const d = decodePodEnvironment({ ...env, PROXY_CONFIG: JSON.stringify({ discoveryAddress: 'istiod.istio-system.svc:15010' }) }, undefined);
    assert.deepEqual(d.errors, []);
    assert.equal(d.pod!.workloadName, 'hello-probes');
    assert.deepEqual(Object.keys(d.pod!.probers), ['/app-health/hello/readyz', '/app-health/hello/livez', '/app-health/hello/startupz']);
    const b = podSidecarBootstrap(d.pod!) as { node: { id: string }; static_resources: { clusters: { type: string }[] } };
    assert.equal(b.node.id, 'sidecar~127.0.0.1~hello-probes-7d9f8c6b5-abcde.shop~shop.svc.cluster.local');
    assert.equal(b.static_resources.clusters[0]!.type, 'LOGICAL_DNS');
    const errs = new ConfigErrors();
    assert.ok(loadBootstrapText(JSON.stringify(b), errs), JSON.stringify(errs.errors));
    assert.deepEqual(parseDownwardLabels('app="hello"\nversion="v2"\nsecurity.istio.io/tlsMode="istio"\n'), { app: 'hello', version: 'v2', 'security.istio.io/tlsMode': 'istio' });
    const bad = decodePodEnvironment({ POD_NAME: 'x', PROXY_CONFIG: '{' }, undefined);
    assert.deepEqual(bad.errors.map((e) => e.split(':')[0]), ['POD_NAMESPACE', 'INSTANCE_IP', 'SERVICE_ACCOUNT', 'PROXY_CONFIG', 'PROXY_CONFIG.discoveryAddress or CA_ADDR']);
  });

  describe('weft sidecar against a real weft control', () => {
    let app: http.Server;
    let grpcApp: http2.Http2Server;
    let health = 0;
    let statusPort = 0;
    let sidecar: Awaited<ReturnType<typeof startWeft>>;
    before(async () => {
      // The app: /ready answers 200, everything else 500; a gRPC health service that is SERVING.
      app = http.createServer((req, res) => res.writeHead(req.url === '/ready' ? 200 : 500).end());
      await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
      grpcApp = http2.createServer();
      grpcApp.on('stream', (s) => {
        s.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        s.on('wantTrailers', () => s.sendTrailers({ 'grpc-status': '0' }));
        s.end(Buffer.from([0, 0, 0, 0, 2, 0x08, 0x01]));
      });
      await new Promise<void>((r) => grpcApp.listen(0, '127.0.0.1', r));
      const appPort = (app.address() as AddressInfo).port;
      const grpcPort = (grpcApp.address() as AddressInfo).port;
      const configDir = path.join(work, 'config');
      fs.mkdirSync(configDir);
      const control = await startWeft(['control', '--config', configDir, '--xds-address', '127.0.0.1:0', '--debug-address', '127.0.0.1:0', '--no-dashboard'], {}, /serving xDS on port (\d+)/, 'weft control');
      const env = injectedEnv();
      delete env.CA_ADDR;
      // The probes as the injector recorded them, pointed at this test's app ports.
      const probers = JSON.parse(env.ISTIO_KUBE_APP_PROBERS!);
      probers['/app-health/hello/readyz'].httpGet.port = appPort;
      probers['/app-health/hello/livez'] = { httpGet: { path: '/broken', port: appPort } };
      probers['/app-health/hello/startupz'].grpc.port = grpcPort;
      const labels = path.join(work, 'labels');
      fs.writeFileSync(labels, 'app="hello"\nversion="v2"\n');
      sidecar = await startWeft(
        ['sidecar', '--domain', 'shop.svc.cluster.local', '--bootstrap-file', path.join(work, 'proxy', 'envoy-rev.json'), '--labels-file', labels, '--admin-port', '0', '--health-address', '127.0.0.1:0', '--status-address', '127.0.0.1:0', '--probe-host', '127.0.0.1'],
        { ...env, ISTIO_KUBE_APP_PROBERS: JSON.stringify(probers), PROXY_CONFIG: JSON.stringify({ discoveryAddress: `127.0.0.1:${control.match[1]}` }) },
        /health on port (\d+) .*status on port (\d+)/, 'weft sidecar');
      health = Number(sidecar.match[1]);
      statusPort = Number(sidecar.match[2]);
    });
    after(async () => {
      app.close();
      grpcApp.close();
    });

    it('weft wait returns once /healthz/ready is 200 (the proxy applied its first config from the control plane)', async () => {
      const w = await runWeft(['wait', '--url', `http://127.0.0.1:${health}/healthz/ready`, '--timeout-seconds', '20', '--period-millis', '50'], 30_000);
      assert.equal(w.code, 0, w.stderr + sidecar.output());
      assert.equal((await get(`http://127.0.0.1:${health}/healthz/ready`)).status, 200);
      assert.match(sidecar.output(), /weft sidecar LIVE: hello-probes-7d9f8c6b5-abcde\.shop as hello-sa/);
      const written = JSON.parse(fs.readFileSync(path.join(work, 'proxy', 'envoy-rev.json'), 'utf8'));
      assert.deepEqual(written.node.metadata.LABELS, { app: 'hello', version: 'v2' });
    });

    it('the rewritten app probes run the originals against the app: 200 when the app passes, 503 when not, gRPC health too', async () => {
      assert.equal((await get(`http://127.0.0.1:${statusPort}/app-health/hello/readyz`)).status, 200);
      const live = await get(`http://127.0.0.1:${statusPort}/app-health/hello/livez`);
      assert.equal(live.status, 503);
      assert.match(live.text, /app answered 500/);
      assert.equal((await get(`http://127.0.0.1:${statusPort}/app-health/hello/startupz`)).status, 200);
      assert.equal((await get(`http://127.0.0.1:${statusPort}/app-health/other/readyz`)).status, 404);
      const metrics = await get(`http://127.0.0.1:${statusPort}/stats/prometheus`);
      assert.equal(metrics.status, 200);
      assert.match(metrics.text, /istio_agent_scrapes_total/);
    });
  });

  it('weft wait gives up with exit 1 when the sidecar never gets ready; weft sidecar refuses a pod environment it cannot use', async () => {
    const never = http.createServer((_q, res) => res.writeHead(503).end());
    await new Promise<void>((r) => never.listen(0, '127.0.0.1', r));
    try {
      const w = await runWeft(['wait', '--url', `http://127.0.0.1:${(never.address() as AddressInfo).port}/healthz/ready`, '--timeout-seconds', '0.3', '--period-millis', '50']);
      assert.equal(w.code, 1);
      assert.match(w.stderr, /not ready after 0\.3s \(last: HTTP 503\)/);
    } finally {
      never.close();
    }
    const r = await runWeft(['sidecar', '--bootstrap-file', path.join(work, 'x.json')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /POD_NAME: not set/);
  });
});
