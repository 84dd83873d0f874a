import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CLUSTER_LOAD_ASSIGNMENT_TYPE_URL as EDS, CLUSTER_TYPE_URL as CDS, LISTENER_TYPE_URL as LDS, ROUTE_CONFIGURATION_TYPE_URL as RDS,
} from '../../xds/type-urls.js';
import { Snapshot, type SnapshotInput } from '../cache/snapshot.js';
import { RETAINING_SUFFIX } from './sotw-stream.js';
import { startHarness } from './xds-test-harness.js';
import type { DiscoveryResponse, TestStream, DiscoveryRequest } from './xds-test-client.js';
import { edsCluster, endpoints, listener, route } from './xds-test-fixtures.js';

const input = (hosts = ['10.0.0.1:80']): SnapshotInput => ({
  listeners: [listener('l1', 'r1')],
  routes: [route('r1', 'c1'), route('r2', 'c2')],
  clusters: [edsCluster('c1'), edsCluster('c2')],
  endpoints: [endpoints('c1', hosts), endpoints('c2', ['10.0.0.2:80'])],
});
const node = { id: 'sidecar~10.0.0.5~a.default~default.svc.cluster.local', cluster: 'a' };
const names = (r: DiscoveryResponse) => (r.resources ?? []).map((x) => (x.name ?? x.cluster_name) as string);
type Sotw = TestStream<DiscoveryRequest, DiscoveryResponse>;
const ack = (s: Sotw, r: DiscoveryResponse, resource_names?: string[]) =>
  s.send({ type_url: r.type_url, version_info: r.version_info, response_nonce: r.nonce, ...(resource_names ? { resource_names } : {}) });

test('wildcard LDS/CDS get every resource; RDS/EDS get the names asked for; ACK is recorded', async (t) => {
  const h = await startHarness();
  t.after(() => h.close());
  h.cache.setSnapshot(node.id, Snapshot.create('v1', input()));
  const s = h.client.sotw();
  s.send({ node, type_url: CDS });
  const cds = await s.next();
  assert.equal(cds.type_url, CDS);
  assert.equal(cds.version_info, 'v1');
  assert.ok(cds.nonce);
  assert.deepEqual(names(cds), ['c1', 'c2']);
  assert.equal(cds.resources![0]['@type'], CDS);
  ack(s, cds);
  s.send({ type_url: EDS, resource_names: ['c1'] });
  const eds = await s.next();
  assert.deepEqual(names(eds), ['c1']);
  s.send({ type_url: LDS, resource_names: [] });
  const lds = await s.next();
  assert.deepEqual(names(lds), ['l1']);
  s.send({ type_url: RDS, resource_names: ['r1'] });
  const rds = await s.next();
  assert.deepEqual(names(rds), ['r1']);
  assert.notEqual(lds.nonce, rds.nonce);
  const done = h.processed(2);
  ack(s, lds);
  ack(s, eds, ['c1']);
  await done;
  const [st] = h.server.status();
  assert.equal(st.nodeId, node.id);
  assert.equal(st.group, node.id);
  const byType = new Map(st.types.map((x) => [x.typeUrl, x]));
  assert.equal(byType.get(CDS)!.ackedVersion, 'v1');
  assert.equal(byType.get(LDS)!.ackedVersion, 'v1');
  assert.equal(byType.get(RDS)!.ackedVersion, undefined);
  assert.equal(byType.get(RDS)!.inFlight, true);
  assert.equal(byType.get(CDS)!.subscribed, '*');
  assert.deepEqual(byType.get(EDS)!.subscribed, ['c1']);
  assert.equal(h.server.counters().acks, 3);
  s.end();
});

