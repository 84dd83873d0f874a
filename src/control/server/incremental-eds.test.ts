import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE_URL as EDS, ROUTE_CONFIGURATION_TYPE_URL as RDS } from '../../xds/type-urls.js';
import { Snapshot, type SnapshotInput } from '../cache/snapshot.js';
import { startHarness, type Harness } from './xds-test-harness.js';
import type { DiscoveryRequest, DiscoveryResponse, TestStream } from './xds-test-client.js';
import { edsCluster, endpoints, listener, route } from './xds-test-fixtures.js';

type Sotw = TestStream<DiscoveryRequest, DiscoveryResponse>;
const node = { id: 'sidecar~10.0.0.5~a.default~default.svc.cluster.local', cluster: 'a' };
const names = (r: DiscoveryResponse) => (r.resources ?? []).map((x) => (x.name ?? x.cluster_name) as string).sort();
const hostsOf = (r: DiscoveryResponse, cluster: string) => {
  const cla = (r.resources ?? []).find((x) => x.cluster_name === cluster) as { endpoints?: { lb_endpoints?: { endpoint?: { address?: { socket_address?: { address?: string } } } }[] }[] } | undefined;
  return (cla?.endpoints ?? []).flatMap((e) => (e.lb_endpoints ?? []).map((l) => l.endpoint?.address?.socket_address?.address));
};
const ack = (s: Sotw, r: DiscoveryResponse, resource_names: string[]) =>
  s.send({ type_url: r.type_url, version_info: r.version_info, response_nonce: r.nonce, resource_names });

const input = (): SnapshotInput => ({
  listeners: [listener('l1', 'r1')],
  routes: [route('r1', 'c1')],
  clusters: [edsCluster('c1'), edsCluster('c2'), edsCluster('c3')],
  endpoints: [endpoints('c1', ['10.0.0.1:80']), endpoints('c2', ['10.0.0.2:80']), endpoints('c3', ['10.0.0.3:80'])],
});

/** The snapshot with one cluster's endpoints replaced; every other load assignment is passed again as the same object. */
function withEndpoints(h: Harness, version: string, cluster: string, hosts: string[]): Snapshot {
  const cur = h.cache.getSnapshot(node.id)!;
  const eps = cur.resources(EDS)!.list.map((r) => (r.name === cluster ? endpoints(cluster, hosts) : r.message));
  return cur.update(version, { endpoints: eps });
}

async function subscribed(h: Harness, want = ['c1', 'c2']): Promise<{ s: Sotw; first: DiscoveryResponse }> {
  const s = h.client.sotw();
  s.send({ node, type_url: EDS, resource_names: want });
  const first = await s.next();
  const done = h.processed();
  ack(s, first, want);
  await done;
  return { s, first };
}

test('SotW EDS: after a full first response, a change carries only the load assignments that changed', async (t) => {
  const h = await startHarness();
  t.after(() => h.close());
  h.cache.setSnapshot(node.id, Snapshot.create('v1', input()));
  const { s, first } = await subscribed(h);
  assert.deepEqual(names(first), ['c1', 'c2'], 'the first response is the whole subscription');
  assert.equal(h.server.counters().incrementalPushes, 0);

  h.cache.setSnapshot(node.id, withEndpoints(h, 'v2', 'c1', ['10.0.0.9:80']));
  const r2 = await s.next();
  assert.equal(r2.version_info, 'v2');
  assert.deepEqual(names(r2), ['c1'], 'only the changed assignment');
  assert.deepEqual(hostsOf(r2, 'c1'), ['10.0.0.9']);
  ack(s, r2, ['c1', 'c2']);

  // A change to a cluster the stream does not subscribe to sends it nothing; the next one it does.
  h.cache.setSnapshot(node.id, withEndpoints(h, 'v3', 'c3', ['10.0.0.8:80']));
  h.cache.setSnapshot(node.id, withEndpoints(h, 'v4', 'c2', ['10.0.0.7:80']));
  const r4 = await s.next();
  assert.equal(r4.version_info, 'v4');
  assert.deepEqual(names(r4), ['c2']);
  assert.equal(h.server.counters().incrementalPushes, 2);
  const ts = h.server.status()[0].types[0];
  assert.equal(ts.sentVersion, 'v4');
  s.end();
});

test('a proxy that subscribes later gets the full state; changes made while a response was in flight are all in the next one', async (t) => {
  const h = await startHarness();
  t.after(() => h.close());
  h.cache.setSnapshot(node.id, Snapshot.create('v1', input()));
  const { s: a } = await subscribed(h);
  h.cache.setSnapshot(node.id, withEndpoints(h, 'v2', 'c1', ['10.0.0.9:80']));
  const a2 = await a.next();
  assert.deepEqual(names(a2), ['c1']);
  // Not ACKed yet: two more changes pile up behind it.
  h.cache.setSnapshot(node.id, withEndpoints(h, 'v3', 'c2', ['10.0.0.7:80']));
  h.cache.setSnapshot(node.id, withEndpoints(h, 'v4', 'c1', ['10.0.0.6:80']));
  const { first: b1 } = await subscribed(h);
  assert.equal(b1.version_info, 'v4');
  assert.deepEqual(names(b1), ['c1', 'c2'], 'a new stream gets every subscribed assignment');
  assert.deepEqual(hostsOf(b1, 'c1'), ['10.0.0.6']);
  ack(a, a2, ['c1', 'c2']);
  const a4 = await a.next();
  assert.equal(a4.version_info, 'v4');
  assert.deepEqual(names(a4), ['c1', 'c2'], 'both changed since what the first stream holds');
  assert.deepEqual(hostsOf(a4, 'c2'), ['10.0.0.7']);
  a.end();
});

