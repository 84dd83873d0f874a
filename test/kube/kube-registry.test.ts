// The Kubernetes service registry from real-shaped Service, EndpointSlice,
// Pod and Node manifests (as a cluster's controllers write them), read
// through informers from the API server double.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KubeMode } from '../../src/kube/kube-mode.js';
import { buildKubeRegistry, kubePortProtocol } from '../../src/kube/kube-registry.js';
import type { KubeApiDouble, KubeObject } from '../helpers/kube-api-double.js';
import { ns, pod, startDouble, until } from './kube-test-kit.js';

const reviewsService: KubeObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'reviews', namespace: 'bookinfo', labels: { app: 'reviews', service: 'reviews' } },
  spec: { ports: [{ port: 9080, name: 'http' }, { port: 9443, name: 'metrics', appProtocol: 'kubernetes.io/h2c', targetPort: 15090 }], selector: { app: 'reviews' } },
};

function slice(name: string, service: string, namespace: string, ports: { name: string; port: number }[], endpoints: unknown[]): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace, labels: { 'kubernetes.io/service-name': service, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' }, ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: service, controller: true, blockOwnerDeletion: true, uid: 'x' }] },
    addressType: 'IPv4',
    ports: ports.map((p) => ({ ...p, protocol: 'TCP' })),
    endpoints,
  };
}

const ep = (ip: string, podName: string, namespace: string, conditions: Record<string, boolean>, node = 'node-a', zone = 'us-east1-b') => ({
  addresses: [ip],
  conditions,
  nodeName: node,
  zone,
  targetRef: { kind: 'Pod', namespace, name: podName, uid: `uid-${podName}` },
});

