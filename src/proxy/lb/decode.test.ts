import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigErrors } from '../../common/errors.js';
import type { envoy_config_cluster_v3_Cluster } from '../../xds/gen/types.js';
import { LB_DEFAULTS } from './defaults.js';
import { decodeLbConfig, isPrime } from './decode.js';

function decode(c: envoy_config_cluster_v3_Cluster) {
  const errs = new ConfigErrors();
  const opts = decodeLbConfig(c, 'clusters[0]', errs);
  return { opts, errs, errorPaths: errs.errors.map((e) => e.path), warningPaths: errs.warnings.map((e) => e.path) };
}

test('an empty cluster gets Envoy\'s defaults', () => {
  const { opts, errs } = decode({ name: 'c' });
  assert.deepEqual(opts, LB_DEFAULTS);
  assert.equal(errs.issues.length, 0);
  assert.equal(opts.policy, 'ROUND_ROBIN');
  assert.equal(opts.choiceCount, 2);
  assert.equal(opts.maglevTableSize, 65537);
  assert.equal(opts.minimumRingSize, 1024);
  assert.equal(opts.maximumRingSize, 8_388_608);
  assert.equal(opts.healthyPanicThresholdPercent, 50);
});

test('reads every supported field', () => {
  const lr = decode({
    lb_policy: 'LEAST_REQUEST',
    least_request_lb_config: { choice_count: { value: 3 }, active_request_bias: { default_value: 0.5 } },
    common_lb_config: { healthy_panic_threshold: { value: 20.4 }, consistent_hashing_lb_config: { use_hostname_for_hashing: true } },
  });
  assert.equal(lr.errs.issues.length, 0, lr.errs.format());
  assert.equal(lr.opts.policy, 'LEAST_REQUEST');
  assert.equal(lr.opts.choiceCount, 3);
  assert.equal(lr.opts.activeRequestBias, 0.5);
  assert.equal(lr.opts.healthyPanicThresholdPercent, 20);
  assert.equal(lr.opts.useHostnameForHashing, true);

  const rh = decode({ lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: { value: 64 }, maximum_ring_size: { value: 4096 }, hash_function: 'XX_HASH' } });
  assert.equal(rh.errs.issues.length, 0, rh.errs.format());
  assert.equal(rh.opts.minimumRingSize, 64);
  assert.equal(rh.opts.maximumRingSize, 4096);

  const mg = decode({ lb_policy: 'MAGLEV', maglev_lb_config: { table_size: { value: 5_000_011 } } });
  assert.equal(mg.errs.issues.length, 0, mg.errs.format());
  assert.equal(mg.opts.maglevTableSize, 5_000_011);
});

test('refuses unsupported policies and sub-fields with their paths', () => {
  // CLUSTER_PROVIDED is decoded here and paired with ORIGINAL_DST by the cluster decoder.
  assert.deepEqual(decode({ lb_policy: 'CLUSTER_PROVIDED' }).errorPaths, []);
  assert.deepEqual(decode({ lb_policy: 'LOAD_BALANCING_POLICY_CONFIG' }).errorPaths, ['clusters[0].lb_policy']);
  assert.deepEqual(decode({ lb_policy: 'BOGUS' as 'RANDOM' }).errorPaths, ['clusters[0].lb_policy']);
  assert.deepEqual(
    decode({ lb_policy: 'ROUND_ROBIN', round_robin_lb_config: { slow_start_config: { min_weight_percent: { value: 101 } } } }).errorPaths,
    ['clusters[0].round_robin_lb_config.slow_start_config.min_weight_percent.value'],
  );
  assert.deepEqual(
    decode({ lb_policy: 'LEAST_REQUEST', least_request_lb_config: { slow_start_config: { slow_start_window: { seconds: 1 }, aggression: { default_value: 1, runtime_key: 'a' } } } }).errorPaths,
    [],
  );
  assert.deepEqual(
    decode({ lb_policy: 'RING_HASH', ring_hash_lb_config: { hash_function: 'MURMUR_HASH_2' } }).errorPaths,
    ['clusters[0].ring_hash_lb_config.hash_function'],
  );
  assert.deepEqual(
    decode({ common_lb_config: { zone_aware_lb_config: {}, update_merge_window: { seconds: 1 }, consistent_hashing_lb_config: { hash_balance_factor: { value: 150 } } } }).errorPaths,
    ['clusters[0].common_lb_config.zone_aware_lb_config', 'clusters[0].common_lb_config.update_merge_window',
      'clusters[0].common_lb_config.consistent_hashing_lb_config.hash_balance_factor'],
  );
});

