import test from 'node:test';
import assert from 'node:assert/strict';
import { createRuntimeEntry, RuntimeSnapshot } from '../runtime/runtime-snapshot.js';
import { runtimeConnectionLimits } from './runtime-connection-limits.js';
import { DEFAULT_CONNECTION_LIMITS, tooManyPrematureResets } from '../http/connection-limits.js';

test('premature-reset limits follow the runtime snapshot of the moment, with Envoy defaults when unset', () => {
  let snap = RuntimeSnapshot.EMPTY;
  const limits = runtimeConnectionLimits({ snapshot: () => snap });
  assert.equal(limits.prematureResetMinStreamLifetimeMs, DEFAULT_CONNECTION_LIMITS.prematureResetMinStreamLifetimeMs);
  assert.equal(limits.prematureResetTotalStreamCount, 500);
  assert.equal(tooManyPrematureResets(limits, 100, 60), false);
  snap = new RuntimeSnapshot(new Map([
    ['overload.premature_reset_total_stream_count', createRuntimeEntry('100')],
    ['overload.premature_reset_min_stream_lifetime_seconds', createRuntimeEntry('3')],
  ]));
  assert.equal(limits.prematureResetTotalStreamCount, 100);
  assert.equal(limits.prematureResetMinStreamLifetimeMs, 3000);
  // 60 of 100 closed streams premature: past half, so the connection is closed now.
  assert.equal(tooManyPrematureResets(limits, 100, 60), true);
});
