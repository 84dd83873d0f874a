import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CLUSTER_LOAD_ASSIGNMENT_TYPE_URL as EDS, CLUSTER_TYPE_URL as CDS, LISTENER_TYPE_URL as LDS, ROUTE_CONFIGURATION_TYPE_URL as RDS,
} from '../../xds/type-urls.js';
import { Snapshot, type SnapshotInput } from '../cache/snapshot.js';
import { startHarness } from './xds-test-harness.js';
import type { DeltaDiscoveryRequest, DeltaDiscoveryResponse, TestStream } from './xds-test-client.js';
import { edsCluster, endpoints, listener, route } from './xds-test-fixtures.js';

const input = (): SnapshotInput => ({
  listeners: [listener('l1', 'r1')],
  routes: [route('r1', 'c1')],
  clusters: [edsCluster('c1'), edsCluster('c2'), edsCluster('c3')],
  endpoints: [endpoints('c1', ['10.0.0.1:80']), endpoints('c2', ['10.0.0.2:80']), endpoints('c3', [])],
});
const node = { id: 'n1' };
type Delta = TestStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;
const names = (r: DeltaDiscoveryResponse) => (r.resources ?? []).map((x) => x.name!).sort();
const ack = (s: Delta, r: DeltaDiscoveryResponse) => s.send({ type_url: r.type_url, response_nonce: r.nonce });

test('delta wildcard: every resource with its version; initial_resource_versions are not resent; unknown ones are removed', async (t) => {
  const h = await startHarness();
  t.after(() => h.close());
  const snap = Snapshot.create('v1', input());
  h.cache.setSnapshot('n1', snap);
  const c1Version = snap.resources(CDS)!.byName.get('c1')!.version();
  const s = h.client.delta();
  s.send({ node, type_url: CDS, initial_resource_versions: { c1: c1Version, c2: 'old', gone: 'x' } });
  const r = await s.next();
  assert.equal(r.system_version_info, 'v1');
  assert.equal(r.type_url, CDS);
  assert.deepEqual(names(r), ['c2', 'c3']);
  assert.equal(r.resources![0].version, snap.resources(CDS)!.byName.get(r.resources![0].name!)!.version());
  assert.equal((r.resources![0].resource as { '@type': string })['@type'], CDS);
  assert.deepEqual(r.removed_resources, ['gone']);
  ack(s, r);
  // A new snapshot with one cluster changed and one removed: only those travel.
  h.cache.setSnapshot('n1', snap.update('v2', { clusters: [edsCluster('c1'), edsCluster('c2', 'svc-new')], endpoints: [...input().endpoints!, endpoints('svc-new', [])] }));
  const r2 = await s.next();
  assert.equal(r2.system_version_info, 'v2');
  assert.deepEqual(names(r2), ['c2']);
  assert.deepEqual(r2.removed_resources, ['c3']);
  s.end();
});

test('delta named subscribe and unsubscribe; removal of a subscribed resource; ACK and NACK by nonce', async (t) => {
  const h = await startHarness();
  t.after(() => h.close());
  const snap = Snapshot.create('v1', input());
  h.cache.setSnapshot('n1', snap);
  const s = h.client.delta();
  s.send({ node, type_url: EDS, resource_names_subscribe: ['c1'] });
  const r1 = await s.next();
  assert.deepEqual(names(r1), ['c1']);
  assert.equal(r1.removed_resources, undefined);
  // ACK together with a new subscription.
  s.send({ type_url: EDS, response_nonce: r1.nonce, resource_names_subscribe: ['c2'] });
  const r2 = await s.next();
  assert.deepEqual(names(r2), ['c2'], 'only the new name');
  // NACK it.
  let done = h.processed();
  s.send({ type_url: EDS, response_nonce: r2.nonce, error_detail: { code: 3, message: 'c2: bad endpoint' } });
  await done;
  let ts = h.server.status()[0].types[0];
  assert.equal(ts.ackedVersion, 'v1');
  assert.equal(ts.lastNack?.message, 'c2: bad endpoint');
  assert.equal(ts.lastNack?.nonce, r2.nonce);
  assert.deepEqual(ts.subscribed, ['c1', 'c2']);
  // Unsubscribe c1; then an update to both: only c2 is sent.
  done = h.processed();
  s.send({ type_url: EDS, resource_names_unsubscribe: ['c1'] });
  await done;
  const v2 = snap.update('v2', { endpoints: [endpoints('c1', ['10.0.0.9:80']), endpoints('c2', ['10.0.0.9:80']), endpoints('c3', [])] });
  h.cache.setSnapshot('n1', v2);
  const r3 = await s.next();
  assert.deepEqual(names(r3), ['c2']);
  ack(s, r3);
  // c2 goes away from the snapshot: it is removed.
  h.cache.setSnapshot('n1', v2.update('v3', { clusters: [edsCluster('c1'), edsCluster('c3')], endpoints: [endpoints('c1', []), endpoints('c3', [])] }));
  const r4 = await s.next();
  assert.deepEqual(r4.resources ?? [], []);
  assert.deepEqual(r4.removed_resources, ['c2']);
  ts = h.server.status()[0].types[0];
  assert.equal(ts.acks, 2);
  assert.equal(ts.nacks, 1);
  s.end();
});

