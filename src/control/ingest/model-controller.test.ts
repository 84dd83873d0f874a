import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConfigObject } from '../../api/networking.js';
import { se, vs, we } from '../model/model-test-fixtures.js';
import type { Accepted } from '../model/types.js';
import type { ConfigSnapshot } from './config-snapshot.js';
import { ModelController, type PushEvent } from './model-controller.js';
import { makeEndpoint, makeService } from './service-builders.js';
import { StaticRegistry } from './static-registry.js';

const host = 'reviews.default.svc.cluster.local';
const entry = se('reviews', 'default', { hosts: [host], location: 'MESH_INTERNAL', resolution: 'STATIC', ports: [{ number: 9080, name: 'http' }], workloadSelector: { labels: { app: 'reviews' } } });
const snap = (...xs: Accepted<ConfigObject<string, unknown>>[]) => ({ accepted: xs as Accepted<ConfigObject>[] });

test('ModelController: snapshots give full pushes, endpoint-only changes give EDS pushes', () => {
  const local = new StaticRegistry([makeService({ hostname: 'ratings.default.svc.cluster.local', ports: [{ name: 'http', port: 9080 }] })]);
  const mc = new ModelController({ registries: [local] });
  const events: PushEvent[] = [];
  mc.onPush((e) => events.push(e));

  mc.applySnapshot(snap(entry, we('r1', 'default', { address: '10.0.0.1', labels: { app: 'reviews' } }), vs('r', 'default', { hosts: ['reviews'] })));
  assert.deepEqual(events.map((e) => e.kind), ['full'], 'one push per snapshot, not one per registry event');
  assert.equal(mc.current.services.length, 2);
  assert.deepEqual(mc.current.endpoints(host, 9080).map((e) => e.address), ['10.0.0.1']);
  assert.equal(mc.current.virtualServices('default', 'mesh').length, 1);

  local.setEndpoints([makeEndpoint({ hostname: 'ratings.default.svc.cluster.local', servicePort: 9080, address: '127.0.0.1', port: 20000 })]);
  assert.deepEqual(events.map((e) => e.kind), ['full', 'endpoints']);
  assert.equal(mc.current.endpoints('ratings.default.svc.cluster.local', 9080)[0]!.port, 20000);
  assert.equal(mc.current.virtualServices('default', 'mesh')[0], events[0]!.push.virtualServices('default', 'mesh')[0]);

  local.set([], []);
  assert.deepEqual(events.map((e) => e.kind), ['full', 'endpoints', 'full']);
  assert.equal(mc.current.services.length, 1);
});

test('ModelController.follow: applies the current snapshot and each new one', () => {
  let cb: ((s: ConfigSnapshot) => void) | undefined;
  const first = { version: 1, accepted: [vs('a', 'default', { hosts: ['a'] })], rejected: [], messages: [], files: [] } as unknown as ConfigSnapshot;
  const source = { snapshot: first, onSnapshot: (f: (s: ConfigSnapshot) => void) => ((cb = f), () => (cb = undefined)) };
  const mc = new ModelController();
  mc.follow(source);
  assert.equal(mc.current.virtualServices('default', 'mesh').length, 1);
  cb!({ ...first, version: 2, accepted: [] } as ConfigSnapshot);
  assert.equal(mc.current.virtualServices('default', 'mesh').length, 0);
  mc.close();
  assert.equal(cb, undefined);
});
