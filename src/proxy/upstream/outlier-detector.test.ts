import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../common/clock.js';
import { ConfigErrors } from '../../common/errors.js';
import { LogRegistry } from '../../common/log.js';
import { StatsStore } from '../../stats/index.js';
import type { envoy_config_cluster_v3_OutlierDetection } from '../../xds/gen/types.js';
import { UpstreamHost } from './host.js';
import { decodeOutlierDetection } from './outlier-config.js';
import { OutlierDetector, type OutlierCluster } from './outlier-detector.js';

interface Fixture {
  clock: ManualClock;
  stats: StatsStore;
  cluster: OutlierCluster & { hosts: UpstreamHost[]; changes: number };
  od: OutlierDetector;
  stat(name: string): number;
}

function setup(n: number, proto: envoy_config_cluster_v3_OutlierDetection, random = () => 0.5): Fixture {
  const clock = new ManualClock();
  const stats = new StatsStore();
  const hosts = Array.from({ length: n }, (_, i) => new UpstreamHost(`10.0.0.${i + 1}`, 80, 1, 0, '', `10.0.0.${i + 1}`, true));
  const cluster = {
    hosts,
    statPrefix: 'cluster.c.',
    config: { name: 'c' },
    changes: 0,
    onHealthChanged() {
      this.changes++;
    },
  };
  const errs = new ConfigErrors();
  const cfg = decodeOutlierDetection(proto, 'od', errs)!;
  assert.equal(errs.issues.length, 0, errs.format());
  const od = new OutlierDetector(cluster, cfg, { clock, random, stats, log: new LogRegistry('off').logger('t') });
  const stat = (name: string) => {
    const full = 'cluster.c.outlier_detection.' + name;
    return (stats.findCounter(full) ?? stats.findGauge(full))!.value;
  };
  return { clock, stats, cluster, od, stat };
}

const s = (n: number) => ({ seconds: n });
const v = (n: number) => ({ value: n });

function put(od: OutlierDetector, h: UpstreamHost, status: number, times: number): void {
  for (let i = 0; i < times; i++) od.putHttpResult(h, status);
}

