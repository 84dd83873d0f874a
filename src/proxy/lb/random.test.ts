import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLoadBalancer } from './create-load-balancer.js';
import { countPicks, host, hosts, seededRandom } from './test-support.js';

test('uniform over healthy hosts, ignoring weights as Envoy does', () => {
  const hs = [host(1, { weight: 1 }), host(2, { weight: 9 }), host(3), host(4, { healthy: false })];
  const lb = createLoadBalancer('RANDOM', hs, {}, seededRandom(1));
  const c = countPicks(() => lb.pick(), 30_000);
  assert.equal(c.get(hs[3]!), undefined);
  for (const h of hs.slice(0, 3)) {
    const n = c.get(h)!;
    assert.ok(n > 9_500 && n < 10_500, `port ${h.port}: ${n}`);
  }
});

test('retry predicate: with one retry, a skipped host is still returned when re-picked', () => {
  const hs = hosts(2);
  const lb = createLoadBalancer('RANDOM', hs, {}, seededRandom(2));
  const skip = { shouldSkipHost: (h: typeof hs[0]) => h === hs[0] };
  const c = countPicks(() => lb.pick(skip), 10_000);
  // Default one re-selection: hs[0] only when both selections land on it (1/4).
  const share = c.get(hs[0]!)! / 10_000;
  assert.ok(share > 0.23 && share < 0.27, `skipped host share ${share}`);
  const c0 = countPicks(() => lb.pick({ ...skip, hostSelectionRetryCount: 0 }), 10_000);
  // No re-selection allowed: the predicate cannot change anything.
  const share0 = c0.get(hs[0]!)! / 10_000;
  assert.ok(share0 > 0.48 && share0 < 0.52, `share without retries ${share0}`);
});
