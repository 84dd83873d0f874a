import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDurationMs } from '../model/duration.js';
import { durationFromMs, integerToFractional, percentToFractional } from './proto-helpers.js';

test('parseDurationMs reads Istio duration strings (Go and protobuf JSON forms)', () => {
  const cases: [string | undefined, number | undefined][] = [
    ['10s', 10_000], ['1.5s', 1500], ['5m', 300_000], ['3m', 180_000], ['1h30m', 5_400_000], ['100ms', 100],
    ['0s', 0], ['0', 0], ['250us', 0.25], ['7s', 7000], ['.5s', 500],
    ['', undefined], ['10', undefined], ['ten seconds', undefined], ['5x', undefined], [undefined, undefined],
  ];
  for (const [input, want] of cases) assert.equal(parseDurationMs(input), want, `parseDurationMs(${JSON.stringify(input)})`);
});

test('durationFromMs splits seconds and nanos', () => {
  assert.deepEqual(durationFromMs(0), { seconds: 0, nanos: 0 });
  assert.deepEqual(durationFromMs(1500), { seconds: 1, nanos: 500_000_000 });
  assert.deepEqual(durationFromMs(120_000), { seconds: 120, nanos: 0 });
});

test('percentages convert as Istio does: Percent per MILLION, integers per HUNDRED (canonical zero values left out)', () => {
  assert.deepEqual(percentToFractional(100), { numerator: 1_000_000, denominator: 'MILLION' });
  assert.deepEqual(percentToFractional(0.1), { numerator: 1000, denominator: 'MILLION' });
  assert.deepEqual(percentToFractional(0), { denominator: 'MILLION' });
  assert.deepEqual(integerToFractional(50), { numerator: 50 });
  assert.deepEqual(integerToFractional(0), {});
});