test('NACK records error_detail and keeps the previous ACKed version; the rejected version is not resent', async (t) => {
  const h = await startHarness();
  t.after(() => h.close());
  h.cache.setSnapshot(node.id, Snapshot.create('v1', input()));
  const s = h.client.sotw();
  s.send({ node, type_url: CDS });
  const r1 = await s.next();
  ack(s, r1);
  h.cache.setSnapshot(node.id, Snapshot.create('v2', input()));
  const r2 = await s.next();
  assert.equal(r2.version_info, 'v2');
  const nacks: string[] = [];
  const done = h.processed();
  s.send({ type_url: CDS, version_info: 'v1', response_nonce: r2.nonce, error_detail: { code: 3, message: 'cluster c1: bad lb_policy' } });
  await done;
  const ts = h.server.status()[0].types[0];
  assert.equal(ts.ackedVersion, 'v1');
  assert.deepEqual({ ...ts.lastNack, time: 0 }, { version: 'v2', nonce: r2.nonce, message: 'cluster c1: bad lb_policy', code: 3, time: 0 });
  assert.equal(ts.inFlight, false);
  assert.equal(h.server.counters().nacks, 1);
  nacks.push(ts.lastNack!.message);
  // The next response is the next version, not v2 again.
  h.cache.setSnapshot(node.id, Snapshot.create('v3', input()));
  assert.equal((await s.next()).version_info, 'v3');
  s.end();
});

test('a stale nonce is neither ACK nor NACK, but its resource names are honoured', async (t) => {
  const h = await startHarness();
  t.after(() => h.close());
  h.cache.setSnapshot(node.id, Snapshot.create('v1', input()));
  const s = h.client.sotw();
  s.send({ node, type_url: EDS, resource_names: ['c1'] });
  const r1 = await s.next();
  ack(s, r1, ['c1']);
  h.cache.setSnapshot(node.id, Snapshot.create('v2', input()));
  const r2 = await s.next();
  // A request answering r1 again, with an error and a new name: stale.
  const done = h.processed();
  s.send({ type_url: EDS, version_info: 'v1', response_nonce: r1.nonce, resource_names: ['c1', 'c2'], error_detail: { message: 'late' } });
  await done;
  let ts = h.server.status()[0].types[0];
  assert.equal(ts.lastNack, undefined);
  assert.equal(ts.inFlight, true, 'r2 still awaits its answer');
  assert.deepEqual(ts.subscribed, ['c1', 'c2'], 'names recorded');
  assert.equal(h.server.counters().staleNonces, 1);
  // ACK of r2 (as an old client would send it, with its old names list); the new name comes next.
  s.send({ type_url: EDS, version_info: 'v2', response_nonce: r2.nonce, resource_names: ['c1', 'c2'] });
  const r3 = await s.next();
  assert.equal(r3.version_info, 'v2');
  assert.deepEqual(names(r3), ['c1', 'c2']);
  ts = h.server.status()[0].types[0];
  assert.equal(ts.ackedVersion, 'v2');
  s.end();
});

async function subscribeAll(s: Sotw): Promise<void> {
  s.send({ node, type_url: CDS });
  ack(s, await s.next());
  s.send({ type_url: EDS, resource_names: ['c1', 'c2'] });
  ack(s, await s.next(), ['c1', 'c2']);
  s.send({ type_url: LDS });
  ack(s, await s.next());
  s.send({ type_url: RDS, resource_names: ['r1'] });
  ack(s, await s.next(), ['r1']);
}

test('a snapshot change pushes only changed types, in CDS, EDS, LDS, RDS order', async (t) => {
  const h = await startHarness();
  t.after(() => h.close());
  const v1 = Snapshot.create('v1', input());
  h.cache.setSnapshot(node.id, v1);
  const s = h.client.sotw();
  await subscribeAll(s);
  // Everything changes: four responses in make-before-break order.
  const v2 = Snapshot.create('v2', input(['10.0.0.3:80']));
  h.cache.setSnapshot(node.id, v2);
  const order: string[] = [];
  for (let i = 0; i < 4; i++) {
    const r = await s.next();
    order.push(r.type_url!);
    assert.equal(r.version_info, 'v2');
    ack(s, r, r.type_url === EDS ? ['c1', 'c2'] : r.type_url === RDS ? ['r1'] : undefined);
  }
  assert.deepEqual(order, [CDS, EDS, LDS, RDS]);
  // Only endpoints change: only EDS is pushed (the next change, to listeners, comes right after it).
  const v3 = v2.update('v3', { endpoints: [endpoints('c1', ['10.0.0.4:80']), endpoints('c2', [])] });
  h.cache.setSnapshot(node.id, v3);
  const e = await s.next();
  assert.equal(e.type_url, EDS);
  assert.equal(e.version_info, 'v3');
  ack(s, e, ['c1', 'c2']);
  h.cache.setSnapshot(node.id, v3.update('v4', { listeners: [listener('l1', 'r1', 15002)] }));
  const l = await s.next();
  assert.equal(l.type_url, LDS);
  assert.equal(l.version_info, 'v4');
  s.end();
});

