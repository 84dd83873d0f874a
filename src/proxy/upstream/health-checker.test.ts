import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../common/clock.js';
import { ConfigErrors } from '../../common/errors.js';
import { LogRegistry } from '../../common/log.js';
import { StatsStore } from '../../stats/index.js';
import type { envoy_config_core_v3_HealthCheck } from '../../xds/gen/types.js';
import { decodeHealthCheck } from './health-check-config.js';
import type { HealthProbe, ProbeOutcome } from './health-check-probe.js';
import { HealthChecker } from './health-checker.js';
import { UpstreamHost } from './host.js';
import { decodeOutlierDetection } from './outlier-config.js';
import { OutlierDetector } from './outlier-detector.js';

class FakeProbe implements HealthProbe {
  pending: ((o: ProbeOutcome) => void) | undefined;
  starts = 0;
  aborts = 0;
  closed = false;
  start(done: (o: ProbeOutcome) => void): void {
    this.starts++;
    this.pending = done;
  }
  abort(): void {
    this.aborts++;
    this.pending = undefined;
  }
  close(): void {
    this.closed = true;
    this.pending = undefined;
  }
  private answer(o: ProbeOutcome): void {
    const d = this.pending;
    assert.ok(d, 'no check in flight');
    this.pending = undefined;
    d(o);
  }
  pass(degraded = false): void {
    this.answer({ ok: true, degraded });
  }
  fail(kind: 'active' | 'network' | 'retriable' = 'active'): void {
    this.answer({ ok: false, network: kind === 'network', retriable: kind === 'retriable', reason: kind });
  }
}

function setup(n: number, extra: Partial<envoy_config_core_v3_HealthCheck> = {}) {
  const clock = new ManualClock();
  const stats = new StatsStore();
  const deps = { clock, random: () => 0, stats, log: new LogRegistry('off').logger('t') };
  const hosts = Array.from({ length: n }, (_, i) => new UpstreamHost(`10.0.0.${i + 1}`, 80, 1, 0, '', `10.0.0.${i + 1}`, true));
  const cluster = {
    hosts,
    statPrefix: 'cluster.c.',
    config: { name: 'c' },
    outlier: undefined as OutlierDetector | undefined,
    changes: 0,
    onHealthChanged() {
      this.changes++;
    },
  };
  const errs = new ConfigErrors();
  const cfg = decodeHealthCheck({
    timeout: { seconds: 1 },
    interval: { seconds: 5 },
    unhealthy_threshold: { value: 3 },
    healthy_threshold: { value: 2 },
    tcp_health_check: {},
    ...extra,
  }, 'hc', errs)!;
  assert.equal(errs.issues.length, 0, errs.format());
  const probes = new Map<string, FakeProbe>();
  const hc = new HealthChecker(cluster, cfg, deps, (target) => {
    const p = new FakeProbe();
    probes.set(target.address, p);
    return p;
  });
  const probe = (h: UpstreamHost) => probes.get(h.address)!;
  const stat = (name: string) => {
    const full = 'cluster.c.health_check.' + name;
    return (stats.findCounter(full) ?? stats.findGauge(full))!.value;
  };
  /** Marks the cluster as having carried traffic (Envoy then leaves no_traffic_interval). */
  const traffic = () => stats.counter('cluster.c.upstream_cx_total').inc();
  // As the cluster does: announce the first host set, then start.
  hc.onHostsChanged();
  return { clock, stats, deps, cluster, hc, probe, stat, traffic, hosts };
}

