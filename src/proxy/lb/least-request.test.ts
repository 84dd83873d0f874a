import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLoadBalancer } from './create-load-balancer.js';
import { countPicks, host, hosts, seededRandom } from './test-support.js';

test('power of two choices: an idle host wins unless both samples are busy', () => {
  const busy = host(1, { activeRequests: 10 }), idle = host(2);
  const lb = createLoadBalancer('LEAST_REQUEST', [busy, idle], {}, seededRandom(1));
  const c = countPicks(() => lb.pick(), 10_000);
  // P(busy) = P(both samples busy) = 1/4.
  const share = c.get(idle)! / 10_000;
  assert.ok(share > 0.73 && share < 0.77, `idle share ${share}`);
});

test('choice_count N: more samples find the idle host almost always', () => {
  const hs = hosts(10, { activeRequests: 5 });
  hs[7]!.activeRequests = 0;
  const lb = createLoadBalancer('LEAST_REQUEST', hs, { choiceCount: 30 }, seededRandom(2));
  const c = countPicks(() => lb.pick(), 1000);
  // P(miss) = 0.9^30 ≈ 4%.
  assert.ok(c.get(hs[7]!)! > 930, `idle host got ${c.get(hs[7]!)}`);
});

test('active requests are read live at pick time', () => {
  const hs = hosts(2);
  const lb = createLoadBalancer('LEAST_REQUEST', hs, { choiceCount: 20 }, seededRandom(3));
  hs[0]!.activeRequests = 3;
  assert.equal(lb.pick(), hs[1]);
  hs[0]!.activeRequests = 0;
  hs[1]!.activeRequests = 3;
  assert.equal(lb.pick(), hs[0]);
});

test('unequal weights, idle hosts: EDF by weight (1:3 gives 25/75)', () => {
  const a = host(1, { weight: 1 }), b = host(2, { weight: 3 });
  const lb = createLoadBalancer('LEAST_REQUEST', [a, b], {}, seededRandom(4));
  const c = countPicks(() => lb.pick(), 10_000);
  assert.ok(Math.abs(c.get(a)! - 2500) <= 2, `a got ${c.get(a)}`);
});

test('unequal weights: weight / (active + 1)^bias moves load off a busy heavy host', () => {
  const light = host(1, { weight: 1 }), heavy = host(2, { weight: 3, activeRequests: 8 });
  const lb = createLoadBalancer('LEAST_REQUEST', [light, heavy], {}, seededRandom(5));
  const c = countPicks(() => lb.pick(), 10_000);
  // Effective weights 1 vs 3/9: the light host gets ~75%.
  const share = c.get(light)! / 10_000;
  assert.ok(share > 0.72 && share < 0.78, `light share ${share}`);

  const lb0 = createLoadBalancer('LEAST_REQUEST', [light, heavy], { activeRequestBias: 0 }, seededRandom(5));
  const c0 = countPicks(() => lb0.pick(), 10_000);
  // Bias 0 ignores active requests: plain weighted round robin.
  assert.ok(Math.abs(c0.get(light)! - 2500) <= 2, `light got ${c0.get(light)}`);
});

test('unhealthy hosts are never picked outside panic', () => {
  const hs = hosts(4);
  hs[2]!.healthy = false;
  hs[2]!.activeRequests = -1; // would always win if considered
  const lb = createLoadBalancer('LEAST_REQUEST', hs, {}, seededRandom(6));
  const c = countPicks(() => lb.pick(), 2000);
  assert.equal(c.get(hs[2]!), undefined);
});

test('retry predicate is honoured', () => {
  const hs = hosts(3);
  const lb = createLoadBalancer('LEAST_REQUEST', hs, {}, seededRandom(7));
  let got = 0;
  for (let i = 0; i < 500; i++) {
    if (lb.pick({ shouldSkipHost: (h) => h === hs[0], hostSelectionRetryCount: 10 }) === hs[0]) got++;
  }
  assert.equal(got, 0);
});
