import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONNECTION_LIMITS, tooManyPrematureResets } from './connection-limits.js';

describe('tooManyPrematureResets (Envoy rule, total stream count 500)', () => {
  const cases: [closed: number, premature: number, expected: boolean][] = [
    [0, 0, false],
    [10, 0, false],
    [249, 249, false], // under half of 500 so far
    [250, 250, true], // can never get under 50% once 500 streams are counted
    [400, 249, false],
    [499, 250, true],
    [500, 249, false], // past 500: the share decides
    [500, 250, true],
    [1000, 499, false],
    [1000, 500, true],
  ];
  for (const [closed, premature, expected] of cases) {
    it(`${premature} premature of ${closed} closed → ${expected ? 'close' : 'keep'}`, () => {
      assert.equal(tooManyPrematureResets(DEFAULT_CONNECTION_LIMITS, closed, premature), expected);
    });
  }

  it('a smaller total stream count applies earlier', () => {
    const limits = { ...DEFAULT_CONNECTION_LIMITS, prematureResetTotalStreamCount: 10 };
    assert.equal(tooManyPrematureResets(limits, 4, 4), false);
    assert.equal(tooManyPrematureResets(limits, 5, 5), true);
  });
});