test('validates values as Envoy does', () => {
  assert.deepEqual(
    decode({ lb_policy: 'LEAST_REQUEST', least_request_lb_config: { choice_count: { value: 1 } } }).errorPaths,
    ['clusters[0].least_request_lb_config.choice_count'],
  );
  assert.deepEqual(
    decode({ lb_policy: 'MAGLEV', maglev_lb_config: { table_size: { value: 65536 } } }).errorPaths,
    ['clusters[0].maglev_lb_config.table_size'],
  );
  assert.deepEqual(
    decode({ lb_policy: 'MAGLEV', maglev_lb_config: { table_size: { value: 5_000_101 } } }).errorPaths,
    ['clusters[0].maglev_lb_config.table_size'],
  );
  assert.deepEqual(
    decode({ lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: { value: 2048 }, maximum_ring_size: { value: 1024 } } }).errorPaths,
    ['clusters[0].ring_hash_lb_config.minimum_ring_size'],
  );
  assert.deepEqual(
    decode({ lb_policy: 'RING_HASH', ring_hash_lb_config: { maximum_ring_size: { value: 8_388_609 } } }).errorPaths,
    ['clusters[0].ring_hash_lb_config.maximum_ring_size'],
  );
  assert.deepEqual(
    decode({ common_lb_config: { healthy_panic_threshold: { value: 101 } } }).errorPaths,
    ['clusters[0].common_lb_config.healthy_panic_threshold.value'],
  );
  const zero = decode({ common_lb_config: { healthy_panic_threshold: {} } });
  assert.equal(zero.opts.healthyPanicThresholdPercent, 0, 'an empty Percent is 0%: panic disabled');
});

test('warns, without refusing, where Envoy accepts but weft cannot honour exactly', () => {
  const bias = decode({ lb_policy: 'LEAST_REQUEST', least_request_lb_config: { active_request_bias: { default_value: -1, runtime_key: 'k' } } });
  assert.equal(bias.errs.hasErrors, false);
  assert.deepEqual(bias.warningPaths, [
    'clusters[0].least_request_lb_config.active_request_bias.runtime_key',
    'clusters[0].least_request_lb_config.active_request_bias.default_value',
  ]);
  assert.equal(bias.opts.activeRequestBias, 1);

  const loc = decode({ common_lb_config: { locality_weighted_lb_config: {} } });
  assert.equal(loc.errs.hasErrors, false);
  assert.deepEqual(loc.warningPaths, ['clusters[0].common_lb_config.locality_weighted_lb_config']);

  const other = decode({ lb_policy: 'ROUND_ROBIN', ring_hash_lb_config: {} });
  assert.deepEqual(other.warningPaths, ['clusters[0].ring_hash_lb_config']);
});

test('at most one per-policy config block (Envoy\'s lb_config oneof)', () => {
  const r = decode({ lb_policy: 'RING_HASH', ring_hash_lb_config: {}, maglev_lb_config: {} });
  assert.deepEqual(r.errorPaths, ['clusters[0].maglev_lb_config']);
});

test('isPrime', () => {
  assert.deepEqual([1, 2, 3, 4, 7, 9, 65537, 65536, 5_000_011].map(isPrime), [false, true, true, false, true, false, true, false, true]);
});
