// The admission webhooks over real HTTPS, as the API server calls them:
// AdmissionReview v1 requests built from real Deployment/Pod manifests (the
// pod a ReplicaSet creates: generateName, ownerReferences,
// pod-template-hash), the injector's JSON Patch applied with fast-json-patch,
// Galley's validation refusing a bad VirtualService with the lines `weft
// validate` prints, and malformed reviews answered with well-formed errors.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CertificateAuthority } from '../../src/control/ca/index.js';
import { defaultInjectionConfig, type Pod } from '../../src/kube/inject/index.js';
import { applyJsonPatch, podFrom } from '../../src/kube/inject/test-kit.js';
import { WebhookServer } from '../../src/kube/webhook/index.js';
import { StatsStore } from '../../src/stats/index.js';
import { runWeft } from '../helpers/process-harness.js';

interface Reply { status: number; body: { apiVersion: string; kind: string; response: { uid: string; allowed: boolean; patchType?: string; patch?: string; warnings?: string[]; status?: { code: number; message: string } } } }

const BAD_VS = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'reviews' },
  spec: { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', port: { number: 70000 } }, weight: 50 }], timeout: 5, retries: { attempts: -1 } }] },
};

describe('admission webhooks over HTTPS', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-webhook-'));
  let server: WebhookServer;
  let port = 0;
  let rootPem = '';
  const stats = new StatsStore();
  const namespaces: Record<string, Record<string, string>> = { shop: { 'istio-injection': 'enabled' }, legacy: { 'istio-injection': 'disabled' } };

  before(async () => {
    const ca = CertificateAuthority.open({ kind: 'self-signed', dir });
    rootPem = ca.signingRootPem;
    const cert = ca.issueServingCertificate({ dnsNames: ['istiod.istio-system.svc', 'localhost'] });
    server = new WebhookServer({
      certPem: cert.certChainPem,
      keyPem: cert.keyPem,
      stats,
      injection: {
        config: defaultInjectionConfig(),
        namespaces: (name) => (namespaces[name] ? { metadata: { name, labels: namespaces[name]! } } : undefined),
      },
    });
    port = await server.listen('127.0.0.1:0');
  });
  after(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function post(p: string, body: string | object, headers: Record<string, string> = { 'content-type': 'application/json' }, method = 'POST'): Promise<Reply> {
    const data = typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port, path: p, method, servername: 'istiod.istio-system.svc', ca: rootPem, headers }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode!, body: JSON.parse(text) });
          } catch (err) {
            reject(new Error(`not JSON (${res.statusCode}): ${text}: ${(err as Error).message}`));
          }
        });
      });
      req.on('error', reject);
      req.end(data);
    });
  }

  /** The pod a ReplicaSet of `deployment` creates, as the API server sends it. */
  function replicaSetPod(file: string, deployment: string): Pod {
    const pod = podFrom(file, deployment);
    pod.metadata = {
      ...pod.metadata,
      generateName: `${deployment}-7d9f8c6b5-`,
      labels: { ...pod.metadata?.labels, 'pod-template-hash': '7d9f8c6b5' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${deployment}-7d9f8c6b5`, uid: 'c0ffee', controller: true, blockOwnerDeletion: true }],
    };
    return pod;
  }
  const review = (uid: string, object: unknown, namespace: string, kind = { group: '', version: 'v1', kind: 'Pod' }, operation = 'CREATE', apiVersion = 'admission.k8s.io/v1') => ({
    apiVersion, kind: 'AdmissionReview',
    request: { uid, kind, resource: { group: kind.group, version: kind.version, resource: `${kind.kind.toLowerCase()}s` }, namespace, operation, userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller' }, object, dryRun: false },
  });

  it('injects a Deployment\'s pod: JSON Patch that fast-json-patch applies, the workload name from the ReplicaSet', async () => {
    const pod = replicaSetPod('multi.yaml', 'reviews-v1');
    const r = await post('/inject', review('uid-1', pod, 'shop'));
    assert.equal(r.status, 200);
    assert.equal(r.body.apiVersion, 'admission.k8s.io/v1');
    assert.equal(r.body.kind, 'AdmissionReview');
    assert.equal(r.body.response.uid, 'uid-1');
    assert.equal(r.body.response.allowed, true);
    assert.equal(r.body.response.patchType, 'JSONPatch');
    const patch = JSON.parse(Buffer.from(r.body.response.patch!, 'base64').toString('utf8'));
    const out = applyJsonPatch(pod, patch);
    assert.deepEqual(out.spec.initContainers!.map((c) => c.name), ['istio-init', 'migrate']);
    assert.deepEqual(out.spec.containers.map((c) => c.name), ['istio-proxy', 'reviews', 'cache']);
    const proxy = out.spec.containers[0]!;
    const env = Object.fromEntries((proxy.env as { name: string; value?: string }[]).map((e) => [e.name, e.value]));
    assert.equal(env.ISTIO_META_WORKLOAD_NAME, 'reviews-v1');
    assert.deepEqual(out.metadata!.ownerReferences, pod.metadata!.ownerReferences);
    assert.equal(JSON.parse(out.metadata!.annotations!['sidecar.istio.io/status']!).revision, 'default');
    assert.equal(stats.counter('webhook.inject.injected').value, 1);
  });

  it('a bare Pod with probes and a second container; admission.k8s.io/v1beta1 is answered in kind', async () => {
    const pod = podFrom('hello-probes.yaml', 'hello-probes');
    pod.metadata = { ...pod.metadata, name: 'hello-probes-0' };
    const r = await post('/inject', review('uid-2', pod, 'shop', undefined, undefined, 'admission.k8s.io/v1beta1'));
    assert.equal(r.body.apiVersion, 'admission.k8s.io/v1beta1');
    const out = applyJsonPatch(pod, JSON.parse(Buffer.from(r.body.response.patch!, 'base64').toString('utf8')));
    assert.equal(out.spec.containers[0]!.readinessProbe!.httpGet!.path, '/app-health/hello/readyz');
    assert.deepEqual(out.spec.containers.map((c) => c.name), ['hello', 'sidekick', 'istio-proxy']);
  });

  it('no patch where the namespace or the pod says no; a pod it cannot handle is admitted unmodified with the reasons as warnings', async () => {
    const legacy = await post('/inject', review('uid-3', replicaSetPod('hello.yaml', 'hello'), 'legacy'));
    assert.equal(legacy.body.response.allowed, true);
    assert.equal(legacy.body.response.patch, undefined);
    const bad = replicaSetPod('hello.yaml', 'hello');
    bad.metadata!.annotations = { 'sidecar.istio.io/proxyMemory': 'a lot', 'traffic.sidecar.istio.io/excludeOutboundPorts': '0' };
    const r = await post('/inject', review('uid-4', bad, 'shop'));
    assert.equal(r.body.response.uid, 'uid-4');
    assert.equal(r.body.response.allowed, true);
    assert.equal(r.body.response.patch, undefined);
    assert.equal(r.body.response.warnings?.length, 2);
    assert.match(r.body.response.warnings![0]!, /WITHOUT a sidecar: metadata\.annotations\['sidecar\.istio\.io\/proxyMemory'\]: "a lot" is not a Kubernetes quantity/);
    assert.match(r.body.response.warnings![1]!, /excludeOutboundPorts'\]: "0" is not a port number/);
    assert.equal(stats.counter('webhook.inject.refused').value, 1);
    // not a pod creation: allowed, untouched
    const upd = await post('/inject', review('uid-5', bad, 'shop', undefined, 'UPDATE'));
    assert.deepEqual(upd.body.response, { uid: 'uid-5', allowed: true });
  });

  it('the validating webhook refuses a bad VirtualService with the messages weft validate prints, and admits a good one', async () => {
    const r = await post('/validate', review('uid-v1', BAD_VS, 'default', { group: 'networking.istio.io', version: 'v1', kind: 'VirtualService' }));
    assert.equal(r.status, 200);
    assert.equal(r.body.response.uid, 'uid-v1');
    assert.equal(r.body.response.allowed, false);
    assert.equal(r.body.response.status!.code, 400);
    const file = path.join(dir, 'bad-vs.json');
    fs.writeFileSync(file, JSON.stringify(BAD_VS));
    const cli = await runWeft(['validate', '-f', file]);
    assert.equal(cli.code, 1, cli.stderr);
    // weft validate's lines, without the " at FILE:LINE" the webhook has no file for
    const expected = cli.stdout.trim().split('\n').filter((l) => l.startsWith('Error')).map((l) => l.replace(/ at \S+$/, ''));
    assert.ok(expected.length >= 3, cli.stdout);
    assert.deepEqual(r.body.response.status!.message.split('\n'), ['configuration is invalid:', ...expected]);

    const good = { ...BAD_VS, spec: { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v1' } }], timeout: '5s' }] } };
    const ok = await post('/validate', review('uid-v2', good, 'default', { group: 'networking.istio.io', version: 'v1', kind: 'VirtualService' }));
    assert.deepEqual(ok.body.response, { uid: 'uid-v2', allowed: true });
    const del = await post('/validate', review('uid-v3', undefined, 'default', { group: 'networking.istio.io', version: 'v1', kind: 'VirtualService' }, 'DELETE'));
    assert.equal(del.body.response.allowed, true);
  });

  it('malformed reviews get well-formed AdmissionReview errors, never a dropped connection', async () => {
    const before = stats.counter('webhook.malformed_review').value;
    const notJson = await post('/inject', '{"apiVersion": "admission.k8s.io/v1", "kind": ');
    assert.equal(notJson.status, 200);
    assert.equal(notJson.body.kind, 'AdmissionReview');
    assert.equal(notJson.body.response.allowed, false);
    assert.match(notJson.body.response.status!.message, /not JSON/);
    const noUid = await post('/inject', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { kind: { group: '', version: 'v1', kind: 'Pod' }, operation: 'CREATE', object: 7 } });
    assert.match(noUid.body.response.status!.message, /request\.uid: missing; request\.object: must be an object/);
    const wrongVersion = await post('/validate', { apiVersion: 'admission.k8s.io/v2', kind: 'AdmissionReview', request: { uid: 'u', kind: { kind: 'Pod' }, operation: 'CREATE' } });
    assert.equal(wrongVersion.body.response.uid, 'u');
    assert.match(wrongVersion.body.response.status!.message, /apiVersion: "admission.k8s.io\/v2" is not one of/);
    const list = await post('/inject', '[1,2]');
    assert.match(list.body.response.status!.message, /must be a JSON object/);
    const empty = await post('/inject', '');
    assert.equal(empty.status, 400);
    assert.equal(empty.body.response.allowed, false);
    const yaml = await post('/inject', 'apiVersion: v1', { 'content-type': 'application/yaml' });
    assert.equal(yaml.status, 415);
    const get = await post('/inject', '', {}, 'GET');
    assert.equal(get.status, 405);
    const nowhere = await post('/mutate', '{}');
    assert.equal(nowhere.status, 404);
    assert.equal(stats.counter('webhook.malformed_review').value - before, 8);
    // the server still serves after all of that
    const r = await post('/inject', review('uid-after', replicaSetPod('hello.yaml', 'hello'), 'shop'));
    assert.equal(r.body.response.patchType, 'JSONPatch');
  });
});

describe('the injector on odd pods', () => {
  it('never throws: every odd pod is admitted, injected or with a reason', async () => {
    const { mutate } = await import('../../src/kube/webhook/index.js');
    const { webhookStats } = await import('../../src/kube/webhook/index.js');
    const stats = webhookStats(new StatsStore());
    const odd: unknown[] = [
      { spec: { containers: [{ name: 'a' }], initContainers: 'nope' } },
      { spec: { containers: [{}] } },
      { spec: { containers: [{ name: 'a', readinessProbe: { httpGet: { port: 'missing' } } }] } },
      { spec: {} },
      { metadata: { annotations: { 'proxy.istio.io/config': '[1, 2' } }, spec: { containers: [{ name: 'a' }] } },
      { metadata: { labels: { 'sidecar.istio.io/inject': 'maybe' } }, spec: { containers: [{ name: 'a' }] } },
      { spec: { containers: [{ name: 'a', ports: 'x' }], volumes: [null, 3] } },
    ];
    const outcomes: string[] = [];
    for (const [i, object] of odd.entries()) {
      const r = mutate({ uid: `odd-${i}`, kind: { group: '', version: 'v1', kind: 'Pod' }, operation: 'CREATE', namespace: 'x', object }, { config: defaultInjectionConfig() }, stats);
      assert.equal(r.uid, `odd-${i}`);
      assert.equal(r.allowed, true);
      if (r.patch === undefined) assert.ok(r.warnings?.length, `odd pod ${i}: no patch and no reason`);
      outcomes.push(r.patch === undefined ? (r.warnings![0]!.match(/: (spec[^:]*|metadata[^:]*):/)?.[1] ?? r.warnings![0]!) : 'injected');
    }
    assert.deepEqual(outcomes, ['spec.initContainers', 'spec.containers[0].name', 'injected', 'spec.containers', "metadata.annotations['proxy.istio.io/config']", 'injected', 'spec.containers[0].ports']);
  });
});
