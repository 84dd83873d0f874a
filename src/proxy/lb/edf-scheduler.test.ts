import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EdfScheduler } from './edf-scheduler.js';
import { host } from './test-support.js';

test('picks in exact proportion to weight, interleaved', () => {
  const a = host(1, { weight: 1 }), b = host(2, { weight: 3 });
  const s = new EdfScheduler([a, b]);
  // Deadlines: b at 1/3 and 2/3, then a and b tie at 1 and a (added first) wins.
  assert.deepEqual(Array.from({ length: 3 }, () => s.pickAndAdd()!.port), [2, 2, 1]);
  let countA = 1, run = 0, longestRunOfB = 0;
  for (let i = 0; i < 3997; i++) {
    if (s.pickAndAdd() === a) {
      countA++;
      run = 0;
    } else longestRunOfB = Math.max(longestRunOfB, ++run);
  }
  assert.equal(countA, 1000);
  // Smooth interleaving: never a burst of b much longer than its 3:1 share.
  assert.ok(longestRunOfB <= 4, `longest run of b ${longestRunOfB}`);
});

test('equal weights give plain round robin in host order', () => {
  const hs = [host(1), host(2), host(3)];
  const s = new EdfScheduler(hs);
  assert.deepEqual(Array.from({ length: 6 }, () => s.pickAndAdd()!.port), [1, 2, 3, 1, 2, 3]);
});

test('with a bias, active requests are re-read for the picked host and shift the schedule', () => {
  const a = host(1), b = host(2);
  const s = new EdfScheduler([a, b], 1);
  a.activeRequests = 99; // weight 1/100 once a has been picked again
  assert.equal(s.pickAndAdd(), a);
  let picksA = 0;
  for (let i = 0; i < 50; i++) if (s.pickAndAdd() === a) picksA++;
  assert.equal(picksA, 0);
  const plain = new EdfScheduler([a, b]); // bias 0: active requests ignored
  let plainA = 0;
  for (let i = 0; i < 50; i++) if (plain.pickAndAdd() === a) plainA++;
  assert.equal(plainA, 25);
});

test('an empty scheduler picks nothing', () => {
  assert.equal(new EdfScheduler([]).pickAndAdd(), undefined);
});
