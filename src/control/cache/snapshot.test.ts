import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE_URL, CLUSTER_TYPE_URL, LISTENER_TYPE_URL, ROUTE_CONFIGURATION_TYPE_URL } from '../../xds/type-urls.js';
import { edsCluster, endpoints, HCM_TYPE_URL, listener, route } from '../server/xds-test-fixtures.js';
import { Snapshot } from './snapshot.js';
import { SnapshotCache } from './snapshot-cache.js';
import { SnapshotError, SnapshotInconsistentError } from './snapshot-errors.js';

const full = () => Snapshot.create('v1', {
  listeners: [listener('l1', 'r1')],
  routes: [route('r1', 'c1')],
  clusters: [edsCluster('c1'), edsCluster('c2', 'svc2'), { name: 'static', type: 'STATIC' }],
  endpoints: [endpoints('c1', ['10.0.0.1:80']), endpoints('svc2', ['10.0.0.2:80'])],
});

test('a complete snapshot is consistent; every type carries the version', () => {
  const s = full();
  assert.deepEqual(s.consistent(), { ok: true, missingRoutes: [], missingEndpoints: [] });
  assert.equal(s.version(LISTENER_TYPE_URL), 'v1');
  assert.equal(s.resources(CLUSTER_TYPE_URL)!.size, 3);
  assert.equal(s.resources(CLUSTER_LOAD_ASSIGNMENT_TYPE_URL)!.byName.get('svc2')!.name, 'svc2');
});

test('consistent() lists RDS names from filter chains, the default chain and API listeners, and EDS names', () => {
  const hcm = (rds: string) => ({ name: 'hcm', typed_config: { '@type': HCM_TYPE_URL, stat_prefix: 'x', rds: { route_config_name: rds } } });
  const s = Snapshot.create('v1', {
    listeners: [
      { name: 'a', filter_chains: [{ filters: [hcm('r-chain')] }], default_filter_chain: { filters: [hcm('r-default')] } },
      { name: 'api', api_listener: { api_listener: { '@type': HCM_TYPE_URL, stat_prefix: 'y', rds: { route_config_name: 'r-api' } } } },
      { name: 'inline', api_listener: { api_listener: { '@type': HCM_TYPE_URL, stat_prefix: 'z', route_config: { name: 'inline' } } } },
    ],
    clusters: [edsCluster('c1'), edsCluster('c2', 'svc2')],
    routes: [route('r-chain', 'c1')],
  });
  const c = s.consistent();
  assert.equal(c.ok, false);
  assert.deepEqual(c.missingRoutes, ['r-api', 'r-default']);
  assert.deepEqual(c.missingEndpoints, ['c1', 'svc2']);
});

test('setSnapshot refuses an inconsistent snapshot, names what is missing, and keeps the previous one', () => {
  const cache = new SnapshotCache();
  const good = full();
  cache.setSnapshot('n', good);
  const bad = good.update('v2', { routes: [] });
  assert.throws(() => cache.setSnapshot('n', bad), (e: unknown) => {
    assert.ok(e instanceof SnapshotInconsistentError);
    assert.equal(e.code, 'WEFT_XDS_SNAPSHOT_INCONSISTENT');
    assert.deepEqual(e.missingRoutes, ['r1']);
    assert.match(e.message, /"r1"/);
    return true;
  });
  assert.equal(cache.getSnapshot('n'), good);
});

test('duplicate and nameless resources are refused with a stable code', () => {
  assert.throws(() => Snapshot.create('v', { clusters: [{ name: 'a' }, { name: 'a' }] }),
    (e: unknown) => e instanceof SnapshotError && e.code === 'WEFT_XDS_SNAPSHOT_INVALID' && /"a"/.test(e.message));
  assert.throws(() => Snapshot.create('v', { endpoints: [{ endpoints: [] }] }), SnapshotError);
});

test('update() replaces only the given kinds, keeps other versions and reuses encoded resources', () => {
  const s1 = full();
  const c1 = s1.resources(CLUSTER_TYPE_URL)!.byName.get('c1')!;
  const bytes = c1.bytes();
  const clusters = s1.resources(CLUSTER_TYPE_URL)!.list.map((r) => r.message);
  const s2 = s1.update('v2', { endpoints: [endpoints('c1', ['10.0.0.9:80']), endpoints('svc2', [])], clusters });
  assert.equal(s2.version(CLUSTER_LOAD_ASSIGNMENT_TYPE_URL), 'v2');
  assert.equal(s2.version(LISTENER_TYPE_URL), 'v1');
  assert.equal(s2.version(ROUTE_CONFIGURATION_TYPE_URL), 'v1');
  assert.equal(s2.resources(LISTENER_TYPE_URL), s1.resources(LISTENER_TYPE_URL));
  const c1b = s2.resources(CLUSTER_TYPE_URL)!.byName.get('c1')!;
  assert.equal(c1b, c1, 'same object → same cached resource');
  assert.equal(c1b.bytes(), bytes, 'encoded once');
});

test('cache watchers see each snapshot of their group only, and cancel', () => {
  const cache = new SnapshotCache({ nodeHash: (n) => n.cluster ?? '' });
  const seen: string[] = [];
  const cancel = cache.watch('a', (s, g) => seen.push(`${g}:${s.version(LISTENER_TYPE_URL)}`));
  cache.setSnapshot('a', full());
  cache.setSnapshot('b', full());
  assert.deepEqual(seen, ['a:v1']);
  assert.equal(cache.watcherCount('a'), 1);
  cancel();
  cache.setSnapshot('a', full());
  assert.deepEqual(seen, ['a:v1']);
  assert.equal(cache.nodeHash({ id: 'x', cluster: 'grp' }), 'grp');
  assert.equal(new SnapshotCache().nodeHash({ id: 'x', cluster: 'grp' }), 'x');
});