test('after a NACK the next EDS response is full again, and the rejected version is not resent', async (t) => {
  const h = await startHarness();
  t.after(() => h.close());
  h.cache.setSnapshot(node.id, Snapshot.create('v1', input()));
  const { s } = await subscribed(h);
  h.cache.setSnapshot(node.id, withEndpoints(h, 'v2', 'c1', ['10.0.0.9:80']));
  const r2 = await s.next();
  assert.deepEqual(names(r2), ['c1']);
  const done = h.processed();
  s.send({ type_url: EDS, version_info: 'v1', response_nonce: r2.nonce, resource_names: ['c1', 'c2'], error_detail: { code: 3, message: 'bad endpoint' } });
  await done;
  const ts = h.server.status()[0].types[0];
  assert.equal(ts.lastNack?.version, 'v2');
  assert.equal(ts.ackedVersion, 'v1');
  assert.equal(ts.inFlight, false);
  assert.equal(s.buffered, 0, 'the rejected version is not sent again');
  h.cache.setSnapshot(node.id, withEndpoints(h, 'v3', 'c2', ['10.0.0.7:80']));
  const r3 = await s.next();
  assert.equal(r3.version_info, 'v3');
  assert.deepEqual(names(r3), ['c1', 'c2'], 'the client may hold anything after a NACK: full response');
  ack(s, r3, ['c1', 'c2']);
  h.cache.setSnapshot(node.id, withEndpoints(h, 'v4', 'c2', ['10.0.0.6:80']));
  const r4 = await s.next();
  assert.deepEqual(names(r4), ['c2'], 'incremental again once a full response was accepted');
  s.end();
});

test('a changed subscription, or a subscribed name leaving the snapshot, gets a full response; RDS stays full', async (t) => {
  const h = await startHarness();
  t.after(() => h.close());
  h.cache.setSnapshot(node.id, Snapshot.create('v1', input()));
  const { s, first } = await subscribed(h, ['c1']);
  assert.deepEqual(names(first), ['c1']);
  // ACK that also subscribes to c2: the response holds both (the client has never seen c2).
  s.send({ type_url: EDS, version_info: 'v1', response_nonce: first.nonce, resource_names: ['c1', 'c2'] });
  const r1b = await s.next();
  assert.deepEqual(names(r1b), ['c1', 'c2']);
  ack(s, r1b, ['c1', 'c2']);
  // c2 removed (cluster and endpoints) while c1 changes: the stream's names no longer match: full.
  const cur = h.cache.getSnapshot(node.id)!;
  const next = cur.update('v2', {
    clusters: cur.resources('type.googleapis.com/envoy.config.cluster.v3.Cluster')!.list.filter((r) => r.name !== 'c2').map((r) => r.message),
    endpoints: [endpoints('c1', ['10.0.0.9:80']), cur.resources(EDS)!.byName.get('c3')!.message],
  });
  h.cache.setSnapshot(node.id, next);
  const r2 = await s.next();
  assert.deepEqual(names(r2), ['c1']);
  assert.equal(h.server.counters().incrementalPushes, 0);

  const rds = h.client.sotw();
  rds.send({ node, type_url: RDS, resource_names: ['r1'] });
  const rd1 = await rds.next();
  ack(rds, rd1, ['r1']);
  h.cache.setSnapshot(node.id, h.cache.getSnapshot(node.id)!.update('v3', { routes: [route('r1', 'c3')] }));
  const rd2 = await rds.next();
  assert.equal(rd2.version_info, 'v3');
  assert.deepEqual(names(rd2), ['r1']);
  s.end();
  rds.end();
});

test('streams holding the same state share one incremental response', async (t) => {
  const h = await startHarness();
  t.after(() => h.close());
  h.cache.setSnapshot(node.id, Snapshot.create('v1', input()));
  const { s: a } = await subscribed(h);
  const { s: b } = await subscribed(h);
  h.cache.setSnapshot(node.id, withEndpoints(h, 'v2', 'c2', ['10.0.0.4:80']));
  const [ra, rb] = [await a.next(), await b.next()];
  assert.deepEqual(names(ra), ['c2']);
  assert.equal(ra.nonce, rb.nonce, 'one prepared response');
  assert.equal(h.server.counters().incrementalPushes, 2);
  a.end();
  b.end();
});