describe('OutlierDetector: consecutive errors', () => {
  it('ejects a host at the 5th consecutive 5xx and returns it at the first sweep after base_ejection_time', () => {
    const f = setup(2, { max_ejection_percent: v(100) });
    const [a, b] = f.cluster.hosts as [UpstreamHost, UpstreamHost];
    put(f.od, a, 500, 4);
    assert.equal(a.healthy, true);
    f.od.putHttpResult(a, 500);
    assert.equal(a.healthy, false);
    assert.ok(a.healthFlags.has('failed_outlier_check'));
    assert.equal(b.healthy, true);
    assert.equal(f.cluster.changes, 1);
    assert.equal(f.stat('ejections_active'), 1);
    assert.equal(f.stat('ejections_enforced_total'), 1);
    assert.equal(f.stat('ejections_detected_consecutive_5xx'), 1);
    assert.equal(f.stat('ejections_enforced_consecutive_5xx'), 1);
    assert.equal(f.stat('ejections_total'), 1);
    // Ejected at t=0 for 30 s; sweeps every 10 s: still out at 20 s, back at the 30 s sweep.
    f.clock.advance(29_999);
    assert.equal(a.healthy, false);
    f.clock.advance(1);
    assert.equal(a.healthy, true);
    assert.equal(a.healthFlags.size, 0);
    assert.equal(f.stat('ejections_active'), 0);
    assert.equal(f.cluster.changes, 2);
  });

  it('unejects only at a sweep, not the moment the ejection time passes', () => {
    const f = setup(2, { max_ejection_percent: v(100) });
    const a = f.cluster.hosts[0]!;
    f.clock.advance(3000);
    put(f.od, a, 503, 5);
    assert.equal(a.healthy, false);
    f.clock.advance(30_000); // t = 33 s: ejection over, but the next sweep is at 40 s
    assert.equal(a.healthy, false);
    f.clock.advance(7000);
    assert.equal(a.healthy, true);
  });

  it('a success in between resets the count', () => {
    const f = setup(2, { max_ejection_percent: v(100) });
    const a = f.cluster.hosts[0]!;
    put(f.od, a, 500, 4);
    f.od.putHttpResult(a, 200);
    put(f.od, a, 500, 4);
    assert.equal(a.healthy, true);
    f.od.putHttpResult(a, 500);
    assert.equal(a.healthy, false);
  });

  it('ejection time grows with each ejection, is capped by max_ejection_time, and shrinks while the host stays healthy', () => {
    const f = setup(2, { max_ejection_percent: v(100), interval: s(1), base_ejection_time: s(10), max_ejection_time: s(25) });
    const a = f.cluster.hosts[0]!;
    const ejectAndTime = (): number => {
      put(f.od, a, 500, 5);
      assert.equal(a.healthy, false);
      let t = 0;
      while (!a.healthy) {
        f.clock.advance(1000);
        t += 1000;
      }
      return t;
    };
    assert.equal(ejectAndTime(), 10_000);
    assert.equal(ejectAndTime(), 20_000);
    assert.equal(ejectAndTime(), 25_000); // 30 s capped at 25 s
    assert.equal(f.od.numEjections(a), 3);
    // Healthy for 10 sweeps: the multiplier decays back to zero, so the next ejection is base again.
    f.clock.advance(10_000);
    assert.equal(ejectAndTime(), 10_000);
  });

  it('adds at most max_ejection_time_jitter to the ejection time', () => {
    const f = setup(2, { max_ejection_percent: v(100), interval: s(1), base_ejection_time: s(10), max_ejection_time_jitter: s(4) }, () => 0.99);
    const a = f.cluster.hosts[0]!;
    put(f.od, a, 500, 5);
    f.clock.advance(13_000);
    assert.equal(a.healthy, false);
    f.clock.advance(1000); // 10 s + floor(0.99 × 4001) ms = 13.96 s
    assert.equal(a.healthy, true);
  });

  it('counts gateway failures (502/503/504) but enforces them only when enforcing_consecutive_gateway_failure is set', () => {
    const f = setup(2, { max_ejection_percent: v(100), consecutive_5xx: v(100) });
    const a = f.cluster.hosts[0]!;
    put(f.od, a, 502, 5);
    assert.equal(a.healthy, true);
    assert.equal(f.stat('ejections_detected_consecutive_gateway_failure'), 1);
    assert.equal(f.stat('ejections_enforced_consecutive_gateway_failure'), 0);
    assert.equal(f.stat('ejections_total'), 1);

    const g = setup(2, { max_ejection_percent: v(100), consecutive_5xx: v(100), enforcing_consecutive_gateway_failure: v(100) });
    const b = g.cluster.hosts[0]!;
    put(g.od, b, 504, 4);
    g.od.putHttpResult(b, 500); // not a gateway error: resets that count
    put(g.od, b, 503, 4);
    assert.equal(b.healthy, true);
    g.od.putHttpResult(b, 502);
    assert.equal(b.healthy, false);
    assert.equal(g.stat('ejections_enforced_consecutive_gateway_failure'), 1);
  });

  it('enforcing_consecutive_5xx is a chance, rolled with the injected random source', () => {
    const never = setup(2, { max_ejection_percent: v(100), enforcing_consecutive_5xx: v(30) }, () => 0.5);
    put(never.od, never.cluster.hosts[0]!, 500, 5);
    assert.equal(never.cluster.hosts[0]!.healthy, true);
    assert.equal(never.stat('ejections_detected_consecutive_5xx'), 1);
    const always = setup(2, { max_ejection_percent: v(100), enforcing_consecutive_5xx: v(30) }, () => 0.1);
    put(always.od, always.cluster.hosts[0]!, 500, 5);
    assert.equal(always.cluster.hosts[0]!.healthy, false);
  });
});

describe('OutlierDetector: max_ejection_percent', () => {
  it('ejects one of ten hosts at the 10% default and refuses the second (ejections_overflow)', () => {
    const f = setup(10, {});
    const [a, b] = f.cluster.hosts as [UpstreamHost, UpstreamHost];
    put(f.od, a, 500, 5);
    put(f.od, b, 500, 5);
    assert.equal(a.healthy, false);
    assert.equal(b.healthy, true);
    assert.equal(f.stat('ejections_overflow'), 1);
    assert.equal(f.stat('ejections_active'), 1);
  });

  it('ejects nothing from a 3-host cluster at 10% unless always_eject_one_host', () => {
    const f = setup(3, {});
    put(f.od, f.cluster.hosts[0]!, 500, 5);
    assert.equal(f.cluster.hosts[0]!.healthy, true);
    assert.equal(f.stat('ejections_overflow'), 1);

    const g = setup(3, { always_eject_one_host: { value: true } });
    put(g.od, g.cluster.hosts[0]!, 500, 5);
    put(g.od, g.cluster.hosts[1]!, 500, 5);
    assert.equal(g.cluster.hosts[0]!.healthy, false);
    assert.equal(g.cluster.hosts[1]!.healthy, true);
    assert.equal(g.stat('ejections_overflow'), 1);
  });

  it('allows ejections up to the percentage (2 of 4 at 50%)', () => {
    const f = setup(4, { max_ejection_percent: v(50) });
    for (const h of f.cluster.hosts) put(f.od, h, 500, 5);
    assert.deepEqual(f.cluster.hosts.map((h) => h.healthy), [false, false, true, true]);
    assert.equal(f.stat('ejections_overflow'), 2);
  });
});

