import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigErrors } from '../../common/errors.js';
import { decodeOutlierDetection, OUTLIER_DEFAULTS } from './outlier-config.js';

describe('decodeOutlierDetection', () => {
  it('fills Envoy defaults for an empty message', () => {
    const errs = new ConfigErrors();
    const c = decodeOutlierDetection({}, 'od', errs)!;
    assert.equal(errs.issues.length, 0);
    assert.equal(c.consecutive5xx, 5);
    assert.equal(c.consecutiveGatewayFailure, 5);
    assert.equal(c.enforcingConsecutiveGatewayFailure, 0);
    assert.equal(c.enforcingConsecutive5xx, 100);
    assert.equal(c.intervalMs, 10_000);
    assert.equal(c.baseEjectionTimeMs, 30_000);
    assert.equal(c.maxEjectionTimeMs, 300_000);
    assert.equal(c.maxEjectionPercent, 10);
    assert.equal(c.successRateStdevFactor, 1.9);
    assert.equal(c.failurePercentageThreshold, 85);
    assert.equal(c.enforcingFailurePercentage, 0);
    assert.equal(c.splitExternalLocalOriginErrors, false);
    assert.equal(c.successfulActiveHealthCheckUnejectHost, true);
    assert.equal(c.alwaysEjectOneHost, OUTLIER_DEFAULTS.alwaysEjectOneHost);
  });

  it('reads every set field', () => {
    const errs = new ConfigErrors();
    const c = decodeOutlierDetection({
      consecutive_5xx: { value: 3 },
      interval: { seconds: 1 },
      base_ejection_time: { nanos: 500_000_000 },
      max_ejection_time: { seconds: 4 },
      max_ejection_time_jitter: { seconds: 1 },
      max_ejection_percent: { value: 50 },
      success_rate_stdev_factor: { value: 1000 },
      split_external_local_origin_errors: true,
      successful_active_health_check_uneject_host: { value: false },
      always_eject_one_host: { value: true },
    }, 'od', errs)!;
    assert.equal(errs.issues.length, 0);
    assert.equal(c.consecutive5xx, 3);
    assert.equal(c.intervalMs, 1000);
    assert.equal(c.baseEjectionTimeMs, 500);
    assert.equal(c.maxEjectionTimeMs, 4000);
    assert.equal(c.maxEjectionTimeJitterMs, 1000);
    assert.equal(c.maxEjectionPercent, 50);
    assert.equal(c.successRateStdevFactor, 1);
    assert.equal(c.splitExternalLocalOriginErrors, true);
    assert.equal(c.successfulActiveHealthCheckUnejectHost, false);
    assert.equal(c.alwaysEjectOneHost, true);
  });

  it('uses base_ejection_time as the cap when it exceeds the 300 s default', () => {
    const c = decodeOutlierDetection({ base_ejection_time: { seconds: 400 } }, 'od', new ConfigErrors())!;
    assert.equal(c.maxEjectionTimeMs, 400_000);
  });

  it('reports out-of-range percentages, bad durations and unsupported fields with their paths', () => {
    const errs = new ConfigErrors();
    decodeOutlierDetection({
      max_ejection_percent: { value: 101 },
      enforcing_success_rate: { value: 150 },
      interval: { seconds: 0 },
      base_ejection_time: { seconds: 10 },
      max_ejection_time: { seconds: 5 },
      monitors: [],
    }, 'c.outlier_detection', errs);
    const paths = errs.errors.map((e) => e.path).sort();
    assert.deepEqual(paths, [
      'c.outlier_detection.enforcing_success_rate',
      'c.outlier_detection.interval',
      'c.outlier_detection.max_ejection_percent',
      'c.outlier_detection.max_ejection_time',
      'c.outlier_detection.monitors',
    ]);
  });
});
