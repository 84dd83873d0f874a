// The API server double, driven through the real @kubernetes/client-node:
// the semantics list/watch clients depend on (resourceVersion, chunked lists,
// watch events, bookmarks, 410 Expired, conflicts, the status subresource,
// CRDs, Leases) over real HTTP and HTTPS.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { KubeApiDouble, OPENSSL_FOR_DOUBLE } from '../helpers/kube-api-double.js';
import { within } from '../helpers/http-test-kit.js';

function clientFor(d: KubeApiDouble): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromString(d.kubeconfigYaml());
  return kc;
}

interface WatchEvent {
  type: string;
  object: k8s.KubernetesObject & { code?: number; reason?: string };
}

/** A client-node watch collecting events; `next(n)` waits until n events arrived. */
async function watchOf(kc: k8s.KubeConfig, path: string, query: Record<string, string | boolean>) {
  const events: WatchEvent[] = [];
  let waiter: (() => void) | undefined;
  let doneErr: unknown = 'open';
  const req = await new k8s.Watch(kc).watch(
    path,
    query,
    (type, object) => {
      events.push({ type, object });
      waiter?.();
    },
    (err) => {
      doneErr = err;
      waiter?.();
    },
  );
  const until = async (cond: () => boolean, what: string): Promise<void> => {
    await within(
      new Promise<void>((resolve) => {
        const check = (): void => {
          if (cond()) {
            waiter = undefined;
            resolve();
          }
        };
        waiter = check;
        check();
      }),
      5000,
      what,
    );
  };
  return {
    events,
    next: (n: number) => until(() => events.length >= n, `${n} watch events on ${path}`),
    closed: () => until(() => doneErr !== 'open', `watch on ${path} to end`),
    abort: () => req.abort(),
  };
}