describe('OutlierDetector: success rate and failure percentage', () => {
  it('ejects a host whose success rate is below mean − 1.9 × stdev, at the interval sweep', () => {
    const f = setup(5, { max_ejection_percent: v(100), consecutive_5xx: v(1000) });
    const hosts = f.cluster.hosts;
    for (let i = 0; i < 4; i++) put(f.od, hosts[i]!, 200, 100);
    put(f.od, hosts[4]!, 200, 50);
    put(f.od, hosts[4]!, 500, 50);
    assert.equal(hosts[4]!.healthy, true); // nothing happens between sweeps
    f.clock.advance(10_000);
    // Rates 100,100,100,100,50: mean 90, stdev 20, threshold 90 − 38 = 52.
    assert.equal(f.od.successRateAverage(), 90);
    assert.ok(Math.abs(f.od.successRateEjectionThreshold() - 52) < 1e-9);
    assert.equal(f.od.hostSuccessRate(hosts[4]!), 50);
    assert.deepEqual(hosts.map((h) => h.healthy), [true, true, true, true, false]);
    assert.equal(f.stat('ejections_detected_success_rate'), 1);
    assert.equal(f.stat('ejections_enforced_success_rate'), 1);
  });

  it('needs success_rate_request_volume per host and success_rate_minimum_hosts hosts', () => {
    const f = setup(5, { max_ejection_percent: v(100), consecutive_5xx: v(1000) });
    const hosts = f.cluster.hosts;
    for (let i = 0; i < 3; i++) put(f.od, hosts[i]!, 200, 100);
    put(f.od, hosts[3]!, 200, 99); // below the volume: not counted
    put(f.od, hosts[4]!, 500, 100);
    f.clock.advance(10_000);
    assert.equal(hosts[4]!.healthy, true);
    assert.equal(f.od.successRateAverage(), -1);
    assert.equal(f.stat('ejections_detected_success_rate'), 0);
  });

  it('analyses each interval on its own: last interval\'s failures do not count in the next one', () => {
    const f = setup(5, { max_ejection_percent: v(100), consecutive_5xx: v(1000) });
    const hosts = f.cluster.hosts;
    put(f.od, hosts[4]!, 500, 100);
    f.clock.advance(10_000); // only one host had volume
    for (let i = 0; i < 5; i++) put(f.od, hosts[i]!, 200, 100);
    f.clock.advance(10_000);
    assert.equal(hosts[4]!.healthy, true);
    assert.equal(f.od.successRateAverage(), 100);
  });

  it('failure percentage: detected at the threshold, enforced only with enforcing_failure_percentage', () => {
    const proto = { max_ejection_percent: v(100), consecutive_5xx: v(1000), enforcing_success_rate: v(0) };
    const off = setup(5, proto);
    for (let i = 0; i < 4; i++) put(off.od, off.cluster.hosts[i]!, 200, 50);
    put(off.od, off.cluster.hosts[4]!, 200, 7);
    put(off.od, off.cluster.hosts[4]!, 500, 43); // 86% failures
    off.clock.advance(10_000);
    assert.equal(off.cluster.hosts[4]!.healthy, true);
    assert.equal(off.stat('ejections_detected_failure_percentage'), 1);
    assert.equal(off.stat('ejections_enforced_failure_percentage'), 0);

    const on = setup(5, { ...proto, enforcing_failure_percentage: v(100) });
    for (let i = 0; i < 4; i++) put(on.od, on.cluster.hosts[i]!, 200, 50);
    put(on.od, on.cluster.hosts[3]!, 500, 40); // 44% failures: below 85
    put(on.od, on.cluster.hosts[4]!, 200, 7);
    put(on.od, on.cluster.hosts[4]!, 500, 43);
    on.clock.advance(10_000);
    assert.deepEqual(on.cluster.hosts.map((h) => h.healthy), [true, true, true, true, false]);
    assert.equal(on.stat('ejections_enforced_failure_percentage'), 1);
  });
});

