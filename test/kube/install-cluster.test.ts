// weft install and weft uninstall against the Kubernetes API server test
// double, through the real @kubernetes/client-node: every object of the demo
// profile created (the CRDs then serve their kinds), a second install
// configures them (server-set fields such as a Service's clusterIP kept),
// uninstall removes everything but the CRDs, --purge removes those too.
// See docs/kubernetes.md for what the double does not model (no webhooks
// are called, no schema pruning, no garbage collection).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { KubeApiDouble } from '../helpers/kube-api-double.js';
import { runWeft } from '../helpers/process-harness.js';

describe('weft install / uninstall against the API server double', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-install-cluster-'));
  let double: KubeApiDouble;
  let kubeconfig = '';
  const caDir = path.join(work, 'ca');
  let manifest: Record<string, any>[] = [];

  before(async () => {
    double = await KubeApiDouble.start({ tls: true });
    kubeconfig = double.writeKubeconfig(work);
    const dry = await runWeft(['install', '--dry-run', '--profile', 'demo', '--ca-dir', caDir], 30_000);
    assert.equal(dry.code, 0, dry.stderr);
    manifest = parseAllDocuments(dry.stdout).map((d) => d.toJS());
  });
  after(async () => {
    await double.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  const stored = (o: Record<string, any>) => double.object(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name);

  it('install creates every object of the manifest; the CRDs then serve their kinds', async () => {
    const r = await runWeft(['install', '--profile', 'demo', '--ca-dir', caDir, '--kubeconfig', kubeconfig], 30_000);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, manifest.length);
    assert.ok(lines.every((l) => l.endsWith(' created')), r.stdout);
    for (const o of manifest) {
      const s = stored(o);
      assert.ok(s, `${o.kind}/${o.metadata.name} not stored`);
      // the CA is the same on every install; the webhook certificate is issued afresh each time
      if (o.kind === 'Secret' && o.metadata.name === 'cacerts') assert.deepEqual(s.data, o.data);
    }
    // the VirtualService CRD is established: the kind is served
    const vs = double.put({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'reviews', namespace: 'istio-system' }, spec: { hosts: ['reviews'] } } as never);
    assert.ok(vs.metadata?.resourceVersion);
  });

  it('a second install configures what exists and keeps the fields the server set', async () => {
    const svc = manifest.find((o) => o.kind === 'Service' && o.metadata.name === 'istiod')!;
    const before = stored(svc)!;
    assert.ok((before.spec as { clusterIP?: string }).clusterIP);
    const r = await runWeft(['install', '--profile', 'demo', '--ca-dir', caDir, '--kubeconfig', kubeconfig], 30_000);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.trim().split('\n').every((l) => l.endsWith(' configured')), r.stdout);
    assert.equal((stored(svc)!.spec as { clusterIP: string }).clusterIP, (before.spec as { clusterIP: string }).clusterIP);
  });

  it('uninstall removes everything but the CRDs; --purge removes those too; a second uninstall has nothing to do', async () => {
    const r = await runWeft(['uninstall', '--kubeconfig', kubeconfig], 30_000);
    assert.equal(r.code, 0, r.stderr);
    for (const o of manifest) {
      if (o.kind === 'CustomResourceDefinition') assert.ok(stored(o), `${o.metadata.name} kept`);
      else assert.equal(stored(o), undefined, `${o.kind}/${o.metadata.name} still there`);
    }
    const purge = await runWeft(['uninstall', '--purge', '--kubeconfig', kubeconfig], 30_000);
    assert.equal(purge.code, 0, purge.stderr);
    assert.equal(manifest.filter((o) => stored(o)).length, 0);
    assert.equal(purge.stdout.trim().split('\n').length, manifest.filter((o) => o.kind === 'CustomResourceDefinition').length);
    const again = await runWeft(['uninstall', '--purge', '--kubeconfig', kubeconfig], 30_000);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, '');
  });

  it('an unreachable cluster: install says which object was refused and exits 1', async () => {
    const dead = path.join(work, 'dead-kubeconfig');
    fs.writeFileSync(dead, fs.readFileSync(kubeconfig, 'utf8').replace(/server: https:\/\/127\.0\.0\.1:\d+/, 'server: https://127.0.0.1:1'));
    const r = await runWeft(['install', '--profile', 'minimal', '--ca-dir', caDir, '--kubeconfig', dead], 30_000);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Namespace\/istio-system: refused: /);
  });
});