describe('Kubernetes service registry', () => {
  let double: KubeApiDouble;
  let mode: KubeMode;

  before(async () => {
    const d = await startDouble();
    double = d.double;
    double.put(ns('bookinfo', { 'istio-injection': 'enabled' }));
    double.put(ns('legacy'));
    double.put({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a', labels: { 'topology.kubernetes.io/region': 'us-east1', 'topology.kubernetes.io/zone': 'us-east1-b', 'kubernetes.io/hostname': 'node-a' } } });
    double.put(pod('reviews-v1-7d8f', 'bookinfo', { app: 'reviews', version: 'v1' }, { ip: '10.244.1.5', sa: 'bookinfo-reviews', sidecar: true }));
    double.put(pod('reviews-v2-5c9a', 'bookinfo', { app: 'reviews', version: 'v2' }, { ip: '10.244.1.6', sa: 'bookinfo-reviews', sidecar: true, node: 'node-b' }));
    double.put(pod('reviews-v3-old', 'bookinfo', { app: 'reviews', version: 'v3' }, { ip: '10.244.1.7', sa: 'bookinfo-reviews', sidecar: true }));
    double.put(reviewsService);
    double.put(slice('reviews-abc12', 'reviews', 'bookinfo', [{ name: 'http', port: 9080 }, { name: 'metrics', port: 15090 }], [
      ep('10.244.1.5', 'reviews-v1-7d8f', 'bookinfo', { ready: true, serving: true, terminating: false }),
      ep('10.244.1.6', 'reviews-v2-5c9a', 'bookinfo', { ready: true, serving: true, terminating: false }, 'node-b', 'us-east1-c'),
      ep('10.244.1.7', 'reviews-v3-old', 'bookinfo', { ready: false, serving: true, terminating: true }),
    ]));
    double.put({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'legacy' }, spec: { clusterIP: 'None', ports: [{ port: 3306, name: 'tcp-mysql' }] } });
    double.put(pod('db-0', 'legacy', { app: 'db' }, { ip: '10.244.2.9' }));
    double.put(slice('db-xyz', 'db', 'legacy', [{ name: 'tcp-mysql', port: 3306 }], [ep('10.244.2.9', 'db-0', 'legacy', { ready: true })]));
    double.put({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'payments', namespace: 'legacy', annotations: { 'networking.istio.io/exportTo': '.' } }, spec: { type: 'ExternalName', externalName: 'api.payments.example.com', ports: [{ port: 443, name: 'https' }] } });
    mode = new KubeMode({ client: d.client, identity: 'cp-1', informer: { initialBackoffMs: 10, maxBackoffMs: 50 } });
    mode.start();
    await mode.whenSynced();
    mode.registry.rebuild();
  });
  after(async () => {
    await mode.stop();
    await double.stop();
  });

  it('names services as Istio does, with cluster IPs, protocols from port names and appProtocol', () => {
    const svc = mode.registry.services().find((s) => s.hostname === 'reviews.bookinfo.svc.cluster.local');
    assert.ok(svc);
    assert.equal(svc.namespace, 'bookinfo');
    assert.equal(svc.resolution, 'STATIC');
    assert.equal(svc.location, 'MESH_INTERNAL');
    assert.match(svc.addresses[0] ?? '', /^10\.96\./);
    assert.deepEqual(svc.ports.map((p) => [p.name, p.port, p.protocol, p.targetPort]), [['http', 9080, 'HTTP', undefined], ['metrics', 9443, 'HTTP2', 15090]]);
    assert.deepEqual(svc.exportTo, ['*']);
  });

  it('takes ready endpoints with pod labels, service account, locality and sidecar (auto mTLS)', () => {
    const eps = mode.registry.endpoints('reviews.bookinfo.svc.cluster.local', 9080);
    assert.deepEqual(eps.map((e) => e.address), ['10.244.1.5', '10.244.1.6'], 'the terminating, not-ready endpoint is left out');
    const v1 = eps[0]!;
    assert.equal(v1.port, 9080);
    assert.equal(v1.labels.version, 'v1');
    assert.equal(v1.serviceAccount, 'bookinfo-reviews');
    assert.equal(v1.workload, 'reviews-v1-7d8f');
    assert.equal(v1.locality, 'us-east1/us-east1-b');
    assert.equal(v1.tlsMode, 'istio');
    assert.equal(eps[1]!.locality, '/us-east1-c', 'an unknown node: the slice zone, no region');
    const metrics = mode.registry.endpoints('reviews.bookinfo.svc.cluster.local', 9443);
    assert.deepEqual(metrics.map((e) => e.port), [15090, 15090], 'the slice port of the same name is the workload port');
  });

  it('treats headless and ExternalName services as Istio does', () => {
    const db = mode.registry.services().find((s) => s.hostname === 'db.legacy.svc.cluster.local')!;
    assert.equal(db.resolution, 'NONE');
    assert.deepEqual(db.addresses, []);
    assert.equal(db.ports[0]!.protocol, 'TCP');
    const dbEps = mode.registry.endpoints('db.legacy.svc.cluster.local', 3306);
    assert.equal(dbEps[0]!.tlsMode, 'disabled', 'no sidecar: plaintext');
    const pay = mode.registry.services().find((s) => s.hostname === 'payments.legacy.svc.cluster.local')!;
    assert.equal(pay.resolution, 'DNS');
    assert.equal(pay.location, 'MESH_EXTERNAL');
    assert.deepEqual(pay.exportTo, ['.']);
    assert.deepEqual(mode.registry.endpoints('payments.legacy.svc.cluster.local', 443).map((e) => [e.address, e.port]), [['api.payments.example.com', 443]]);
  });

  it('reports an endpoint-only change as such, and a new service as a services change', async () => {
    const changes: string[] = [];
    const off = mode.registry.onChange((w) => changes.push(w));
    double.put(slice('reviews-abc12', 'reviews', 'bookinfo', [{ name: 'http', port: 9080 }, { name: 'metrics', port: 15090 }], [ep('10.244.1.5', 'reviews-v1-7d8f', 'bookinfo', { ready: true })]));
    await until(() => changes.length === 1, 'an endpoints change');
    assert.deepEqual(changes, ['endpoints']);
    assert.equal(mode.registry.endpoints('reviews.bookinfo.svc.cluster.local', 9080).length, 1);
    double.put({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'ratings', namespace: 'bookinfo' }, spec: { ports: [{ port: 9080, name: 'http' }] } });
    await until(() => changes.length === 2, 'a services change');
    assert.equal(changes[1], 'services');
    off();
  });

  it('knows which namespaces inject the sidecar', () => {
    assert.equal(mode.namespaceInjected('bookinfo'), true);
    assert.equal(mode.namespaceInjected('legacy'), false);
  });

  it('converts port protocols as Istio\'s ConvertProtocol', () => {
    assert.equal(kubePortProtocol({ name: 'dns', protocol: 'UDP' }), 'UDP');
    assert.equal(kubePortProtocol({ name: 'tcp', appProtocol: 'grpc' }), 'GRPC');
    assert.equal(kubePortProtocol({ name: 'grpc-web-x' }), 'GRPC-WEB');
    assert.equal(kubePortProtocol({ name: 'web' }), 'TCP');
    assert.equal(kubePortProtocol({ name: 'http-x', appProtocol: 'kubernetes.io/wss' }), 'HTTPS');
    const r = buildKubeRegistry({ services: [{ metadata: { name: 'x', namespace: 'n' }, spec: { type: 'ExternalName', ports: [{ port: 80 }] } }], endpointSlices: [], pods: [], nodes: [] });
    assert.match(r.notes[0]!.message, /no externalName/);
  });
});
