import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../common/clock.js';
import { ConfigErrors } from '../../common/errors.js';
import { decodeH2Keepalive, startH2Keepalive, type PingableSession } from './h2-keepalive.js';

function fakeSession() {
  const pings: ((err: Error | null, d: number, p: Buffer) => void)[] = [];
  const s = {
    closed: false,
    destroyed: false,
    pings,
    ping(cb: (err: Error | null, d: number, p: Buffer) => void) {
      pings.push(cb);
      return true;
    },
    destroy() {
      s.destroyed = true;
    },
  };
  return s satisfies PingableSession;
}

test('decodes connection_keepalive with Envoy defaults and rules', () => {
  const d = (k: object) => {
    const errs = new ConfigErrors();
    return { cfg: decodeH2Keepalive(k, 'k', errs), errors: errs.errors.map((e) => e.path) };
  };
  assert.deepEqual(d({ interval: { seconds: 30 }, timeout: { seconds: 5 } }), { cfg: { intervalMs: 30_000, timeoutMs: 5000, jitter: 0.15 }, errors: [] });
  assert.deepEqual(d({ interval: { seconds: 1 }, timeout: { seconds: 1 }, interval_jitter: { value: 0 } }).cfg?.jitter, 0);
  assert.deepEqual(d({ interval: { seconds: 1 } }).errors, ['k.timeout']);
  assert.deepEqual(d({ timeout: { seconds: 1 } }), { cfg: undefined, errors: [] }); // no interval: no PINGs
  assert.deepEqual(d({ interval: { seconds: 1 }, timeout: { seconds: 1 }, interval_jitter: { value: 150 } }).errors, ['k.interval_jitter.value']);
  assert.deepEqual(d({ interval: { seconds: 1 }, timeout: { seconds: 1 }, connection_idle_interval: { seconds: 1 } }).errors, ['k.connection_idle_interval']);
});

test('PINGs every interval (plus jitter) while answered; closes the session when one is not answered in time', () => {
  const clock = new ManualClock();
  const s = fakeSession();
  let timeouts = 0;
  const stop = startH2Keepalive(s, { intervalMs: 1000, timeoutMs: 300, jitter: 0.5 }, clock, () => 0.5, () => timeouts++);
  clock.advance(1249);
  assert.equal(s.pings.length, 0);
  clock.advance(1); // 1000 + 0.5 * 1000 * 0.5
  assert.equal(s.pings.length, 1);
  clock.advance(200);
  s.pings[0]!(null, 1, Buffer.alloc(8)); // acknowledged in time
  clock.advance(1249);
  assert.equal(s.pings.length, 1);
  clock.advance(1);
  assert.equal(s.pings.length, 2);
  clock.advance(299);
  assert.equal(s.destroyed, false);
  clock.advance(1); // not acknowledged within the timeout
  assert.equal(s.destroyed, true);
  assert.equal(timeouts, 1);
  clock.advance(10_000);
  assert.equal(s.pings.length, 2);
  assert.equal(timeouts, 1);
  stop();
});

test('stops with the session', () => {
  const clock = new ManualClock();
  const s = fakeSession();
  const stop = startH2Keepalive(s, { intervalMs: 100, timeoutMs: 100, jitter: 0 }, clock, () => 0, () => assert.fail('no timeout after stop'));
  clock.advance(100);
  assert.equal(s.pings.length, 1);
  stop();
  clock.advance(1000);
  assert.equal(s.pings.length, 1);
  assert.equal(s.destroyed, false);
  // A session that closed by itself is not pinged.
  const s2 = fakeSession();
  startH2Keepalive(s2, { intervalMs: 100, timeoutMs: 100, jitter: 0 }, clock, () => 0, () => assert.fail('closed'));
  s2.closed = true;
  clock.advance(1000);
  assert.equal(s2.pings.length, 0);
});
