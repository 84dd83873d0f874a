// istio-ca-root-cert in every namespace, against the API server double
// through @kubernetes/client-node: created where missing, in new namespaces,
// re-created when deleted, restored when edited, rewritten on a new root;
// the cluster's own namespaces are left alone.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeClient } from '../../src/kube/kube-client.js';
import { RootCertPublisher, ROOT_CERT_CONFIGMAP } from '../../src/kube/inject/root-cert-publisher.js';
import type { KubeApiDouble } from '../helpers/kube-api-double.js';
import { ns, recordingLog, startDouble, until } from './kube-test-kit.js';

const ROOT_A = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
const ROOT_B = '-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n';

describe('root certificate publisher', () => {
  let double: KubeApiDouble;
  let client: KubeClient;
  let publisher: RootCertPublisher;
  const log = recordingLog();
  const cm = (namespace: string) => double.object('v1', 'ConfigMap', namespace, ROOT_CERT_CONFIGMAP.name) as { data?: Record<string, string>; metadata: { labels?: Record<string, string> } } | undefined;
  const rootIn = (namespace: string) => cm(namespace)?.data?.[ROOT_CERT_CONFIGMAP.key];

  before(async () => {
    ({ double, client } = await startDouble());
    for (const n of ['default', 'shop', 'kube-system', 'istio-system']) double.put(ns(n));
    // a ConfigMap of that name someone made by hand, without Istio's label
    double.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ROOT_CERT_CONFIGMAP.name, namespace: 'shop' }, data: { 'root-cert.pem': 'stale', extra: 'x' } } as never);
    publisher = new RootCertPublisher({ client, rootPem: ROOT_A, log, informer: { initialBackoffMs: 10, maxBackoffMs: 50 } });
    publisher.start();
  });
  after(async () => {
    publisher.stop();
    await double.stop();
  });

  it('publishes the root in every namespace but the cluster\'s own, taking over a hand-made one', async () => {
    await until(() => rootIn('default') === ROOT_A && rootIn('shop') === ROOT_A && rootIn('istio-system') === ROOT_A, 'the ConfigMaps');
    assert.equal(cm('kube-system'), undefined);
    assert.deepEqual(cm('shop')!.data, { [ROOT_CERT_CONFIGMAP.key]: ROOT_A });
    assert.equal(cm('shop')!.metadata.labels?.['istio.io/config'], 'true');
  });

  it('a new namespace gets it; a deleted one comes back; an edited one is restored', async () => {
    double.put(ns('payments'));
    await until(() => rootIn('payments') === ROOT_A, 'the new namespace\'s ConfigMap');
    double.remove('v1', 'ConfigMap', 'default', ROOT_CERT_CONFIGMAP.name);
    await until(() => rootIn('default') === ROOT_A, 'the deleted ConfigMap re-created');
    double.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ROOT_CERT_CONFIGMAP.name, namespace: 'payments', labels: { 'istio.io/config': 'true' } }, data: { 'root-cert.pem': 'tampered' } } as never);
    await until(() => rootIn('payments') === ROOT_A, 'the edited ConfigMap restored');
  });

  it('a new root is written everywhere; when nothing changes, nothing is written', async () => {
    publisher.setRoot(ROOT_B);
    await until(() => ['default', 'shop', 'istio-system', 'payments'].every((n) => rootIn(n) === ROOT_B), 'the new root everywhere');
    await publisher.idle();
    const writes = publisher.writes;
    const checks = publisher.checks;
    publisher.setRoot(ROOT_B);
    double.put(ns('shop', { 'istio-injection': 'enabled' }));
    await until(() => publisher.checks > checks, 'the namespace change looked at');
    await publisher.idle();
    assert.equal(publisher.writes, writes);
  });
});