describe('kube API double (through @kubernetes/client-node)', () => {
  let d: KubeApiDouble;
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;

  before(async () => {
    d = await KubeApiDouble.start({ historyLimit: 50 });
    kc = clientFor(d);
    core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'default' } } });
    await core.createNamespace({ body: { metadata: { name: 'shop' } } });
  });
  after(() => d.stop());

  it('stamps a global monotonic resourceVersion and answers conflicts and AlreadyExists', async () => {
    const a = await core.createNamespacedService({ namespace: 'shop', body: { metadata: { name: 'cart' }, spec: { ports: [{ name: 'http', port: 80 }] } } });
    const b = await core.createNamespacedConfigMap({ namespace: 'shop', body: { metadata: { name: 'cfg' }, data: { a: '1' } } });
    assert.ok(Number(b.metadata!.resourceVersion) > Number(a.metadata!.resourceVersion));
    assert.match(a.spec!.clusterIP ?? '', /^10\.96\./, 'a ClusterIP is allocated');
    await assert.rejects(core.createNamespacedService({ namespace: 'shop', body: { metadata: { name: 'cart' } } }), (e: k8s.ApiException<string>) => e.code === 409 && /AlreadyExists/.test(String(e.body)));
    const stale = { ...a, spec: { ...a.spec, ports: [{ name: 'http', port: 81 }] } };
    const updated = await core.replaceNamespacedService({ namespace: 'shop', name: 'cart', body: stale });
    assert.equal(updated.spec!.ports![0]!.port, 81);
    await assert.rejects(core.replaceNamespacedService({ namespace: 'shop', name: 'cart', body: stale }), (e: k8s.ApiException<string>) => e.code === 409 && /Conflict/.test(String(e.body)));
    await assert.rejects(core.createNamespacedService({ namespace: 'nowhere', body: { metadata: { name: 'x' } } }), (e: k8s.ApiException<string>) => e.code === 404);
  });

  it('pages a list with limit/continue, every page at the first page\'s resourceVersion', async () => {
    for (let i = 0; i < 5; i++) await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: `p${i}`, labels: { app: i % 2 ? 'odd' : 'even' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } });
    const first = await core.listNamespacedPod({ namespace: 'default', limit: 2 });
    assert.deepEqual(first.items.map((p) => p.metadata!.name), ['p0', 'p1']);
    assert.ok(first.metadata!._continue);
    assert.equal(first.metadata!.remainingItemCount, 3);
    // A write between pages is not seen by the later pages.
    await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'p9' }, spec: { containers: [{ name: 'c', image: 'x' }] } } });
    const second = await core.listNamespacedPod({ namespace: 'default', limit: 2, _continue: first.metadata!._continue! });
    const third = await core.listNamespacedPod({ namespace: 'default', limit: 2, _continue: second.metadata!._continue! });
    assert.deepEqual([...second.items, ...third.items].map((p) => p.metadata!.name), ['p2', 'p3', 'p4']);
    assert.equal(third.metadata!._continue, undefined);
    assert.equal(second.metadata!.resourceVersion, first.metadata!.resourceVersion);
    const odd = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app in (odd)' });
    assert.deepEqual(odd.items.map((p) => p.metadata!.name), ['p1', 'p3']);
    // After compaction the old continue token is too old: 410 Expired.
    const again = await core.listNamespacedPod({ namespace: 'default', limit: 2 });
    await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'p10' }, spec: { containers: [{ name: 'c', image: 'x' }] } } });
    d.compact();
    await assert.rejects(core.listNamespacedPod({ namespace: 'default', limit: 2, _continue: again.metadata!._continue! }), (e: k8s.ApiException<string>) => e.code === 410 && /Expired/.test(String(e.body)));
  });

  it('watches from a resourceVersion: ADDED/MODIFIED/DELETED, bookmarks, selectors, and 410 for an expired one', async () => {
    const list = await core.listNamespacedConfigMap({ namespace: 'shop' });
    const w = await watchOf(kc, '/api/v1/namespaces/shop/configmaps', { resourceVersion: list.metadata!.resourceVersion!, allowWatchBookmarks: true });
    await core.createNamespacedConfigMap({ namespace: 'shop', body: { metadata: { name: 'two' } } });
    await core.patchNamespacedConfigMap({ namespace: 'shop', name: 'two', body: { data: { k: 'v' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    await core.deleteNamespacedConfigMap({ namespace: 'shop', name: 'two' });
    d.bookmark();
    await w.next(4);
    assert.deepEqual(w.events.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK']);
    assert.equal((w.events[1]!.object as k8s.V1ConfigMap).data?.k, 'v');
    assert.equal(w.events[3]!.object.metadata!.resourceVersion, d.resourceVersion);
    w.abort();

    // A label-selected watch sees an object that stops matching as DELETED.
    const sel = await watchOf(kc, '/api/v1/namespaces/shop/configmaps', { labelSelector: 'tier=web' });
    await core.createNamespacedConfigMap({ namespace: 'shop', body: { metadata: { name: 'web', labels: { tier: 'web' } } } });
    await core.patchNamespacedConfigMap({ namespace: 'shop', name: 'web', body: [{ op: 'replace', path: '/metadata/labels/tier', value: 'db' }] });
    await sel.next(2);
    assert.deepEqual(sel.events.map((e) => `${e.type} ${e.object.metadata!.name}`), ['ADDED web', 'DELETED web']);
    sel.abort();

    d.compact();
    const old = await watchOf(kc, '/api/v1/namespaces/shop/configmaps', { resourceVersion: list.metadata!.resourceVersion! });
    await old.next(1);
    assert.equal(old.events[0]!.type, 'ERROR');
    assert.equal(old.events[0]!.object.code, 410);
    assert.equal(old.events[0]!.object.reason, 'Expired');
    await old.closed();
  });

  it('serves CRDs by group/version/plural with a status subresource that only /status writes', async () => {
    d.registerIstioCrds();
    const co = kc.makeApiClient(k8s.CustomObjectsApi);
    const vs = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'reviews', namespace: 'shop' },
      spec: { hosts: ['reviews'] },
      status: { ignored: true },
    };
    const created = (await co.createNamespacedCustomObject({ group: 'networking.istio.io', version: 'v1', namespace: 'shop', plural: 'virtualservices', body: vs })) as k8s.KubernetesObject & { status?: unknown; spec: unknown };
    assert.equal(created.status, undefined, 'status is dropped on create');
    assert.equal(created.metadata!.generation, 1);
    const withStatus = (await co.patchNamespacedCustomObjectStatus(
      { group: 'networking.istio.io', version: 'v1', namespace: 'shop', plural: 'virtualservices', name: 'reviews', body: { status: { validationMessages: [{ type: { code: 'IST0101' } }] } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    )) as { status?: { validationMessages?: unknown[] }; metadata: k8s.V1ObjectMeta };
    assert.equal(withStatus.status?.validationMessages?.length, 1);
    assert.equal(withStatus.metadata.generation, 1, 'a status write does not bump generation');
    const specChange = (await co.patchNamespacedCustomObject(
      { group: 'networking.istio.io', version: 'v1', namespace: 'shop', plural: 'virtualservices', name: 'reviews', body: { spec: { hosts: ['reviews', 'ratings'] }, status: null } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    )) as { status?: { validationMessages?: unknown[] }; metadata: k8s.V1ObjectMeta };
    assert.equal(specChange.metadata.generation, 2);
    assert.equal(specChange.status?.validationMessages?.length, 1, 'the main resource cannot change status');
    await assert.rejects(
      co.patchNamespacedCustomObject(
        { group: 'networking.istio.io', version: 'v1', namespace: 'shop', plural: 'virtualservices', name: 'reviews', body: { spec: {} } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
      ),
      (e: k8s.ApiException<string>) => e.code === 415,
    );
    // Generic clients find the kind through discovery.
    const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
    const listed = await objects.list('networking.istio.io/v1', 'VirtualService', 'shop');
    assert.deepEqual(listed.items.map((o) => o.metadata!.name), ['reviews']);
    assert.equal(listed.items[0]!.kind, 'VirtualService', 'custom resources in a list keep kind');
  });

  it('registers a kind when a CustomResourceDefinition is created', async () => {
    const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
    await ext.createCustomResourceDefinition({
      body: {
        metadata: { name: 'widgets.example.com' },
        spec: { group: 'example.com', scope: 'Cluster', names: { plural: 'widgets', kind: 'Widget' }, versions: [{ name: 'v1', served: true, storage: true }] },
      },
    });
    const co = kc.makeApiClient(k8s.CustomObjectsApi);
    await co.createClusterCustomObject({ group: 'example.com', version: 'v1', plural: 'widgets', body: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } } });
    const got = (await co.getClusterCustomObject({ group: 'example.com', version: 'v1', plural: 'widgets', name: 'w' })) as k8s.KubernetesObject;
    assert.equal(got.metadata!.name, 'w');
  });

  it('keeps Leases with optimistic concurrency (coordination.k8s.io/v1)', async () => {
    const co = kc.makeApiClient(k8s.CoordinationV1Api);
    const lease = await co.createNamespacedLease({ namespace: 'shop', body: { metadata: { name: 'weft-leader' }, spec: { holderIdentity: 'a', leaseDurationSeconds: 15 } } });
    const taken = await co.replaceNamespacedLease({ namespace: 'shop', name: 'weft-leader', body: { ...lease, spec: { ...lease.spec, holderIdentity: 'b' } } });
    assert.equal(taken.spec!.holderIdentity, 'b');
    await assert.rejects(co.replaceNamespacedLease({ namespace: 'shop', name: 'weft-leader', body: { ...lease, spec: { ...lease.spec, holderIdentity: 'c' } } }), (e: k8s.ApiException<string>) => e.code === 409);
  });

  it('keeps a finalized object until its finalizers are removed', async () => {
    await core.createNamespacedSecret({ namespace: 'shop', body: { metadata: { name: 'held', finalizers: ['example.com/hold'] } } });
    await core.deleteNamespacedSecret({ namespace: 'shop', name: 'held' });
    const held = await core.readNamespacedSecret({ namespace: 'shop', name: 'held' });
    assert.ok(held.metadata?.deletionTimestamp);
    await core.patchNamespacedSecret({ namespace: 'shop', name: 'held', body: [{ op: 'remove', path: '/metadata/finalizers' }] });
    await assert.rejects(core.readNamespacedSecret({ namespace: 'shop', name: 'held' }), (e: k8s.ApiException<string>) => e.code === 404);
  });
});

describe('kube API double over HTTPS with a bearer token', { skip: OPENSSL_FOR_DOUBLE }, () => {
  it('refuses a request without the token and serves the kubeconfig\'s client', async () => {
    const d = await KubeApiDouble.start({ tls: true, token: 'secret-token' });
    try {
      const core = clientFor(d).makeApiClient(k8s.CoreV1Api);
      await core.createNamespace({ body: { metadata: { name: 'default' } } });
      const list = await core.listNamespace();
      assert.deepEqual(list.items.map((n) => n.metadata!.name), ['default']);
      const res = await fetch(`${d.url.replace('https', 'http')}/api/v1/namespaces`).catch((e: unknown) => e);
      assert.ok(res instanceof Error, 'plain HTTP to the HTTPS port fails');
      const bad = new k8s.KubeConfig();
      bad.loadFromString(d.kubeconfigYaml().replace('secret-token', 'wrong'));
      await assert.rejects(bad.makeApiClient(k8s.CoreV1Api).listNamespace(), (e: k8s.ApiException<string>) => e.code === 401);
    } finally {
      await d.stop();
    }
  });
});
