import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLoadBalancer } from './create-load-balancer.js';
import { buildRing } from './ring-hash.js';
import { countPicks, host, hosts, seededRandom } from './test-support.js';
import type { LbHost } from './types.js';

const envoyHosts = (): LbHost[] => [90, 91, 92, 93, 94, 95].map((p) => host(p, { address: '127.0.0.1' }));

test('ring matches Envoy\'s published ring for 127.0.0.1:90..95 with minimum_ring_size 12', () => {
  // From Envoy's ring_hash_lb_test "Basic": port and position, in ring order.
  const expected: [number, bigint][] = [
    [94, 833437586790550860n], [92, 928266305478181108n], [90, 1033482794131418490n],
    [95, 3551244743356806947n], [93, 3851675632748031481n], [91, 5583722120771150861n],
    [91, 6311230543546372928n], [93, 7700377290971790572n], [95, 13144177310400110813n],
    [92, 13444792449719432967n], [94, 15516499411664133160n], [90, 16117243373044804889n],
  ];
  const hs = envoyHosts();
  const ring = buildRing(hs, 12, 8_388_608);
  assert.equal(ring.size, 12);
  const lb = createLoadBalancer('RING_HASH', hs, { minimumRingSize: 12 }, seededRandom(1));
  for (const [port, pos] of expected) {
    assert.equal(lb.pick({ hash: pos })!.port, port, `at ${pos}`);
    assert.equal(lb.pick({ hash: pos - 1n })!.port, port, `just before ${pos}`);
  }
  // Hash 0 and past the last point both land on the first point (:94).
  assert.equal(lb.pick({ hash: 0n })!.port, 94);
  assert.equal(lb.pick({ hash: 0xffffffffffffffffn })!.port, 94);
  assert.equal(lb.pick({ hash: 16117243373044804889n + 1n })!.port, 94);
});

test('retry predicate re-selects with Envoy\'s hash mutation, then returns the last host', () => {
  const hs = envoyHosts();
  const lb = createLoadBalancer('RING_HASH', hs, { minimumRingSize: 12 }, seededRandom(2));
  const h = 1033482794131418490n; // :90
  assert.equal(lb.pick({ hash: h, shouldSkipHost: () => false, hostSelectionRetryCount: 2 })!.port, 90);
  // Attempt 1 hashes h ^ (2^64 - 1), attempt 2 h ^ (2^64 - 2): look them up on the same ring.
  const a1 = lb.pick({ hash: h ^ 0xffffffffffffffffn })!;
  const a2 = lb.pick({ hash: h ^ 0xfffffffffffffffen })!;
  assert.equal(lb.pick({ hash: h, shouldSkipHost: (x) => x.port === 90, hostSelectionRetryCount: 2 }), a1);
  assert.equal(lb.pick({ hash: h, shouldSkipHost: () => true, hostSelectionRetryCount: 2 }), a2);
});

test('ring size follows weights: the lightest host gets whole points, total >= minimum', () => {
  const ring = buildRing([host(1, { weight: 1 }), host(2, { weight: 3 })], 1024, 8_388_608);
  // min share 0.25: ceil(0.25 × 1024) / 0.25 = 1024 points, 256 + 768.
  assert.equal(ring.size, 1024);
  const capped = buildRing(hosts(3), 1024, 100);
  assert.equal(capped.size, 100);
});

test('same hash, same host; distribution over random hashes follows weights', () => {
  const a = host(1, { weight: 1 }), b = host(2, { weight: 3 });
  const lb = createLoadBalancer('RING_HASH', [a, b], {}, seededRandom(3));
  const rnd = seededRandom(4);
  let toA = 0;
  for (let i = 0; i < 10_000; i++) {
    const hash = (BigInt(Math.floor(rnd() * 2 ** 32)) << 32n) | BigInt(Math.floor(rnd() * 2 ** 32));
    const h = lb.pick({ hash })!;
    assert.equal(lb.pick({ hash }), h);
    if (h === a) toA++;
  }
  assert.ok(toA > 2200 && toA < 2800, `a got ${toA}`);
});

test('removing one of 10 hosts moves its keys and only a bounded share of the others', () => {
  const hs = hosts(10);
  const lb = createLoadBalancer('RING_HASH', hs, {}, seededRandom(5));
  const rnd = seededRandom(6);
  const keys = Array.from({ length: 5000 }, () => (BigInt(Math.floor(rnd() * 2 ** 32)) << 32n) | BigInt(Math.floor(rnd() * 2 ** 32)));
  const before = keys.map((hash) => lb.pick({ hash }));
  lb.update(hs.filter((_, i) => i !== 3));
  let moved = 0, movedFromOthers = 0;
  keys.forEach((hash, i) => {
    const now = lb.pick({ hash });
    if (now !== before[i]) {
      moved++;
      if (before[i] !== hs[3]) movedFromOthers++;
    }
  });
  const onRemoved = before.filter((h) => h === hs[3]).length;
  assert.ok(onRemoved > 350 && onRemoved < 650, `keys on the removed host ${onRemoved}`);
  assert.equal(moved - movedFromOthers, onRemoved, 'every key of the removed host moved');
  // Envoy rescales the ring (103 points per host for 10 hosts, 114 for 9):
  // the new points take ~10% of the other keys, so churn stays near 2/N.
  assert.ok(movedFromOthers < 600, `moved from other hosts ${movedFromOthers}`);
});

test('an unhealthy host\'s keys move; with no hash the pick is random', () => {
  const hs = hosts(4);
  const lb = createLoadBalancer('RING_HASH', hs, {}, seededRandom(7));
  const c = countPicks(() => lb.pick(), 4000);
  for (const h of hs) assert.ok(c.get(h)! > 800, `port ${h.port}: ${c.get(h)}`);
  hs[0]!.healthy = false;
  const c2 = countPicks(() => lb.pick(), 2000);
  assert.equal(c2.get(hs[0]!), undefined);
});
