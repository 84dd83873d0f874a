import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLoadBalancer } from './create-load-balancer.js';
import { buildMaglevTable } from './maglev.js';
import { host, hosts, seededRandom } from './test-support.js';
import type { LbHost } from './types.js';

const envoyHosts = (extra: Partial<LbHost>[] = []): LbHost[] =>
  [90, 91, 92, 93, 94, 95].map((p, i) => host(p, { address: '127.0.0.1', ...(extra[i] ?? {}) }));

test('table matches Envoy\'s maglev_lb_test "Basic" (6 hosts, table size 7)', () => {
  const hs = envoyHosts();
  assert.deepEqual(Array.from(buildMaglevTable(hs, 7).slots), [2, 4, 0, 1, 5, 0, 3]);
  const lb = createLoadBalancer('MAGLEV', hs, { maglevTableSize: 7 }, seededRandom(1));
  const expected = [2, 4, 0, 1, 5, 0, 3];
  for (let i = 0; i < 21; i++) assert.equal(lb.pick({ hash: BigInt(i) }), hs[expected[i % 7]!]);
});

test('table matches Envoy\'s "Weighted" case (weights 1 and 2, table size 17)', () => {
  const hs = [host(90, { address: '127.0.0.1', weight: 1 }), host(91, { address: '127.0.0.1', weight: 2 })];
  assert.deepEqual(Array.from(buildMaglevTable(hs, 17).slots), [1, 0, 0, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 0, 1]);
});

test('hash keys replace ip:port (use_hostname_for_hashing, Envoy\'s hostname case)', () => {
  const hs = envoyHosts(['90', '91', '92', '93', '94', '95'].map((hashKey) => ({ hashKey })));
  assert.deepEqual(Array.from(buildMaglevTable(hs, 7).slots), [2, 5, 0, 3, 4, 1, 0]);
});

test('retry predicate follows Envoy\'s "BasicWithRetryHostPredicate"', () => {
  const hs = envoyHosts();
  const lb = createLoadBalancer('MAGLEV', hs, { maglevTableSize: 7 }, seededRandom(2));
  assert.equal(lb.pick({ hash: 10n }), hs[1]);
  assert.equal(lb.pick({ hash: 10n, shouldSkipHost: () => false, hostSelectionRetryCount: 2 }), hs[1]);
  assert.equal(lb.pick({ hash: 10n, shouldSkipHost: (h) => h === hs[1], hostSelectionRetryCount: 2 }), hs[0]);
  assert.equal(lb.pick({ hash: 10n, shouldSkipHost: () => true, hostSelectionRetryCount: 2 }), hs[5]);
});

test('equal weights fill the default table evenly (counts differ by at most one)', () => {
  const t = buildMaglevTable(hosts(7), 65537);
  const counts = new Array<number>(7).fill(0);
  for (const s of t.slots) counts[s]!++;
  assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `counts ${counts}`);
  assert.ok(!t.slots.includes(-1));
});

test('removing one of 10 hosts keeps most keys in place', () => {
  const hs = hosts(10);
  const lb = createLoadBalancer('MAGLEV', hs, {}, seededRandom(3));
  const rnd = seededRandom(4);
  const keys = Array.from({ length: 5000 }, () => BigInt(Math.floor(rnd() * 2 ** 48)));
  const before = keys.map((hash) => lb.pick({ hash }));
  for (const h of keys.map((hash) => lb.pick({ hash }))) assert.ok(h);
  hs[6]!.healthy = false; // 90% healthy: not in panic, table rebuilt over the other nine
  let moved = 0, movedFromOthers = 0;
  keys.forEach((hash, i) => {
    const now = lb.pick({ hash });
    assert.notEqual(now, hs[6]);
    if (now !== before[i]) {
      moved++;
      if (before[i] !== hs[6]) movedFromOthers++;
    }
  });
  assert.ok(moved > 350 && moved < 700, `moved ${moved}`);
  // Maglev promises minimal, not zero, disruption for the others.
  assert.ok(movedFromOthers < 200, `moved from others ${movedFromOthers}`);
});
