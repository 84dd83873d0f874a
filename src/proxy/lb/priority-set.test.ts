import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PrioritySet } from './priority-set.js';
import { hosts } from './test-support.js';
import type { LbHost } from './types.js';

/** `total` hosts at `priority`, the first `healthy` of them healthy. */
function level(priority: number, total: number, healthy: number): LbHost[] {
  return hosts(total, { priority }, 1000 * (priority + 1)).map((h, i) => ({ ...h, healthy: i < healthy }));
}

function loadOf(set: PrioritySet): number[] {
  return Array.from(set.load);
}

test('a healthy P0 takes all traffic', () => {
  const set = new PrioritySet([...level(0, 10, 10), ...level(1, 10, 10)], 140, 50);
  assert.deepEqual(loadOf(set), [100, 0]);
});

test('load spills to P1 by health score × 1.4 (Envoy docs table, P1 fully healthy)', () => {
  const cases: [number, [number, number]][] = [
    [100, [100, 0]],
    [72, [100, 0]],
    [71, [99, 1]],
    [50, [70, 30]],
    [25, [35, 65]],
    [0, [0, 100]],
  ];
  for (const [healthyP0, expected] of cases) {
    const set = new PrioritySet([...level(0, 100, healthyP0), ...level(1, 100, 100)], 140, 50);
    assert.deepEqual(loadOf(set), expected, `P0 ${healthyP0}% healthy`);
    // Total health is 100%, so neither level panics even when P0 is below the threshold.
    assert.deepEqual(Array.from(set.panic), [0, 0], `P0 ${healthyP0}% healthy`);
  }
});

test('below 100% total health, loads are normalized and a level under the threshold panics', () => {
  // P0 10% healthy (score 14), P1 50% healthy (score 70): total 84 → 16/83, +1 rounding to P0.
  const set = new PrioritySet([...level(0, 100, 10), ...level(1, 100, 50)], 140, 50);
  assert.deepEqual(loadOf(set), [17, 83]);
  assert.deepEqual(Array.from(set.panic), [1, 0]);
});

test('total health below the panic threshold spreads load by host count (total panic)', () => {
  const set = new PrioritySet([...level(0, 10, 0), ...level(1, 30, 0)], 140, 50);
  assert.deepEqual(loadOf(set), [25, 75]);
  assert.deepEqual(Array.from(set.panic), [1, 1]);
});

test('a single level under the threshold panics but keeps all the load', () => {
  const set = new PrioritySet(level(0, 10, 3), 140, 50);
  assert.deepEqual(loadOf(set), [100]);
  assert.deepEqual(Array.from(set.panic), [1]);
});

test('panic threshold 0 disables panic: nothing healthy means P0 with no usable hosts', () => {
  const set = new PrioritySet([...level(0, 4, 0), ...level(1, 4, 0)], 140, 0);
  assert.deepEqual(loadOf(set), [100, 0]);
  assert.deepEqual(Array.from(set.panic), [0, 0]);
});

test('overprovisioning factor 100 makes the spill linear', () => {
  const set = new PrioritySet([...level(0, 10, 8), ...level(1, 10, 10)], 100, 50);
  assert.deepEqual(loadOf(set), [80, 20]);
});

test('refresh() picks up health flipped in place and recomputes', () => {
  const hs = [...level(0, 10, 10), ...level(1, 10, 10)];
  const set = new PrioritySet(hs, 140, 50);
  const v = set.levels[0]!.healthyVersion;
  for (let i = 0; i < 5; i++) hs[i]!.healthy = false;
  set.refresh();
  assert.deepEqual(loadOf(set), [70, 30]);
  assert.equal(set.levels[0]!.healthy.length, 5);
  assert.equal(set.levels[0]!.healthyVersion, v + 1);
  set.refresh(); // nothing changed: no new version
  assert.equal(set.levels[0]!.healthyVersion, v + 1);
});

test('choosePriority walks cumulative load with buckets 0..99', () => {
  const set = new PrioritySet([...level(0, 100, 50), ...level(1, 100, 100)], 140, 50);
  assert.equal(set.choosePriority(0), 0);
  assert.equal(set.choosePriority(69), 0);
  assert.equal(set.choosePriority(70), 1);
  assert.equal(set.choosePriority(99), 1);
});

test('empty priority levels in between get no load', () => {
  const set = new PrioritySet([...level(0, 2, 0), ...level(2, 2, 2)], 140, 50);
  assert.equal(set.levels.length, 3);
  assert.deepEqual(loadOf(set), [0, 0, 100]);
});
