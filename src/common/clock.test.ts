import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock, setLongTimer } from './clock.js';

describe('setLongTimer', () => {
  it('fires after delays beyond a Node timer\'s 2^31-1 ms, not before; cancel stops it at any step', () => {
    const c = new ManualClock();
    const ninetyDays = 90 * 24 * 3600_000;
    let fired = 0;
    setLongTimer(c, ninetyDays, () => fired++);
    c.advance(ninetyDays - 1);
    assert.equal(fired, 0);
    c.advance(1);
    assert.equal(fired, 1);
    const h = setLongTimer(c, ninetyDays, () => fired++);
    c.advance(2 ** 31);
    h.cancel();
    c.advance(ninetyDays);
    assert.equal(fired, 1);
    assert.equal(c.pendingTimers, 0);
  });
});
