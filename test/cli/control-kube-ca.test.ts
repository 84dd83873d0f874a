// `weft control --kubeconfig --ca-dir` as a real process: the CA checks
// sidecars' projected service-account tokens with TokenReview against the
// API server double (HTTPS, bearer token). The client is the sidecar's own
// (src/agent/ca-client.ts), reading the token from a file as it reads
// /var/run/secrets/tokens/istio-token in a pod.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CaCallError, CaClient } from '../../src/agent/ca-client.js';
import { buildCsr } from '../../src/control/ca/csr-builder.js';
import { KubeApiDouble, OPENSSL_FOR_DOUBLE } from '../helpers/kube-api-double.js';
import { runWeft, WEFT_BIN } from '../helpers/process-harness.js';
import { until } from '../kube/kube-test-kit.js';

describe('weft control --kubeconfig --ca-dir', { skip: OPENSSL_FOR_DOUBLE }, () => {
  it('issues certificates for projected service-account tokens the API server vouches for', async () => {
    const double = await KubeApiDouble.start({ tls: true, token: 'weft-test-token' });
    double.registerIstioCrds();
    double.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system' } });
    double.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
    double.put({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'cart', namespace: 'shop' } });
    const kubeconfig = double.writeKubeconfig();
    const dir = path.dirname(kubeconfig);
    const child = spawn(process.execPath, [WEFT_BIN, 'control', '--kubeconfig', kubeconfig, '--identity', 'cp-test', '--xds-address', '127.0.0.1:0',
      '--debug-address', '127.0.0.1:0', '--secrets-dir', dir, '--ca-dir', path.join(dir, 'ca'), '--ca-address', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await until(() => /CA on port (\d+)/.test(out) || child.exitCode !== null, 'the CA serving', 15_000);
      const port = Number(/CA on port (\d+)/.exec(out)?.[1]);
      assert.ok(port > 0, out);
      const roots = fs.readFileSync(path.join(dir, 'ca', 'ca-cert.pem'), 'utf8');
      const tokenFile = path.join(dir, 'istio-token');
      const client = new CaClient({ address: `127.0.0.1:${port}`, serverName: 'istiod.istio-system.svc', tokenFile, callTimeoutMs: 10_000 });
      const csr = (): string => buildCsr(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, { uris: ['spiffe://cluster.local/ns/shop/sa/cart'] });
      fs.writeFileSync(tokenFile, double.issueServiceAccountToken('shop', 'cart', { audiences: ['istio-ca'] }));
      const chain = await client.createCertificate(csr(), 3600, roots);
      assert.equal(new X509Certificate(chain[0]).subjectAltName, 'URI:spiffe://cluster.local/ns/shop/sa/cart');
      // the kubelet's default audience is not the CA's
      fs.writeFileSync(tokenFile, double.issueServiceAccountToken('shop', 'cart'));
      await assert.rejects(client.createCertificate(csr(), 3600, roots),
        (e: unknown) => e instanceof CaCallError && e.code === 'CA_REFUSED' && /audience/.test(e.message));
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      await double.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses --ca-token-audiences without Kubernetes mode or with an empty audience', async () => {
    const folder = await runWeft(['control', '--config', '.', '--ca-dir', '/tmp/x', '--ca-token-audiences', 'istio-ca']);
    assert.equal(folder.code, 2);
    assert.match(folder.stderr, /--ca-token-audiences needs Kubernetes mode/);
    const empty = await runWeft(['control', '--kubeconfig', '/nonexistent', '--ca-dir', '/tmp/x', '--ca-token-audiences', 'istio-ca,']);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /--ca-token-audiences: "istio-ca," is not a comma-separated list/);
  });
});