describe('OutlierDetector: local-origin errors', () => {
  it('without split, connect failures count as 503 and timeouts as 504 toward consecutive_5xx', () => {
    const f = setup(2, { max_ejection_percent: v(100) });
    const a = f.cluster.hosts[0]!;
    f.od.putLocalOrigin(a, 'connect_failed');
    f.od.putLocalOrigin(a, 'reset');
    f.od.putLocalOrigin(a, 'success'); // a connection, not a response: not counted
    f.od.putLocalOrigin(a, 'timeout');
    f.od.putLocalOrigin(a, 'connect_failed');
    assert.equal(a.healthy, true);
    f.od.putLocalOrigin(a, 'timeout');
    assert.equal(a.healthy, false);
    assert.equal(f.stat('ejections_enforced_consecutive_5xx'), 1);
    assert.equal(f.stat('ejections_detected_consecutive_gateway_failure'), 1);
    assert.equal(f.stat('ejections_detected_consecutive_local_origin_failure'), 0);
  });

  it('with split, local-origin failures have their own counter and 5xx responses theirs', () => {
    const f = setup(2, { max_ejection_percent: v(100), split_external_local_origin_errors: true, consecutive_local_origin_failure: v(3) });
    const [a, b] = f.cluster.hosts as [UpstreamHost, UpstreamHost];
    f.od.putLocalOrigin(a, 'connect_failed');
    f.od.putLocalOrigin(a, 'timeout');
    f.od.putLocalOrigin(a, 'success'); // resets the local-origin count
    f.od.putLocalOrigin(a, 'connect_failed');
    f.od.putLocalOrigin(a, 'reset');
    put(f.od, a, 500, 4); // external: its own count, not yet 5
    assert.equal(a.healthy, true);
    f.od.putLocalOrigin(a, 'timeout');
    assert.equal(a.healthy, false);
    assert.equal(f.stat('ejections_enforced_consecutive_local_origin_failure'), 1);
    assert.equal(f.stat('ejections_detected_consecutive_5xx'), 0);
    // 5xx still eject on their own.
    put(f.od, b, 500, 5);
    assert.equal(b.healthy, false);
    assert.equal(f.stat('ejections_enforced_consecutive_5xx'), 1);
  });

  it('with split, local-origin success rate ejects at the sweep', () => {
    const f = setup(5, { max_ejection_percent: v(100), split_external_local_origin_errors: true, consecutive_local_origin_failure: v(1000) });
    const hosts = f.cluster.hosts;
    for (let i = 0; i < 4; i++) for (let k = 0; k < 100; k++) f.od.putLocalOrigin(hosts[i]!, 'success');
    for (let k = 0; k < 100; k++) f.od.putLocalOrigin(hosts[4]!, k < 50 ? 'success' : 'connect_failed');
    f.clock.advance(10_000);
    assert.equal(hosts[4]!.healthy, false);
    assert.equal(f.stat('ejections_enforced_local_origin_success_rate'), 1);
    assert.equal(f.od.hostSuccessRate(hosts[4]!, 'local_origin'), 50);
  });
});

describe('OutlierDetector: host set and lifecycle', () => {
  it('a passing active health check unejects at once unless successful_active_health_check_uneject_host is false', () => {
    const f = setup(2, { max_ejection_percent: v(100) });
    const a = f.cluster.hosts[0]!;
    put(f.od, a, 500, 5);
    f.od.onActiveHealthCheckSuccess(a);
    assert.equal(a.healthy, true);
    assert.equal(f.stat('ejections_active'), 0);

    const g = setup(2, { max_ejection_percent: v(100), successful_active_health_check_uneject_host: { value: false } });
    const b = g.cluster.hosts[0]!;
    put(g.od, b, 500, 5);
    g.od.onActiveHealthCheckSuccess(b);
    assert.equal(b.healthy, false);
  });

  it('forgets removed hosts (releasing their ejection) and tracks new ones', () => {
    const f = setup(2, { max_ejection_percent: v(100) });
    const a = f.cluster.hosts[0]!;
    put(f.od, a, 500, 5);
    assert.equal(f.stat('ejections_active'), 1);
    const c = new UpstreamHost('10.0.0.9', 80, 1, 0, '', '10.0.0.9', true);
    f.cluster.hosts = [f.cluster.hosts[1]!, c];
    f.od.onHostsChanged();
    assert.equal(f.stat('ejections_active'), 0);
    assert.equal(f.od.isEjected(a), false);
    put(f.od, c, 500, 5);
    assert.equal(c.healthy, false);
  });

  it('close() stops the sweep timer and releases its share of ejections_active', () => {
    const f = setup(2, { max_ejection_percent: v(100) });
    put(f.od, f.cluster.hosts[0]!, 500, 5);
    assert.equal(f.clock.pendingTimers, 1);
    f.od.close();
    assert.equal(f.clock.pendingTimers, 0);
    assert.equal(f.stat('ejections_active'), 0);
  });
});