test('while a response is in flight, later types wait: no listener before the cluster it needs', async (t) => {
  const h = await startHarness();
  t.after(() => h.close());
  h.cache.setSnapshot(node.id, Snapshot.create('v1', input()));
  const s = h.client.sotw();
  await subscribeAll(s);
  const v1 = h.cache.getSnapshot(node.id)!;
  const v2 = v1.update('v2', { clusters: [edsCluster('c1'), edsCluster('c2'), edsCluster('c3')], endpoints: [...input().endpoints!, endpoints('c3', [])] });
  h.cache.setSnapshot(node.id, v2);
  const c = await s.next();
  assert.equal(c.type_url, CDS);
  const e = await s.next();
  assert.equal(e.type_url, EDS);
  let done = h.processed();
  ack(s, e, ['c1', 'c2']);
  await done;
  // CDS v2 not yet ACKed; a change to clusters and listeners arrives and the push queue runs.
  h.cache.setSnapshot(node.id, v2.update('v3', {
    clusters: [edsCluster('c1'), edsCluster('c2'), edsCluster('c3'), edsCluster('c4')],
    endpoints: [...input().endpoints!, endpoints('c3', []), endpoints('c4', [])],
    listeners: [listener('l1', 'r2')],
  }));
  while (h.server.queuedPushes > 0) await new Promise((r) => setImmediate(r));
  const lds = () => h.server.status()[0].types.find((x) => x.typeUrl === LDS)!;
  assert.equal(lds().pushes, 1, 'LDS v3 held back');
  assert.equal(h.server.status()[0].types.find((x) => x.typeUrl === EDS)!.pushes, 2, 'EDS v3 held back too');
  assert.equal(lds().sentVersion, 'v1');
  ack(s, c);
  const after = [await s.next(), await s.next(), await s.next()];
  assert.deepEqual(after.map((r) => [r.type_url, r.version_info]), [[CDS, 'v3'], [EDS, 'v3'], [LDS, 'v3']]);
  s.end();
});

test('a removed cluster stays in CDS until listeners and routes moved off it (make-before-break)', async (t) => {
  const h = await startHarness();
  t.after(() => h.close());
  h.cache.setSnapshot(node.id, Snapshot.create('v1', input()));
  const s = h.client.sotw();
  await subscribeAll(s);
  // v2: route r1 now points to c2 and c1 is gone.
  const v2 = Snapshot.create('v2', { listeners: [listener('l1', 'r1')], routes: [route('r1', 'c2')], clusters: [edsCluster('c2')], endpoints: [endpoints('c2', [])] });
  h.cache.setSnapshot(node.id, v2);
  const c = await s.next();
  assert.equal(c.type_url, CDS);
  assert.equal(c.version_info, 'v2' + RETAINING_SUFFIX);
  assert.deepEqual(names(c), ['c2', 'c1']);
  ack(s, c);
  const order: string[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await s.next();
    order.push(r.type_url!);
    assert.equal(r.version_info, 'v2');
    ack(s, r, r.type_url === EDS ? ['c1', 'c2'] : r.type_url === RDS ? ['r1'] : undefined);
  }
  assert.deepEqual(order, [EDS, LDS, RDS]);
  const final = await s.next();
  assert.equal(final.type_url, CDS);
  assert.equal(final.version_info, 'v2');
  assert.deepEqual(names(final), ['c2']);
  s.end();
});

test('per-type services share the port and fill in their type URL', async (t) => {
  const h = await startHarness();
  t.after(() => h.close());
  h.cache.setSnapshot(node.id, Snapshot.create('v1', input()));
  const cds = h.client.sotw('cds');
  cds.send({ node });
  const r = await cds.next();
  assert.equal(r.type_url, CDS);
  assert.deepEqual(names(r), ['c1', 'c2']);
  const rds = h.client.sotw('rds');
  rds.send({ node, resource_names: ['r2'] });
  assert.deepEqual(names(await rds.next()), ['r2']);
  const wrong = h.client.sotw('lds');
  wrong.send({ node, type_url: CDS });
  const st = await wrong.status;
  assert.equal(st.code, 3);
  assert.match(st.details, /does not belong/);
  assert.deepEqual(h.server.status().map((x) => x.service).sort(), ['cds', 'rds']);
  cds.end();
  rds.end();
});

