import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLoadBalancer } from './create-load-balancer.js';
import { countPicks, hosts, seededRandom } from './test-support.js';
import type { LbHost, LbPolicy } from './types.js';

const POLICIES: LbPolicy[] = ['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM', 'RING_HASH', 'MAGLEV'];

function twoLevels(p0Healthy: number, p1Healthy = 10): { p0: LbHost[]; p1: LbHost[] } {
  const p0 = hosts(10, { priority: 0 }, 1000).map((h, i) => ({ ...h, healthy: i < p0Healthy }));
  const p1 = hosts(10, { priority: 1 }, 2000).map((h, i) => ({ ...h, healthy: i < p1Healthy }));
  return { p0, p1 };
}

for (const policy of POLICIES) {
  test(`${policy}: P0 at 50% healthy sends ~70% to P0, the rest to P1`, () => {
    const { p0, p1 } = twoLevels(5);
    const lb = createLoadBalancer(policy, [...p0, ...p1], {}, seededRandom(11));
    const c = countPicks(() => lb.pick(), 10_000);
    let toP0 = 0, toUnhealthy = 0;
    for (const [h, n] of c) {
      assert.ok(h, 'always picks a host');
      if (h.priority === 0) toP0 += n;
      if (!h.healthy) toUnhealthy += n;
    }
    assert.ok(toP0 > 6750 && toP0 < 7250, `P0 got ${toP0}`);
    assert.equal(toUnhealthy, 0);
  });

  test(`${policy}: health flipped in place is applied without update(), never returning an unhealthy host`, () => {
    const { p0, p1 } = twoLevels(10);
    const lb = createLoadBalancer(policy, [...p0, ...p1], {}, seededRandom(14));
    for (let i = 0; i < 5; i++) p0[i]!.healthy = false;
    const share = (n: number): number => {
      const c = countPicks(() => lb.pick(), n);
      let toP0 = 0;
      for (const [h, k] of c) {
        assert.ok(h && h.healthy, 'picked an unhealthy host');
        if (h.priority === 0) toP0 += k;
      }
      return toP0 / n;
    };
    share(6); // 20 hosts, 4 re-read per pick: noticed within 5 picks
    const degraded = share(10_000);
    assert.ok(degraded > 0.67 && degraded < 0.73, `P0 share ${degraded}`);
    for (let i = 0; i < 5; i++) p0[i]!.healthy = true;
    lb.refreshHealth(); // applies at once
    assert.equal(share(1000), 1);
  });

  test(`${policy}: total panic sends traffic to unhealthy hosts of both levels`, () => {
    const { p0, p1 } = twoLevels(0, 0);
    const lb = createLoadBalancer(policy, [...p0, ...p1], {}, seededRandom(12));
    const c = countPicks(() => lb.pick(), 4000);
    let toP0 = 0;
    for (const [h, n] of c) if (h!.priority === 0) toP0 += n;
    assert.ok(toP0 > 1800 && toP0 < 2200, `P0 got ${toP0}`);
  });

  test(`${policy}: retry predicate steers away from the previous host`, () => {
    const hs = hosts(5);
    const lb = createLoadBalancer(policy, hs, {}, seededRandom(13));
    let different = 0;
    for (let i = 0; i < 200; i++) {
      const hash = BigInt(i) * 0x9e3779b97f4a7c15n;
      const first = lb.pick({ hash })!;
      const retry = lb.pick({ hash, shouldSkipHost: (x) => x === first, hostSelectionRetryCount: 1 });
      if (retry !== first) different++;
    }
    // One re-selection lands elsewhere unless it hits the same host again (~1/5 for the random ones).
    assert.ok(different >= 140, `moved off the previous host ${different}/200 times`);
  });
}

test('unknown policy is a programming error', () => {
  assert.throws(() => createLoadBalancer('CLUSTER_PROVIDED' as LbPolicy, [], {}));
});

test('policy defaults to the options\' policy, then ROUND_ROBIN', () => {
  const hs = hosts(3);
  const lb = createLoadBalancer(undefined, hs, {}, seededRandom(1));
  const first = lb.pick()!;
  assert.equal(lb.pick(), hs[(hs.indexOf(first) + 1) % 3]);
});