describe('HealthChecker: state machine', () => {
  it('hosts start failed_active_hc; the first pass makes a host healthy at once, ignoring healthy_threshold', async () => {
    const f = setup(2);
    const [a, b] = f.hosts as [UpstreamHost, UpstreamHost];
    assert.ok(a.healthFlags.has('failed_active_hc'));
    assert.equal(a.healthy, false);
    assert.equal(f.cluster.changes, 1);
    f.hc.start();
    assert.equal(f.probe(a).starts, 1);
    f.probe(a).pass();
    f.probe(b).fail('network');
    assert.equal(a.healthy, true);
    assert.equal(b.healthy, false);
    assert.equal(f.stat('attempt'), 2);
    assert.equal(f.stat('success'), 1);
    assert.equal(f.stat('failure'), 1);
    assert.equal(f.stat('network_failure'), 1);
    assert.equal(f.stat('healthy'), 1);
    await f.hc.firstChecksDone;
  });

  it('network failures need unhealthy_threshold in a row; a success in between resets the count', () => {
    const f = setup(1);
    const a = f.hosts[0]!;
    f.hc.start();
    f.probe(a).pass();
    const next = () => f.clock.advance(60_000);
    for (const step of ['network', 'network', 'pass', 'network', 'network'] as const) {
      next();
      if (step === 'pass') f.probe(a).pass();
      else f.probe(a).fail(step);
      assert.equal(a.healthy, true, step);
    }
    next();
    f.probe(a).fail('network');
    assert.equal(a.healthy, false);
    assert.equal(f.stat('healthy'), 0);
  });

  it('an unexpected answer (active failure) fails at once; a retriable one counts toward the threshold', () => {
    const f = setup(2);
    const [a, b] = f.hosts as [UpstreamHost, UpstreamHost];
    f.hc.start();
    f.probe(a).pass();
    f.probe(b).pass();
    f.clock.advance(60_000);
    f.probe(a).fail('active');
    f.probe(b).fail('retriable');
    assert.equal(a.healthy, false);
    assert.equal(b.healthy, true);
    f.clock.advance(60_000);
    f.probe(b).fail('retriable');
    f.clock.advance(60_000);
    f.probe(b).fail('retriable');
    assert.equal(b.healthy, false);
  });

  it('an unhealthy host needs healthy_threshold passes in a row', () => {
    const f = setup(1);
    const a = f.hosts[0]!;
    f.hc.start();
    f.probe(a).fail('active');
    for (const step of ['pass', 'network', 'pass'] as const) {
      f.clock.advance(60_000);
      if (step === 'pass') f.probe(a).pass();
      else f.probe(a).fail(step);
      assert.equal(a.healthy, false, step);
    }
    f.clock.advance(60_000);
    f.probe(a).pass();
    assert.equal(a.healthy, true);
  });

  it('a check without an answer times out as a network failure; the late answer is ignored', () => {
    const f = setup(1, { unhealthy_threshold: { value: 1 } });
    const a = f.hosts[0]!;
    f.hc.start();
    f.probe(a).pass();
    f.clock.advance(60_000);
    const late = f.probe(a).pending!;
    f.clock.advance(999);
    assert.equal(a.healthy, true);
    f.clock.advance(1);
    assert.equal(f.probe(a).aborts, 1);
    assert.equal(a.healthy, false);
    assert.equal(f.stat('network_failure'), 1);
    late({ ok: true, degraded: false });
    assert.equal(a.healthy, false);
    assert.equal(f.stat('success'), 1);
  });

  it('x-envoy-immediate-health-check-fail from traffic is a passive failure, at once', () => {
    const f = setup(1);
    const a = f.hosts[0]!;
    f.hc.start();
    f.probe(a).pass();
    f.hc.reportImmediateFailure(a);
    assert.equal(a.healthy, false);
    assert.equal(f.stat('passive_failure'), 1);
  });

  it('tracks degraded hosts (x-envoy-degraded) in the degraded gauge, still routable', () => {
    const f = setup(1);
    const a = f.hosts[0]!;
    f.hc.start();
    f.probe(a).pass(true);
    assert.equal(a.healthy, true);
    assert.equal(f.stat('degraded'), 1);
    f.clock.advance(60_000);
    f.probe(a).pass(false);
    assert.equal(f.stat('degraded'), 0);
  });
});

