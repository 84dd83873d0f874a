import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Counter } from './counter.js';
import { StatsStore } from './stats-store.js';

test('lookups by name return the same object; updates are plain field writes', () => {
  const s = new StatsStore();
  const c = s.counter('cluster.a.upstream_rq_total');
  assert.equal(s.counter('cluster.a.upstream_rq_total'), c);
  c.inc();
  c.add(4);
  assert.equal(c.value, 5);
  const g = s.gauge('cluster.a.upstream_cx_active');
  g.inc();
  g.inc();
  g.dec();
  assert.equal(g.value, 1);
  g.set(7);
  g.sub(2);
  g.add(1);
  assert.equal(s.findGauge('cluster.a.upstream_cx_active')?.value, 6);
  const h = s.histogram('cluster.a.upstream_rq_time', 'milliseconds');
  h.record(3);
  assert.equal(s.findHistogram('cluster.a.upstream_rq_time')?.count, 1);
  assert.equal(h.unit, 'milliseconds');
  assert.equal(s.size, 3);
});

test('a name is one kind only', () => {
  const s = new StatsStore();
  s.counter('x.y');
  assert.throws(() => s.gauge('x.y'), /already exists as a counter/);
  assert.throws(() => s.histogram('x.y'), /already exists as a counter/);
  assert.equal(s.findGauge('x.y'), undefined);
});

test('scopes prefix names, with or without the trailing dot, and nest', () => {
  const s = new StatsStore();
  const a = s.scope('cluster.foo');
  const b = s.scope('cluster.foo.');
  assert.equal(a.prefix, 'cluster.foo.');
  assert.equal(a.counter('upstream_rq_total'), b.counter('upstream_rq_total'));
  a.scope('circuit_breakers.default').gauge('rq_open').set(1);
  assert.equal(s.findGauge('cluster.foo.circuit_breakers.default.rq_open')?.value, 1);
});

test('removing a scope drops its stats but held objects keep working', () => {
  const s = new StatsStore();
  const sc = s.scope('cluster.gone');
  const c = sc.counter('upstream_rq_total');
  const child = sc.scope('circuit_breakers.default').gauge('rq_open');
  c.inc();
  sc.remove();
  assert.equal(s.findCounter('cluster.gone.upstream_rq_total'), undefined);
  assert.equal(s.findGauge('cluster.gone.circuit_breakers.default.rq_open'), undefined, 'child scopes go too');
  c.inc();
  child.set(3);
  assert.equal(c.value, 2, 'object still usable');
  sc.remove(); // idempotent
  // Lookups through a removed scope work but are not stored.
  const late = sc.counter('late');
  late.inc();
  assert.equal(s.findCounter('cluster.gone.late'), undefined);
  // A fresh lookup after removal starts from zero.
  assert.equal(s.counter('cluster.gone.upstream_rq_total').value, 0);
});

test('stats shared by two scopes survive until both are removed (cluster update)', () => {
  const s = new StatsStore();
  const oldCluster = s.scope('cluster.foo');
  const c1 = oldCluster.counter('upstream_rq_total');
  c1.add(10);
  const newCluster = s.scope('cluster.foo');
  const c2 = newCluster.counter('upstream_rq_total');
  assert.equal(c2, c1, 'same object: values continue across a config update');
  newCluster.counter('upstream_rq_total'); // a repeat lookup does not add a reference
  oldCluster.remove();
  assert.equal(s.findCounter('cluster.foo.upstream_rq_total'), c1, 'still held by the new cluster');
  newCluster.remove();
  assert.equal(s.findCounter('cluster.foo.upstream_rq_total'), undefined);
});

test('stats looked up on the store itself are never removed by scopes', () => {
  const s = new StatsStore();
  const root = s.counter('cluster.foo.upstream_rq_total');
  const sc = s.scope('cluster.foo');
  assert.equal(sc.counter('upstream_rq_total'), root);
  sc.remove();
  assert.equal(s.findCounter('cluster.foo.upstream_rq_total'), root);
});

