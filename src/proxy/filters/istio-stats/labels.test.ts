import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EMPTY_WORKLOAD, localWorkloadMetadata, workloadMetadataFromStruct } from '../common/workload-metadata.js';
import { PEER_LABELS } from './defaults.js';
import { reporterFor } from './istio-stats-filter.js';
import { peerLabels, serviceFromClusterMetadata } from './labels.js';
import { namespaceOfPrincipal, principalsOf } from './principals.js';

const local = workloadMetadataFromStruct({ NAMESPACE: 'default', WORKLOAD_NAME: 'reviews-v2', CLUSTER_ID: 'Kubernetes', LABELS: { app: 'reviews', version: 'v2' } }, 'id', true);
const peer = workloadMetadataFromStruct({ NAMESPACE: 'shop', WORKLOAD_NAME: 'productpage-v1', CLUSTER_ID: 'c2', LABELS: { app: 'productpage', version: 'v1', 'service.istio.io/canonical-name': 'pp', 'service.istio.io/canonical-revision': 'r1' } }, 'pid', false);
const NO_SVC = { host: '', name: '' };

test('canonical service and revision are derived as Istio\'s injector derives them when the labels are absent', () => {
  assert.equal(local.canonicalService, 'reviews');
  assert.equal(local.canonicalRevision, 'v2');
  const bare = workloadMetadataFromStruct({ WORKLOAD_NAME: 'w' }, '', true);
  assert.deepEqual([bare.canonicalService, bare.canonicalRevision], ['w', 'latest']);
  const k8s = workloadMetadataFromStruct({ WORKLOAD_NAME: 'w', LABELS: { 'app.kubernetes.io/name': 'n', 'app.kubernetes.io/version': '3', app: 'a' } }, '', true);
  assert.deepEqual([k8s.canonicalService, k8s.canonicalRevision], ['n', '3']);
  // a peer's metadata is taken as sent: nothing derived
  const p = workloadMetadataFromStruct({ WORKLOAD_NAME: 'w' }, '', false);
  assert.deepEqual([p.canonicalService, p.canonicalRevision], ['', '']);
  assert.equal(localWorkloadMetadata(undefined), EMPTY_WORKLOAD);
});

test('server side (reporter=destination) without a peer: Istio\'s unknown and latest for the source', () => {
  const l = peerLabels({ reporter: 'destination', local, peer: undefined, principals: principalsOf('destination', undefined), service: NO_SVC });
  assert.deepEqual(Object.keys(l), [...PEER_LABELS]);
  assert.deepEqual(l, {
    reporter: 'destination', source_workload: 'unknown', source_canonical_service: 'unknown', source_canonical_revision: 'latest',
    source_workload_namespace: 'unknown', source_principal: 'unknown', source_app: 'unknown', source_version: 'unknown', source_cluster: 'unknown',
    destination_workload: 'reviews-v2', destination_workload_namespace: 'default', destination_principal: 'unknown', destination_app: 'reviews',
    destination_version: 'v2', destination_service: 'reviews', destination_canonical_service: 'reviews', destination_canonical_revision: 'v2',
    destination_service_name: 'reviews', destination_service_namespace: 'default', destination_cluster: 'Kubernetes',
  });
});

test('client side (reporter=source) with a peer: the peer is the destination, the service from the cluster', () => {
  const l = peerLabels({ reporter: 'source', local, peer, principals: principalsOf('source', undefined), service: { host: 'pp.shop.svc.cluster.local', name: 'pp' } });
  assert.equal(l.reporter, 'source');
  assert.equal(l.source_workload, 'reviews-v2');
  assert.equal(l.destination_workload, 'productpage-v1');
  assert.equal(l.destination_canonical_service, 'pp');
  assert.equal(l.destination_canonical_revision, 'r1');
  assert.equal(l.destination_service_namespace, 'shop');
  assert.equal(l.destination_cluster, 'c2');
  assert.equal(l.destination_service, 'pp.shop.svc.cluster.local');
  assert.equal(l.destination_service_name, 'pp');
  // client side without a service or peer: unknown, not the local canonical name
  const bare = peerLabels({ reporter: 'source', local, peer: undefined, principals: principalsOf('source', undefined), service: NO_SVC });
  assert.deepEqual([bare.destination_service, bare.destination_service_name, bare.destination_canonical_revision], ['unknown', 'unknown', 'latest']);
});

test('principals: mutual_tls only when both certificates carry a URI SAN, unknown on the client side; the SAN\'s namespace wins', () => {
  const sans = { peer: 'spiffe://cluster.local/ns/other/sa/pp', local: 'spiffe://cluster.local/ns/default/sa/reviews' };
  assert.equal(principalsOf('destination', sans).securityPolicy, 'mutual_tls');
  assert.equal(principalsOf('destination', { peer: '', local: sans.local }).securityPolicy, 'none');
  assert.equal(principalsOf('destination', undefined).securityPolicy, 'none');
  assert.equal(principalsOf('source', sans).securityPolicy, 'unknown');
  const l = peerLabels({ reporter: 'destination', local, peer, principals: principalsOf('destination', sans), service: NO_SVC });
  assert.equal(l.source_principal, sans.peer);
  assert.equal(l.destination_principal, sans.local);
  assert.equal(l.source_workload_namespace, 'other');
  assert.equal(namespaceOfPrincipal('spiffe://td/ns/a/sa/b'), 'a');
  assert.equal(namespaceOfPrincipal('spiffe://td/ns/a'), 'a');
  assert.equal(namespaceOfPrincipal('spiffe://td/sa/b'), '');
});

test('destination service from the cluster\'s istio metadata; a name falls back to the host\'s first label', () => {
  const md = (svc: object) => ({ filter_metadata: { istio: { services: [svc] } } });
  assert.deepEqual(serviceFromClusterMetadata(md({ host: 'a.b.svc.cluster.local', name: 'a' }), NO_SVC), { host: 'a.b.svc.cluster.local', name: 'a' });
  assert.deepEqual(serviceFromClusterMetadata(md({ host: 'x.y.svc.cluster.local' }), NO_SVC), { host: 'x.y.svc.cluster.local', name: 'x' });
  assert.equal(serviceFromClusterMetadata(undefined, NO_SVC), NO_SVC);
  assert.equal(serviceFromClusterMetadata({ filter_metadata: { istio: { services: 'junk' } } }, NO_SVC), NO_SVC);
});

test('reporter: the listener direction when known, else Istio\'s inbound_ stat prefix', () => {
  assert.equal(reporterFor({ name: 'x', statPrefix: 'outbound_0.0.0.0_80', trafficDirection: 'INBOUND' }), 'destination');
  assert.equal(reporterFor({ name: 'x', statPrefix: 'inbound_0.0.0.0_80', trafficDirection: 'OUTBOUND' }), 'source');
  assert.equal(reporterFor({ name: 'x', statPrefix: 'inbound_0.0.0.0_80' }), 'destination');
  assert.equal(reporterFor({ name: 'x', statPrefix: 'outbound_0.0.0.0_80' }), 'source');
});
