// `weft control --kubeconfig` as a real process against the API server double
// (HTTPS, bearer token): it waits for an API server that is down and says so,
// serves once everything is listed, and shows Kubernetes mode in /debug/config.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { KubeApiDouble, OPENSSL_FOR_DOUBLE } from '../helpers/kube-api-double.js';
import { runWeft, WEFT_BIN } from '../helpers/process-harness.js';
import { until } from '../kube/kube-test-kit.js';

describe('weft control --kubeconfig', { skip: OPENSSL_FOR_DOUBLE }, () => {
  it('waits for the API server, then serves Kubernetes services and Istio config', async () => {
    const double = await KubeApiDouble.start({ tls: true, token: 'weft-test-token' });
    double.registerIstioCrds();
    double.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system' } });
    double.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
    double.put({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'cart', namespace: 'shop' }, spec: { ports: [{ port: 80, name: 'http' }] } });
    double.put({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'cart', namespace: 'shop' }, spec: { hosts: ['cart'], http: [{ route: [{ destination: { host: 'cart' } }] }] } });
    const kubeconfig = double.writeKubeconfig();
    await double.goOffline();
    const child = spawn(process.execPath, [WEFT_BIN, 'control', '--kubeconfig', kubeconfig, '--identity', 'cp-test', '--xds-address', '127.0.0.1:0', '--debug-address', '127.0.0.1:0', '--secrets-dir', path.dirname(kubeconfig)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await until(() => out.includes(`waiting for the Kubernetes API server at ${double.url}`), 'the waiting message', 15_000);
      assert.ok(!out.includes('serving xDS'), 'no xDS before the first list');
      await double.goOnline();
      await until(() => /debug on port (\d+)/.test(out), 'serving', 15_000);
      const debugPort = Number(/debug on port (\d+)/.exec(out)![1]);
      assert.match(out, /config from the Kubernetes API at https:\/\/127\.0\.0\.1/);
      const status = (await (await fetch(`http://127.0.0.1:${debugPort}/debug/config`)).json()) as { accepted: string[]; kubernetes: { informers: { kind: string; state: string }[]; server: string } };
      assert.deepEqual(status.accepted, ['VirtualService cart.shop']);
      assert.equal(status.kubernetes.server, double.url);
      assert.ok(status.kubernetes.informers.find((i) => i.kind === 'Service')!.state === 'watching');
      await until(() => (double.object('coordination.k8s.io/v1', 'Lease', 'istio-system', 'weft-control-leader') as { spec?: { holderIdentity?: string } } | undefined)?.spec?.holderIdentity === 'cp-test', 'the Lease taken', 15_000);
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      await double.stop();
      fs.rmSync(path.dirname(kubeconfig), { recursive: true, force: true });
    }
  });

  it('refuses conflicting or misplaced options with exit 2', async () => {
    const both = await runWeft(['control', '--kubeconfig', '/nonexistent', '--in-cluster']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /give one/);
    const id = await runWeft(['control', '--config', '.', '--identity', 'x']);
    assert.equal(id.code, 2);
    assert.match(id.stderr, /--identity needs Kubernetes mode/);
    const two = await runWeft(['control', '--kubeconfig', '/nonexistent', '--credentials-namespace', 'a', '--secrets-dir', '/tmp']);
    assert.equal(two.code, 2);
    assert.match(two.stderr, /two sources of credentialName secrets/);
    const missing = await runWeft(['control', '--kubeconfig', '/nonexistent/kubeconfig']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot use \/nonexistent\/kubeconfig/);
  });
});
