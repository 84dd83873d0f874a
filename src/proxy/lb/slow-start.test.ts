import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../common/clock.js';
import { createLoadBalancer } from './create-load-balancer.js';
import { slowStartFactor } from './slow-start.js';
import { countPicks, host, seededRandom } from './test-support.js';
import type { LbPolicy, SlowStartConfig } from './types.js';

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) < eps, `${a} != ${b}`);

test("the weight factor follows Envoy's formula: max(MinWeightPercent, TimeFactor^(1/Aggression))", () => {
  const linear: SlowStartConfig = { windowMs: 10_000, aggression: 1, minWeight: 0.1 };
  close(slowStartFactor(0, linear), 0.1); // max(t, 1 s) / window = 0.1
  close(slowStartFactor(500, linear), 0.1);
  close(slowStartFactor(2_000, linear), 0.2);
  close(slowStartFactor(5_000, linear), 0.5);
  close(slowStartFactor(9_999, linear), 0.9999);
  close(slowStartFactor(10_000, linear), 1);
  close(slowStartFactor(60_000, linear), 1);
  // Aggression 2 ramps faster early: (t/w)^(1/2).
  const fast: SlowStartConfig = { windowMs: 10_000, aggression: 2, minWeight: 0.1 };
  close(slowStartFactor(2_500, fast), 0.5);
  close(slowStartFactor(6_400, fast), 0.8);
  // Aggression 0.5 ramps slowly: (t/w)^2, floored by min_weight_percent.
  const slow: SlowStartConfig = { windowMs: 10_000, aggression: 0.5, minWeight: 0.1 };
  close(slowStartFactor(5_000, slow), 0.25);
  close(slowStartFactor(2_000, slow), 0.1); // 0.04 < 10 %
  close(slowStartFactor(2_000, { ...slow, minWeight: 0 }), 0.04);
  // A window under a second: the factor never exceeds 1.
  close(slowStartFactor(100, { windowMs: 500, aggression: 1, minWeight: 0.1 }), 1);
});

function run(policy: LbPolicy) {
  const clock = new ManualClock();
  clock.advance(100_000);
  const old = host(8000, { slowStartFrom: 0 });
  const fresh = host(8001, { slowStartFrom: clock.now() });
  const lb = createLoadBalancer(policy, [old, fresh], { slowStart: { windowMs: 10_000, aggression: 1, minWeight: 0.1 } }, seededRandom(7), () => clock.now());
  const share = (n: number) => {
    const c = countPicks(() => lb.pick(), n);
    return (c.get(fresh) ?? 0) / ((c.get(old) ?? 0) + (c.get(fresh) ?? 0));
  };
  return { clock, share };
}

for (const policy of ['ROUND_ROBIN', 'LEAST_REQUEST'] as const) {
  test(`${policy}: a new host's share of traffic ramps up over slow_start_window (ManualClock)`, () => {
    const { clock, share } = run(policy);
    // weights 1 : 0.1 → the new host gets 0.1 / 1.1 of the picks.
    close(share(1100), 0.1 / 1.1, 0.01);
    clock.advance(5_000); // 1 : 0.5
    close(share(3000), 0.5 / 1.5, 0.01);
    clock.advance(3_000); // 1 : 0.8
    close(share(3600), 0.8 / 1.8, 0.01);
    clock.advance(2_000); // out of the window: equal
    close(share(2000), 0.5, 0.01);
  });
}

test('without slow_start_config, or once every host is out of the window, picks are plain round robin', () => {
  const clock = new ManualClock();
  const a = host(8000, { slowStartFrom: 0 });
  const b = host(8001, { slowStartFrom: 0 });
  const lb = createLoadBalancer('ROUND_ROBIN', [a, b], {}, seededRandom(1), () => clock.now());
  const first = lb.pick();
  assert.notEqual(lb.pick(), first);
  assert.equal(lb.pick(), first);
});