test('delta per-type service and make-before-break removal of a cluster', async (t) => {
  const h = await startHarness();
  t.after(() => h.close());
  h.cache.setSnapshot('n1', Snapshot.create('v1', input()));
  const lds = h.client.delta('lds');
  lds.send({ node });
  const l = await lds.next();
  assert.equal(l.type_url, LDS);
  assert.deepEqual(names(l), ['l1']);
  lds.end();

  const s = h.client.delta();
  s.send({ node, type_url: CDS });
  ack(s, await s.next());
  s.send({ type_url: LDS });
  ack(s, await s.next());
  s.send({ type_url: RDS, resource_names_subscribe: ['r1'] });
  ack(s, await s.next());
  // v2 drops c1 and moves the route to c2: CDS keeps c1 until RDS is ACKed.
  h.cache.setSnapshot('n1', Snapshot.create('v2', { ...input(), clusters: [edsCluster('c2'), edsCluster('c3')], routes: [route('r1', 'c2')], endpoints: input().endpoints!.slice(1) }));
  // c2 and c3 are unchanged and the removal waits, so CDS has nothing to say yet; the route goes first.
  const r = await s.next();
  assert.equal(r.type_url, RDS);
  assert.deepEqual(names(r), ['r1']);
  ack(s, r);
  const removal = await s.next();
  assert.equal(removal.type_url, CDS);
  assert.deepEqual(removal.removed_resources, ['c1']);
  s.end();
});

test('delta EDS after a sync: only what changed since, through several snapshots and a subscription change', async (t) => {
  const h = await startHarness();
  t.after(() => h.close());
  h.cache.setSnapshot('n1', Snapshot.create('v1', input()));
  const s = h.client.delta();
  s.send({ node, type_url: EDS, resource_names_subscribe: ['c1', 'c2'] });
  const r1 = await s.next();
  assert.deepEqual(names(r1), ['c1', 'c2']);
  ack(s, r1);
  const change = (v: string, cluster: string, host: string) => {
    const cur = h.cache.getSnapshot('n1')!;
    h.cache.setSnapshot('n1', cur.update(v, { endpoints: cur.resources(EDS)!.list.map((r) => (r.name === cluster ? endpoints(cluster, [host]) : r.message)) }));
  };
  change('v2', 'c3', '10.0.0.9:80'); // not subscribed: nothing is sent
  change('v3', 'c2', '10.0.0.8:80');
  const r3 = await s.next();
  assert.equal(r3.system_version_info, 'v3');
  assert.deepEqual(names(r3), ['c2']);
  // Unchanged content rebuilt as a new object is not resent (same version digest).
  change('v4', 'c1', '10.0.0.1:80');
  change('v5', 'c1', '10.0.0.7:80');
  ack(s, r3);
  const r5 = await s.next();
  assert.equal(r5.system_version_info, 'v5');
  assert.deepEqual(names(r5), ['c1']);
  ack(s, r5);
  // Subscribing to c3 sends it (the client never had it), then changes to c3 flow too.
  s.send({ type_url: EDS, resource_names_subscribe: ['c3'] });
  const r6 = await s.next();
  assert.deepEqual(names(r6), ['c3']);
  ack(s, r6);
  change('v6', 'c3', '10.0.0.6:80');
  const r7 = await s.next();
  assert.deepEqual(names(r7), ['c3']);
  s.end();
});
