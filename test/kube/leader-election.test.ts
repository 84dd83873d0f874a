// Lease-based leader election against the API server double (coordination.k8s.io/v1
// through @kubernetes/client-node), attempts driven by hand on a manual clock.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/common/clock.js';
import { LeaderElector } from '../../src/kube/leader-election.js';
import type { KubeClient } from '../../src/kube/kube-client.js';
import type { KubeApiDouble } from '../helpers/kube-api-double.js';
import { ns, startDouble } from './kube-test-kit.js';

describe('leader election with a Lease', () => {
  let double: KubeApiDouble;
  let client: KubeClient;
  before(async () => {
    const d = await startDouble();
    double = d.double;
    client = d.client;
    double.put(ns('istio-system'));
  });
  after(() => double.stop());

  const elector = (identity: string, clock: ManualClock, events: string[], name: string) =>
    new LeaderElector({
      client, namespace: 'istio-system', name, identity, clock, leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000,
      onStartedLeading: () => events.push(`${identity} leads`),
      onStoppedLeading: () => events.push(`${identity} stops`),
    });

  it('one replica takes the Lease; the other takes over only after the holder stops renewing for the lease duration', async () => {
    const clock = new ManualClock();
    const events: string[] = [];
    const a = elector('cp-a', clock, events, 'crash');
    const b = elector('cp-b', clock, events, 'crash');
    assert.equal(await a.tick(), true);
    assert.equal(await b.tick(), false);
    const lease = double.object('coordination.k8s.io/v1', 'Lease', 'istio-system', 'crash') as { spec: { holderIdentity: string; leaseDurationSeconds: number; renewTime: string } };
    assert.equal(lease.spec.holderIdentity, 'cp-a');
    assert.equal(lease.spec.leaseDurationSeconds, 15);
    assert.match(lease.spec.renewTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/, 'MicroTime');
    // a renews; b sees the record change and keeps waiting.
    clock.advance(10_000);
    assert.equal(await a.tick(), true);
    clock.advance(10_000);
    assert.equal(await b.tick(), false, 'the holder renewed 10 s ago on b\'s clock: not expired');
    // a crashes (no release): b takes over once it has seen no renewal for 15 s.
    clock.advance(14_000);
    assert.equal(await b.tick(), false);
    clock.advance(1_000);
    assert.equal(await b.tick(), true);
    assert.equal(b.leader, 'cp-b');
    const taken = double.object('coordination.k8s.io/v1', 'Lease', 'istio-system', 'crash') as { spec: { holderIdentity: string; leaseTransitions: number } };
    assert.equal(taken.spec.holderIdentity, 'cp-b');
    assert.equal(taken.spec.leaseTransitions, 1);
    // a comes back: it sees b holding and steps down.
    assert.equal(await a.tick(), false);
    assert.deepEqual(events, ['cp-a leads', 'cp-b leads', 'cp-a stops']);
  });

  it('a leader that cannot renew steps down at the renew deadline; stop() releases the Lease', async () => {
    const clock = new ManualClock();
    const events: string[] = [];
    const a = elector('cp-a', clock, events, 'deadline');
    const b = elector('cp-b', clock, events, 'deadline');
    assert.equal(await a.tick(), true);
    await double.goOffline();
    clock.advance(5_000);
    assert.equal(await a.tick(), true, 'within the renew deadline it keeps leading');
    clock.advance(5_000);
    assert.equal(await a.tick(), false, 'at the deadline it stops');
    await double.goOnline();
    assert.equal(await a.tick(), true, 'nobody else took it: it leads again');
    await a.stop();
    const released = double.object('coordination.k8s.io/v1', 'Lease', 'istio-system', 'deadline') as { spec: { holderIdentity: string } };
    assert.equal(released.spec.holderIdentity, '');
    assert.equal(await b.tick(), true, 'a released Lease is taken at once');
    assert.deepEqual(events, ['cp-a leads', 'cp-a stops', 'cp-a leads', 'cp-a stops', 'cp-b leads']);
  });

  it('two replicas racing for an expired Lease: the API server\'s conflict check lets one win', async () => {
    const clock = new ManualClock();
    const a = elector('cp-a', clock, [], 'race');
    const b = elector('cp-b', clock, [], 'race');
    const results = await Promise.all([a.tick(), b.tick()]);
    assert.equal(results.filter(Boolean).length, 1);
  });
});
