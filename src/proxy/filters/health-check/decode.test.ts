import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CFG, ConfigErrors } from '../../../common/errors.js';
import { decodeHealthCheck, HEALTH_CHECK_TYPE_URL } from './decode.js';

test('HealthCheck: pass_through_mode, headers, cache_time, percentages', () => {
  const errs = new ConfigErrors();
  const s = decodeHealthCheck({
    '@type': HEALTH_CHECK_TYPE_URL,
    pass_through_mode: { value: true },
    cache_time: { seconds: 2 },
    headers: [{ name: ':path', string_match: { exact: '/healthz' } }],
    cluster_min_healthy_percentages: { a: { value: 50 } },
  } as never, 'h', errs)!;
  assert.deepEqual(errs.errors, []);
  assert.equal(s.passThroughMode, true);
  assert.equal(s.cacheTimeMs, 2000);
  assert.equal(s.headers.length, 1);
  assert.deepEqual([...s.clusterMinHealthyPercentages], [['a', 50]]);
});

test('HealthCheck: pass_through_mode required, cache_time needs pass-through, percentages in [0, 100]', () => {
  const errs = new ConfigErrors();
  assert.equal(decodeHealthCheck({ '@type': HEALTH_CHECK_TYPE_URL, cache_time: { seconds: 1 }, cluster_min_healthy_percentages: { a: { value: 150 } } } as never, 'h', errs), undefined);
  assert.deepEqual(errs.errors.map((e) => [e.code, e.path]), [
    [CFG.REQUIRED, 'h.pass_through_mode'],
    [CFG.CONFLICT, 'h.cache_time'],
    [CFG.INVALID_VALUE, 'h.cluster_min_healthy_percentages["a"].value'],
  ]);
});
