// The SDS manager on its own: claimed clusters, ADS updates (all or nothing,
// last good value kept), initial_fetch_timeout on a manual clock, removal.
// The secret decoder is a stand-in here (the TLS decoders have their own
// tests); test/proxy/sds-*.test.ts run the real sources end to end.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../common/clock.js';
import { ConfigErrors } from '../../../common/errors.js';
import { LogRegistry } from '../../../common/log.js';
import { StatsStore } from '../../../stats/stats-store.js';
import { SECRET_TYPE_URL } from '../../../xds/type-urls.js';
import { MemorySecretStore, type SecretValue } from '../secret-store.js';
import type { SdsRef } from '../tls-config.js';
import { SdsManager, type Secret } from './sds-manager.js';

function fakeDecode(s: Secret, path: string, errs: ConfigErrors): SecretValue | undefined {
  const chain = s.tls_certificate?.certificate_chain?.inline_string;
  if (chain === undefined || chain === 'bad') {
    errs.error(`${path}.tls_certificate.certificate_chain`, 'not a certificate');
    return undefined;
  }
  return { kind: 'tls_certificate', certificate: { certChainPem: chain, privateKeyPem: 'key', origin: 'inline' } };
}

const secret = (name: string, chain: string) => ({ '@type': SECRET_TYPE_URL, name, tls_certificate: { certificate_chain: { inline_string: chain }, private_key: { inline_string: 'k' } } });

function setup() {
  const clock = new ManualClock();
  const stats = new StatsStore();
  const store = new MemorySecretStore();
  const lines: string[] = [];
  const logs = new LogRegistry('info', (l) => lines.push(l));
  const m = new SdsManager({ store, stats, clock, random: () => 0.5, log: logs.logger('sds'), decode: fakeDecode, node: { id: 'n' }, clusterTarget: () => undefined });
  m.attach();
  const counter = (name: string) => stats.counter(name).value;
  return { clock, stats, store, lines, m, counter };
}

const chainOf = (v: SecretValue | undefined) => (v?.kind === 'tls_certificate' ? v.certificate.certChainPem : undefined);

describe('SdsManager', () => {
  it('lets an in-process provider serve a claimed api cluster: requests reach it, its values reach subscribers', () => {
    const { m, store, counter } = setup();
    const claim = m.claimApiCluster('sds-grpc');
    const asked: string[] = [];
    claim.onRequest = (n) => asked.push(n);
    const ref: SdsRef = { name: 'default', source: { kind: 'api', clusterName: 'sds-grpc' } };
    const seen: (string | undefined)[] = [];
    store.subscribe(ref, (v) => seen.push(chainOf(v)));
    assert.deepEqual(asked, ['default']);
    assert.deepEqual(claim.requested(), ['default']);
    claim.set('default', { kind: 'tls_certificate', certificate: { certChainPem: 'c1', privateKeyPem: 'k1', origin: 'agent' } });
    claim.set('default', { kind: 'tls_certificate', certificate: { certChainPem: 'c2', privateKeyPem: 'k2', origin: 'agent' } });
    assert.deepEqual(seen, ['c1', 'c2']);
    assert.equal(chainOf(store.current(ref)), 'c2');
    assert.equal(counter('sds.default.update_success'), 2);
    const st = m.statuses().find((s) => s.ref.name === 'default')!;
    assert.equal(st.state, 'active');
    assert.equal(st.versionInfo, '2');
    assert.equal(m.settled(ref), true);
  });

  it('subscribes ADS secrets by name on demand, and takes a response all or nothing', () => {
    const { m, store, counter, lines } = setup();
    const subscribed: string[] = [];
    const a: SdsRef = { name: 'a', source: { kind: 'ads' } };
    const b: SdsRef = { name: 'b', source: { kind: 'ads' } };
    store.subscribe(a, () => undefined);
    m.attachAds({ subscribeSecret: (n) => subscribed.push(n) });
    store.subscribe(b, () => undefined);
    assert.deepEqual(subscribed, ['a', 'b']);

    assert.equal(m.adsUpdate('v1', [secret('a', 'a1'), secret('b', 'b1'), secret('unasked', 'x')]), undefined);
    assert.equal(chainOf(store.current(a)), 'a1');
    assert.equal(chainOf(store.current(b)), 'b1');
    assert.equal(store.current({ name: 'unasked', source: { kind: 'ads' } }), undefined);

    // One bad secret rejects the response: both keep v1.
    const nack = m.adsUpdate('v2', [secret('a', 'a2'), secret('b', 'bad')]);
    assert.ok(nack && nack.length > 0);
    assert.equal(chainOf(store.current(a)), 'a1');
    assert.equal(chainOf(store.current(b)), 'b1');
    assert.equal(counter('sds.b.update_rejected'), 1);
    assert.equal(counter('sds.a.update_rejected'), 1);
    assert.equal(counter('sds.a.update_success'), 1);
    assert.ok(lines.some((l) => l.includes('[warning][sds]') && l.includes('"b"')), 'a rejected update is logged');
    assert.equal(m.statuses().find((s) => s.ref.name === 'b')!.versionInfo, 'v1');

    // A subscribed secret missing from a response is unchanged; a removal (delta) clears it.
    assert.equal(m.adsUpdate('v3', [secret('a', 'a3')]), undefined);
    assert.equal(chainOf(store.current(b)), 'b1');
    assert.equal(m.adsUpdate('v4', [], ['b']), undefined);
    assert.equal(store.current(b), undefined);
  });

  it('refuses duplicate and mistyped secrets in one ADS response', () => {
    const { m, store } = setup();
    const a: SdsRef = { name: 'a', source: { kind: 'ads' } };
    store.subscribe(a, () => undefined);
    assert.ok(m.adsUpdate('v1', [secret('a', 'x'), secret('a', 'y')]));
    assert.ok(m.adsUpdate('v1', [{ ...secret('a', 'x'), '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster' }]));
    assert.equal(store.current(a), undefined);
  });

  it('counts init_fetch_timeout when a secret does not arrive in time, and settles it', () => {
    const { m, store, clock, counter, lines } = setup();
    const ref: SdsRef = { name: 'late', source: { kind: 'ads' } };
    const settled: string[] = [];
    m.onSettled((r) => settled.push(r.name));
    store.subscribe(ref, () => undefined);
    clock.advance(14_999);
    assert.equal(m.settled(ref), false);
    clock.advance(1);
    assert.equal(counter('sds.late.init_fetch_timeout'), 1);
    assert.equal(m.settled(ref), true);
    assert.deepEqual(settled, ['late']);
    assert.ok(lines.some((l) => l.includes('initial_fetch_timeout')));
    assert.equal(m.statuses()[0]!.state, 'timed_out');
  });

  it('describes static secrets without fetching anything', () => {
    const { m, store } = setup();
    const value: SecretValue = { kind: 'tls_certificate', certificate: { certChainPem: 's', privateKeyPem: 'k', origin: 'inline' } };
    m.setStatic([{ name: 'server_cert', value, secret: { name: 'server_cert' } }]);
    const ref: SdsRef = { name: 'server_cert', source: { kind: 'static' } };
    store.subscribe(ref, () => undefined);
    assert.equal(store.current(ref), value);
    assert.equal(m.statuses().length, 1);
    assert.equal(m.statuses()[0]!.state, 'active');
  });
});