test('labeled metrics: stable identity per label set, one kind per family, valid names', () => {
  const s = new StatsStore();
  const a = s.labeledCounter('istio_requests_total', { reporter: 'destination', response_code: '200' });
  assert.equal(s.labeledCounter('istio_requests_total', { reporter: 'destination', response_code: '200' }), a);
  const b = s.labeledCounter('istio_requests_total', { reporter: 'destination', response_code: '503' });
  assert.notEqual(a, b);
  assert.equal(a.name, 'reporter=.=destination;.;response_code=.=200;.;istio_requests_total');
  assert.equal(a.meta.promName, 'istio_requests_total');
  assert.equal(a.meta.promLabels, 'reporter="destination",response_code="200"');
  assert.throws(() => s.labeledHistogram('istio_requests_total', { reporter: 'x' }), /already a counter/);
  assert.throws(() => s.labeledCounter('9lives', {}), /not a valid Prometheus metric name/);
  const sc = s.scope('whatever');
  const h = sc.labeledHistogram('istio_request_duration_milliseconds', { reporter: 'source' }, 'milliseconds');
  assert.ok(s.histograms().includes(h));
  sc.remove();
  assert.ok(!s.histograms().includes(h), 'labeled metrics can be owned by a scope');
});

test('flush records counter values for deltas', () => {
  const s = new StatsStore();
  const c = s.counter('a.b');
  c.add(5);
  assert.equal(c.delta, 5);
  s.flush();
  assert.equal(c.flushedValue, 5);
  c.inc();
  assert.equal(c.delta, 1);
});

test('used flags: counters when non-zero, gauges on any write, histograms when recorded', () => {
  const s = new StatsStore();
  const c = s.counter('c');
  const g = s.gauge('g');
  const h = s.histogram('h');
  assert.deepEqual([c.used, g.used, h.used], [false, false, false]);
  c.inc();
  g.set(0);
  h.record(1);
  assert.deepEqual([c.used, g.used, h.used], [true, true, true]);
});

test('a rejecting stats matcher returns working but unstored stats', () => {
  const s = new StatsStore({ acceptStat: (n) => !n.startsWith('cluster.') });
  const c = s.counter('cluster.a.upstream_rq_total');
  c.inc();
  assert.equal(c.value, 1);
  assert.equal(s.findCounter('cluster.a.upstream_rq_total'), undefined);
  const accepted = s.counter('server.total_connections');
  assert.equal(s.findCounter('server.total_connections'), accepted);
});

test('tag extraction happens once, at creation', () => {
  let calls = 0;
  const producer = { produce: (name: string) => { calls++; return { tagExtractedName: name, tags: [] }; } };
  const s = new StatsStore({ tagProducer: producer as never });
  s.counter('a.b');
  s.counter('a.b');
  s.scope('a').counter('b');
  assert.equal(calls, 1);
});

test('every counter has the same shape (plain and labeled share one hidden class)', () => {
  const s = new StatsStore();
  const plain = s.counter('cluster.a.upstream_rq_total');
  const labeled = s.labeledCounter('istio_requests_total', { a: 'b' });
  assert.equal(Object.getPrototypeOf(plain), Counter.prototype);
  assert.equal(Object.getPrototypeOf(labeled), Counter.prototype);
  assert.deepEqual(Object.keys(plain), Object.keys(labeled));
});

test('V8 sees one map for all counters, so counter.inc() call sites stay monomorphic', () => {
  // Runs a child with --allow-natives-syntax: %HaveSameMap is the real check.
  const storeUrl = new URL('./stats-store.js', import.meta.url).href;
  const script = `
    const { StatsStore } = await import(${JSON.stringify(storeUrl)});
    const s = new StatsStore();
    const a = s.counter('cluster.a.upstream_rq_total');
    const b = s.scope('cluster.b').counter('upstream_rq_200');
    const c = s.labeledCounter('istio_requests_total', { reporter: 'source' });
    for (let i = 0; i < 1000; i++) { a.inc(); b.add(2); c.inc(); }
    const sameSmall = %HaveSameMap(a, b) && %HaveSameMap(a, c);
    // Past 2^31 V8 widens the field from small int to double once for the
    // class; the other counters migrate on their next write and share the map again.
    b.add(2 ** 40);
    a.inc(); c.inc();
    const d = s.counter('cluster.d.upstream_rq_total');
    const same = sameSmall && %HaveSameMap(a, b) && %HaveSameMap(a, c) && %HaveSameMap(a, d);
    const g1 = s.gauge('x.g1'); const g2 = s.labeledGauge('y_g', { k: 'v' });
    g1.set(1); g2.set(2);
    const h1 = s.histogram('x.h1'); const h2 = s.labeledHistogram('y_h', { k: 'v' });
    h1.record(1); h2.record(2);
    process.stdout.write(JSON.stringify([same, %HaveSameMap(g1, g2), %HaveSameMap(h1, h2)]));
  `;
  const r = spawnSync(process.execPath, ['--allow-natives-syntax', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), [true, true, true]);
});
