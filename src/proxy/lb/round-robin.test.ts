import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLoadBalancer } from './create-load-balancer.js';
import { countPicks, allocatedBytes, host, hosts, seededRandom } from './test-support.js';

test('equal weights: every host once per cycle, in order, from a random start', () => {
  const hs = hosts(5);
  const lb = createLoadBalancer('ROUND_ROBIN', hs, {}, seededRandom(1));
  const first = lb.pick()!;
  const start = hs.indexOf(first);
  for (let i = 1; i < 15; i++) assert.equal(lb.pick(), hs[(start + i) % 5]);
});

test('weights 1:3 give 25/75 over 10k picks (EDF)', () => {
  const a = host(1, { weight: 1 }), b = host(2, { weight: 3 });
  const lb = createLoadBalancer('ROUND_ROBIN', [a, b], {}, seededRandom(2));
  const c = countPicks(() => lb.pick(), 10_000);
  // EDF is deterministic: within one pick of the exact share.
  assert.ok(Math.abs(c.get(a)! - 2500) <= 1, `a got ${c.get(a)}`);
  assert.ok(Math.abs(c.get(b)! - 7500) <= 1, `b got ${c.get(b)}`);
});

test('unhealthy hosts are skipped, read at pick time without update()', () => {
  const hs = hosts(4);
  const lb = createLoadBalancer('ROUND_ROBIN', hs, {}, seededRandom(3));
  hs[1]!.healthy = false;
  const c = countPicks(() => lb.pick(), 300);
  assert.equal(c.get(hs[1]!), undefined);
  for (const h of [hs[0]!, hs[2]!, hs[3]!]) assert.equal(c.get(h), 100);
  hs[1]!.healthy = true;
  const c2 = countPicks(() => lb.pick(), 400);
  for (const h of hs) assert.equal(c2.get(h), 100);
});

test('panic: under the threshold, unhealthy hosts get traffic too', () => {
  const hs = hosts(4);
  hs[0]!.healthy = hs[1]!.healthy = hs[2]!.healthy = false; // 25% healthy < 50%
  const lb = createLoadBalancer('ROUND_ROBIN', hs, {}, seededRandom(4));
  const c = countPicks(() => lb.pick(), 400);
  for (const h of hs) assert.equal(c.get(h), 100);
});

test('no hosts, or none healthy with panic disabled, picks nothing', () => {
  assert.equal(createLoadBalancer('ROUND_ROBIN', [], {}, seededRandom(5)).pick(), undefined);
  const hs = hosts(2, { healthy: false });
  assert.equal(createLoadBalancer('ROUND_ROBIN', hs, { healthyPanicThresholdPercent: 0 }, seededRandom(5)).pick(), undefined);
});

test('retry predicate: a rejected host is replaced by the next one', () => {
  const hs = hosts(3);
  const lb = createLoadBalancer('ROUND_ROBIN', hs, {}, seededRandom(6));
  const previous = new Set([hs[0]!, hs[1]!]);
  for (let i = 0; i < 10; i++) {
    const h = lb.pick({ shouldSkipHost: (x) => previous.has(x), hostSelectionRetryCount: 5 });
    assert.equal(h, hs[2]);
  }
});

test('update() replaces the host set', () => {
  const lb = createLoadBalancer('ROUND_ROBIN', hosts(2), {}, seededRandom(7));
  const next = hosts(3, {}, 9000);
  lb.update(next);
  const c = countPicks(() => lb.pick(), 30);
  assert.deepEqual([...c.keys()].sort((x, y) => x!.port - y!.port), next);
});

test('picks allocate nothing (ROUND_ROBIN, LEAST_REQUEST, RANDOM; weighted and not)', async () => {
  const weighted = [host(1, { weight: 1 }), host(2, { weight: 2 }), host(3, { weight: 5 })];
  for (const policy of ['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM'] as const) {
    for (const hs of [weighted, hosts(3)]) {
      const lb = createLoadBalancer(policy, hs, {}); // default generator, as in production
      const bytes = await allocatedBytes(() => lb.pick(), 300_000);
      // One 16-byte object per pick would be ~4.8 MB.
      assert.ok(bytes < 100_000, `${policy}: ${bytes} bytes allocated by 300k picks`);
    }
  }
});

test('the allocation check itself detects a pick that allocates', async () => {
  const lb = createLoadBalancer('ROUND_ROBIN', hosts(3), {}, Math.random); // boxed doubles per call
  const bytes = await allocatedBytes(() => lb.pick(), 300_000);
  assert.ok(bytes > 1_000_000, `only ${bytes} bytes seen`);
});