test('ADS requires type_url', async (t) => {
  const h = await startHarness();
  t.after(() => h.close());
  const s = h.client.sotw();
  s.send({ node });
  const st = await s.status;
  assert.equal(st.code, 3);
});

test('the node of the first request picks the snapshot group', async (t) => {
  const h = await startHarness({ cache: { nodeHash: (n) => n.cluster ?? '' } });
  t.after(() => h.close());
  h.cache.setSnapshot('a', Snapshot.create('va', input()));
  h.cache.setSnapshot('b', Snapshot.create('vb', { ...input(), clusters: [edsCluster('c1')] }));
  const sa = h.client.sotw();
  sa.send({ node: { id: 'p1', cluster: 'a' }, type_url: CDS });
  const sb = h.client.sotw();
  sb.send({ node: { id: 'p2', cluster: 'b' }, type_url: CDS });
  const [ra, rb] = await Promise.all([sa.next(), sb.next()]);
  assert.equal(ra.version_info, 'va');
  assert.equal(rb.version_info, 'vb');
  assert.deepEqual(names(rb), ['c1']);
  // A later request naming another node does not move the stream.
  const done = h.processed();
  sb.send({ node: { id: 'p2', cluster: 'a' }, type_url: CDS, version_info: 'vb', response_nonce: rb.nonce });
  await done;
  assert.deepEqual(h.server.status().map((x) => x.group).sort(), ['a', 'b']);
  sa.end();
  sb.end();
});

test('a stream that does not ACK neither blocks others nor queues versions', async (t) => {
  const h = await startHarness();
  t.after(() => h.close());
  h.cache.setSnapshot(node.id, Snapshot.create('v1', input()));
  const slow = h.client.sotw();
  slow.send({ node, type_url: CDS });
  const first = await slow.next();
  assert.equal(first.version_info, 'v1');
  const fast = h.client.sotw();
  fast.send({ node, type_url: CDS });
  ack(fast, await fast.next());
  for (const v of ['v2', 'v3', 'v4']) {
    h.cache.setSnapshot(node.id, Snapshot.create(v, input()));
    const r = await fast.next();
    assert.equal(r.version_info, v);
    ack(fast, r);
  }
  const slowStatus = h.server.status().find((x) => x.types[0].sentNonce === first.nonce)!;
  assert.equal(slowStatus.types[0].inFlight, true);
  assert.equal(slowStatus.types[0].pushes, 1);
  assert.equal(slow.buffered, 0);
  // Once the slow stream answers, it gets the latest version only.
  ack(slow, first);
  const latest = await slow.next();
  assert.equal(latest.version_info, 'v4');
  slow.end();
  fast.end();
});

test('close() ends streams with OK and shuts down', async () => {
  const h = await startHarness();
  h.cache.setSnapshot(node.id, Snapshot.create('v1', input()));
  const s = h.client.sotw();
  s.send({ node, type_url: CDS });
  await s.next();
  await h.server.close();
  const st = await s.status;
  assert.equal(st.code, 0);
  assert.equal(h.server.counters().activeStreams, 0);
  h.client.close();
});

test('streams share one prepared response, but a stream never gets a nonce it had before', async (t) => {
  const h = await startHarness();
  t.after(() => h.close());
  h.cache.setSnapshot(node.id, Snapshot.create('v1', input()));
  const a = h.client.sotw();
  const b = h.client.sotw();
  a.send({ node, type_url: EDS, resource_names: ['c1'] });
  const ra = await a.next();
  b.send({ node, type_url: EDS, resource_names: ['c1'] });
  const rb = await b.next();
  assert.equal(ra.nonce, rb.nonce, 'same resources, same bytes, same nonce');
  ack(a, ra, ['c1', 'c2']);
  const ra2 = await a.next();
  assert.deepEqual(names(ra2), ['c1', 'c2']);
  ack(a, ra2, ['c1']);
  const ra3 = await a.next();
  assert.deepEqual(names(ra3), ['c1']);
  assert.notEqual(ra3.nonce, ra.nonce);
  assert.notEqual(ra3.nonce, ra2.nonce);
  a.end();
  b.end();
});
