import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StatsStore } from '../../stats/stats-store.js';
import { mergeStats, snapshotStats } from './stats-snapshot.js';
import { mergeClustersText } from './primary-admin.js';

describe('stats of several workers, summed', () => {
  it('counters and traffic gauges add up, server gauges take the largest, histograms merge', () => {
    const a = new StatsStore();
    const b = new StatsStore();
    a.counter('http.in.downstream_rq_total').add(3);
    b.counter('http.in.downstream_rq_total').add(4);
    b.counter('only.in_b').inc();
    a.gauge('http.in.downstream_cx_active').set(2);
    b.gauge('http.in.downstream_cx_active').set(5);
    a.gauge('server.uptime').set(10);
    b.gauge('server.uptime').set(12);
    a.labeledCounter('istio_requests_total', { response_code: '200', reporter: 'destination' }).add(2);
    b.labeledCounter('istio_requests_total', { response_code: '200', reporter: 'destination' }).add(1);
    for (const v of [1, 2, 3]) a.histogram('http.in.downstream_rq_time', 'milliseconds').record(v);
    for (const v of [100, 200]) b.histogram('http.in.downstream_rq_time', 'milliseconds').record(v);
    a.flush();
    b.flush();
    const m = mergeStats([snapshotStats(a), snapshotStats(b)], {}, { 'server.concurrency': 2 });
    assert.equal(m.findCounter('http.in.downstream_rq_total')?.value, 7);
    assert.equal(m.findCounter('only.in_b')?.value, 1);
    assert.equal(m.findGauge('http.in.downstream_cx_active')?.value, 7);
    assert.equal(m.findGauge('server.uptime')?.value, 12);
    assert.equal(m.findGauge('server.concurrency')?.value, 2);
    const labeled = m.counters().find((c) => c.meta.promName === 'istio_requests_total');
    assert.equal(labeled?.value, 3);
    assert.equal(labeled?.meta.promLabels, 'response_code="200",reporter="destination"');
    const h = m.findHistogram('http.in.downstream_rq_time')!;
    assert.equal(h.count, 5);
    assert.equal(h.sum, 306);
    // The median of 1,2,3,100,200 is 3 (its bin is [3, 3.1)); the maximum lies in 200's bin.
    const [p0, , p50] = h.cumulativeQuantiles();
    assert.equal(p0, 1);
    assert.ok(p50! >= 3 && p50! < 3.1, String(p50));
    assert.equal(h.intervalQuantiles().some((q) => Number.isNaN(q)), false, 'the last interval merges too');
    assert.equal(h.cumulativeBuckets().at(-1), 5);
  });

  it('/clusters: per-host counters add up, config lines stay', () => {
    const w0 = 'c::default_priority::max_connections::1024\nc::1.2.3.4:80::rq_total::3\nc::1.2.3.4:80::weight::1\n';
    const w1 = 'c::default_priority::max_connections::1024\nc::1.2.3.4:80::rq_total::4\nc::1.2.3.4:80::weight::1\n';
    assert.equal(mergeClustersText([w0, w1]), 'c::default_priority::max_connections::1024\nc::1.2.3.4:80::rq_total::7\nc::1.2.3.4:80::weight::1\n');
  });
});

describe('the primary admin /stats', () => {
  it('server.uptime is the primary\'s, not a restarted worker\'s; counters are summed over the HTTP admin', async () => {
    const { PrimaryAdmin } = await import('./primary-admin.js');
    const http = await import('node:http');
    const w = new StatsStore();
    w.gauge('server.uptime').set(3);
    w.counter('http.in.downstream_rq_total').add(2);
    // A double of the primary: two workers that answer with the same snapshot (a worker restarted 3 s ago).
    const admin = new PrimaryAdmin({
      bootstrap: {} as never,
      opts: { concurrency: 2 },
      restartsTotal: 1,
      xdsStreamsOpened: 1,
      uptimeS: 100,
      shuttingDownNow: false,
      workers: () => [0, 1].map((slot) => ({ slot, pid: 1, ready: true, adminPort: 1, restarts: 0 })),
      workerStats: async () => [0, 1].map((slot) => ({ slot, stats: snapshotStats(w) })),
      shutdown: async () => undefined,
    });
    const port = await admin.listen('127.0.0.1', 0);
    try {
      const body = await new Promise<string>((res, rej) => {
        http.get({ host: '127.0.0.1', port, path: '/stats' }, (r) => {
          let b = '';
          r.setEncoding('utf8');
          r.on('data', (c: string) => (b += c));
          r.on('end', () => res(b));
        }).on('error', rej);
      });
      assert.match(body, /^server\.uptime: 100$/m);
      assert.match(body, /^http\.in\.downstream_rq_total: 4$/m);
      assert.match(body, /^server\.concurrency: 2$/m);
    } finally {
      admin.close();
    }
  });
});