describe('HealthChecker: intervals', () => {
  it('checks at no_traffic_interval until the cluster has carried traffic', () => {
    const f = setup(1, { no_traffic_interval: { seconds: 20 } });
    const a = f.hosts[0]!;
    f.hc.start();
    f.probe(a).pass();
    f.clock.advance(19_999);
    assert.equal(f.probe(a).starts, 1);
    f.clock.advance(1);
    assert.equal(f.probe(a).starts, 2);
  });

  it('uses interval, the edge intervals and unhealthy_interval as Envoy does once there is traffic', () => {
    const f = setup(1, {
      unhealthy_threshold: { value: 2 },
      unhealthy_interval: { seconds: 7 },
      unhealthy_edge_interval: { seconds: 3 },
      healthy_edge_interval: { seconds: 2 },
    });
    const a = f.hosts[0]!;
    const p = () => f.probe(a);
    f.traffic();
    f.hc.start();
    const expectNextAfter = (ms: number) => {
      const before = p().starts;
      f.clock.advance(ms - 1);
      assert.equal(p().starts, before, `no check before ${ms} ms`);
      f.clock.advance(1);
      assert.equal(p().starts, before + 1, `a check at ${ms} ms`);
    };
    p().pass(); // first check: healthy now
    expectNextAfter(5000);
    p().fail('network'); // pending
    expectNextAfter(3000);
    p().fail('network'); // now unhealthy
    expectNextAfter(7000);
    p().fail('network'); // still unhealthy
    expectNextAfter(7000);
    p().pass(); // pending
    expectNextAfter(2000);
    p().pass(); // healthy again
    expectNextAfter(5000);
    assert.equal(a.healthy, true);
  });

  it('adds interval_jitter and interval_jitter_percent, and delays the first check by initial_jitter', () => {
    const f = setup(1, { interval_jitter: { seconds: 1 }, interval_jitter_percent: 10, initial_jitter: { seconds: 4 } });
    f.deps.random = () => 0.5;
    const a = f.hosts[0]!;
    f.traffic();
    f.hc.start();
    assert.equal(f.probe(a).starts, 0);
    f.clock.advance(2000); // 0.5 × 4 s
    assert.equal(f.probe(a).starts, 1);
    f.probe(a).pass();
    f.clock.advance(5000 + 250 + 500 - 1); // 5 s + 0.5 × 10% of 5 s + 0.5 × 1 s
    assert.equal(f.probe(a).starts, 1);
    f.clock.advance(1);
    assert.equal(f.probe(a).starts, 2);
  });
});

describe('HealthChecker: hosts and neighbours', () => {
  it('new hosts start failed and are checked at once; removed hosts stop being checked', () => {
    const f = setup(1);
    const a = f.hosts[0]!;
    f.hc.start();
    f.probe(a).pass();
    const b = new UpstreamHost('10.0.0.7', 80, 1, 0, '', '10.0.0.7', true);
    f.cluster.hosts = [b];
    f.hc.onHostsChanged();
    assert.equal(f.probe(a).closed, true);
    assert.equal(f.hc.isChecking(a), false);
    assert.equal(b.healthy, false);
    assert.equal(f.probe(b).starts, 1);
    assert.equal(f.stat('healthy'), 0);
    f.probe(b).pass();
    assert.equal(b.healthy, true);
    f.hc.close();
    assert.equal(f.probe(b).closed, true);
    assert.equal(f.clock.pendingTimers, 0);
    assert.equal(f.stat('healthy'), 0);
  });

  it('a passing check returns a host ejected by outlier detection to service', () => {
    const f = setup(2);
    const errs = new ConfigErrors();
    const od = new OutlierDetector(f.cluster, decodeOutlierDetection({ max_ejection_percent: { value: 100 } }, 'od', errs)!, f.deps);
    f.cluster.outlier = od;
    const a = f.hosts[0]!;
    f.hc.start();
    f.probe(a).pass();
    for (let i = 0; i < 5; i++) od.putHttpResult(a, 500);
    assert.equal(a.healthy, false);
    assert.ok(a.healthFlags.has('failed_outlier_check'));
    f.clock.advance(60_000);
    f.probe(a).pass();
    assert.equal(a.healthy, true);
    assert.equal(od.isEjected(a), false);
    od.close();
  });
});
