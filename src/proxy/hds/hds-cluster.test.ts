import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../common/clock.js';
import { ConfigErrors } from '../../common/errors.js';
import { LogRegistry } from '../../common/log.js';
import { StatsStore } from '../../stats/index.js';
import type { HealthProbe, ProbeFactory, ProbeOutcome } from '../upstream/health-check-probe.js';
import { decodeHealthCheckSpecifier, type HdsClusterPlan } from './decode-specifier.js';
import { HdsCluster } from './hds-cluster.js';

/** One scripted probe per host key: a test answers the check in flight. */
class Probes {
  readonly pending = new Map<string, (o: ProbeOutcome) => void>();
  readonly created: string[] = [];
  readonly factory: ProbeFactory = (target) => {
    const key = `${target.address}:${target.port}`;
    this.created.push(key);
    const probe: HealthProbe = {
      start: (done) => void this.pending.set(key, done),
      abort: () => void this.pending.delete(key),
      close: () => void this.pending.delete(key),
    };
    return probe;
  };
  answer(key: string, o: ProbeOutcome): void {
    const d = this.pending.get(key);
    assert.ok(d, `no check in flight for ${key}`);
    this.pending.delete(key);
    d(o);
  }
}

function plan(endpoints: string[][]): HdsClusterPlan {
  const errs = new ConfigErrors();
  const p = decodeHealthCheckSpecifier({
    cluster_health_checks: [{
      cluster_name: 'svc',
      health_checks: [{ timeout: { seconds: 1 }, interval: { seconds: 5 }, no_traffic_interval: { seconds: 5 }, unhealthy_threshold: { value: 2 }, healthy_threshold: { value: 1 }, tcp_health_check: {} }],
      locality_endpoints: endpoints.map((list, i) => ({ locality: { zone: `z${i}` }, endpoints: list.map((a) => ({ address: { socket_address: { address: a.split(':')[0], port_value: Number(a.split(':')[1]) } } })) })),
    }],
  }, errs);
  assert.deepEqual(errs.issues, []);
  return p!.clusters[0]!;
}

function statuses(c: HdsCluster): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of c.report().locality_endpoints_health ?? []) {
    for (const e of l.endpoints_health ?? []) out[`${l.locality?.zone}/${e.endpoint!.address!.socket_address!.address}:${e.endpoint!.address!.socket_address!.port_value}`] = e.health_status!;
  }
  return out;
}

describe('HdsCluster', () => {
  const setup = () => {
    const clock = new ManualClock();
    const stats = new StatsStore();
    const probes = new Probes();
    const deps = { clock, random: () => 0, stats, log: new LogRegistry('off').logger('t') };
    return { clock, stats, probes, deps };
  };

  it('reports UNKNOWN until checked, then HEALTHY, DEGRADED, TIMEOUT and UNHEALTHY as the checks say', () => {
    const { clock, stats, probes, deps } = setup();
    const c = new HdsCluster(plan([['10.0.0.1:80', '10.0.0.2:80'], ['10.0.0.3:80']]), deps, probes.factory);
    c.start();
    assert.deepEqual(statuses(c), { 'z0/10.0.0.1:80': 'UNKNOWN', 'z0/10.0.0.2:80': 'UNKNOWN', 'z1/10.0.0.3:80': 'UNKNOWN' });
    probes.answer('10.0.0.1:80', { ok: true, degraded: false });
    probes.answer('10.0.0.2:80', { ok: false, network: false, retriable: false, reason: 'refused' });
    probes.answer('10.0.0.3:80', { ok: true, degraded: true });
    assert.deepEqual(statuses(c), { 'z0/10.0.0.1:80': 'HEALTHY', 'z0/10.0.0.2:80': 'UNHEALTHY', 'z1/10.0.0.3:80': 'DEGRADED' });
    assert.equal(stats.counter('cluster.svc.health_check.attempt').value, 3, 'the checker counts under cluster.<name>. as Envoy’s HdsCluster does');
    // Two timeouts in a row (unhealthy_threshold 2) take 10.0.0.1 down, as TIMEOUT.
    clock.advance(5000);
    clock.advance(1000);
    assert.equal(statuses(c)['z0/10.0.0.1:80'], 'HEALTHY', 'one timeout is below the threshold');
    clock.advance(5000);
    clock.advance(1000);
    assert.equal(statuses(c)['z0/10.0.0.1:80'], 'TIMEOUT');
    c.close();
  });

  it('keeps surviving hosts (state and probe) across an endpoint update and checks new ones at once', () => {
    const { probes, deps } = setup();
    const c = new HdsCluster(plan([['10.0.0.1:80', '10.0.0.2:80']]), deps, probes.factory);
    c.start();
    probes.answer('10.0.0.1:80', { ok: true, degraded: false });
    c.setEndpoints(plan([['10.0.0.1:80', '10.0.0.9:80']]).localities);
    assert.deepEqual(probes.created, ['10.0.0.1:80', '10.0.0.2:80', '10.0.0.9:80']);
    assert.ok(!probes.pending.has('10.0.0.2:80'), 'the removed host is no longer checked');
    assert.ok(probes.pending.has('10.0.0.9:80'));
    assert.deepEqual(statuses(c), { 'z0/10.0.0.1:80': 'HEALTHY', 'z0/10.0.0.9:80': 'UNKNOWN' });
    c.close();
  });
});
