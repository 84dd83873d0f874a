// The embedded store against a real Prometheus (Debian package `prometheus`;
// skipped without it): both scrape the same fixture endpoint every second,
// whose Istio-shaped counters and duration buckets grow linearly with wall
// time, and the queries of Istio's Grafana dashboards and Kiali's graph must
// give the same series and values, to 1%. The fixture stamps each sample
// with the time it computed the value (both honour explicit timestamps):
// without that, a loaded machine answers a scrape a variable time after the
// scraper stamped it, and rates over 10 s moved by up to 9% (load 28).
import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Dashboard } from '../../src/control/dashboard/dashboard.js';
import { buildGraph } from '../../src/control/dashboard/graph.js';
import { FallbackQueryLayer, type InstantData, type PromAnswer } from '../../src/control/dashboard/query-layer.js';
import { PROMETHEUS_MISSING, startPrometheus, type RunningPrometheus } from '../helpers/prometheus-harness.js';

const START = Date.now();
/** Per-second rates of each series, and the buckets' shares (cumulative). */
const SERIES = [
  { src: 'productpage-v1', dst: 'reviews-v1', svc: 'reviews', code: '200', flags: '-', rps: 7 },
  { src: 'productpage-v1', dst: 'reviews-v2', svc: 'reviews', code: '200', flags: '-', rps: 5 },
  { src: 'productpage-v1', dst: 'reviews-v2', svc: 'reviews', code: '503', flags: 'UF', rps: 1.5 },
  { src: 'reviews-v2', dst: 'ratings-v1', svc: 'ratings', code: '200', flags: '-', rps: 4 },
  { src: 'reviews-v2', dst: 'ratings-v1', svc: 'ratings', code: '500', flags: 'FI', rps: 2 },
];
const BUCKETS: [string, number][] = [['5', 0.2], ['10', 0.5], ['25', 0.8], ['100', 0.95], ['+Inf', 1]];

function exposition(): string {
  // Each sample carries the time its value was computed: both scrapers honour it (Prometheus's
  // honor_timestamps), so a scrape answered late on a loaded machine still lies on the same line.
  const now = Date.now();
  const s = (now - START) / 1000;
  const lbl = (x: (typeof SERIES)[number], reporter: string) =>
    `reporter="${reporter}",source_workload="${x.src}",source_workload_namespace="default",destination_workload="${x.dst}",destination_workload_namespace="default",destination_service="${x.svc}.default.svc.cluster.local",destination_service_name="${x.svc}",response_code="${x.code}",response_flags="${x.flags}",connection_security_policy="mutual_tls"`;
  const out = ['# TYPE istio_requests_total counter'];
  for (const r of ['destination', 'source']) for (const x of SERIES) out.push(`istio_requests_total{${lbl(x, r)}} ${(x.rps * s).toFixed(3)}`);
  out.push('# TYPE istio_request_duration_milliseconds histogram');
  for (const x of SERIES) {
    const n = x.rps * s;
    for (const [le, share] of BUCKETS) out.push(`istio_request_duration_milliseconds_bucket{${lbl(x, 'destination')},le="${le}"} ${(n * share).toFixed(3)}`);
    out.push(`istio_request_duration_milliseconds_sum{${lbl(x, 'destination')}} ${(n * 12).toFixed(3)}`);
    out.push(`istio_request_duration_milliseconds_count{${lbl(x, 'destination')}} ${n.toFixed(3)}`);
  }
  out.push('# TYPE istio_tcp_sent_bytes_total counter');
  out.push(`istio_tcp_sent_bytes_total{reporter="destination",source_workload="productpage-v1",destination_workload="mongodb-v1",destination_service="mongodb.default.svc.cluster.local"} ${(1024 * s).toFixed(3)}`);
  return out.map((l) => (l.startsWith('#') ? l : `${l} ${now}`)).join('\n') + '\n';
}

/** Istio's Grafana dashboards' and Kiali's forms (windows shortened to 10 s: both scrape every second). */
const QUERIES = [
  'sum(rate(istio_requests_total{reporter="destination"}[10s])) by (destination_workload)',
  'sum(irate(istio_requests_total{reporter="destination"}[10s])) by (destination_service_name, response_code)',
  'sum(increase(istio_requests_total{reporter="source"}[10s])) by (source_workload, destination_service)',
  'sum(rate(istio_requests_total{reporter="destination",response_code!~"5.*"}[10s])) by (destination_service_name) / sum(rate(istio_requests_total{reporter="destination"}[10s])) by (destination_service_name)',
  'round(sum(rate(istio_requests_total{reporter="source",response_flags!="-"}[10s])), 0.001)',
  'histogram_quantile(0.50, sum(rate(istio_request_duration_milliseconds_bucket{reporter="destination"}[10s])) by (le, destination_service))',
  'histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket{reporter="destination"}[10s])) by (le, destination_workload))',
  'sum(rate(istio_request_duration_milliseconds_sum{reporter="destination"}[10s])) by (destination_service) / sum(rate(istio_request_duration_milliseconds_count{reporter="destination"}[10s])) by (destination_service)',
  'sum(rate(istio_tcp_sent_bytes_total[10s])) by (destination_workload)',
  'topk(2, sum by (destination_workload) (rate(istio_requests_total{reporter="destination"}[10s])))',
  'sum by (destination_workload) (rate(istio_requests_total{reporter="destination"}[10s])) > bool 5',
  'sum by (destination_workload) (rate(istio_requests_total{reporter="destination"}[10s])) > 5',
  'label_replace(sum by (destination_service) (rate(istio_requests_total{reporter="destination"}[10s])), "svc", "$1", "destination_service", "([^.]*)\\\\..*")',
  'sum by (source_workload) (rate(istio_requests_total{reporter="source"}[10s])) * on (source_workload) group_left() clamp_min(count by (source_workload) (istio_requests_total{reporter="source"}), 1)',
  'sum(rate(istio_requests_total{reporter="destination",response_code="500"}[10s])) or vector(0)',
  'count(up{job="fixture"})',
];

describe('the embedded store answers Istio\'s dashboard queries as a real Prometheus does', { skip: PROMETHEUS_MISSING, timeout: 90_000 }, () => {
  let fixture: http.Server;
  let prom: RunningPrometheus;
  let dash: Dashboard;

  before(async () => {
    fixture = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(exposition());
    });
    await new Promise<void>((r) => fixture.listen(0, '127.0.0.1', r));
    const port = (fixture.address() as net.AddressInfo).port;
    prom = await startPrometheus([{ job: 'fixture', metricsPath: '/metrics', targets: [port] }]);
    dash = new Dashboard({ scrapeIntervalMs: 1000, targets: [{ id: 'fixture', workload: 'fixture', namespace: 'default', url: `http://127.0.0.1:${port}/metrics`, job: 'fixture' }] }, {
      config: () => ({ snapshot: undefined, analysis: [], proxies: [] }), traces: () => undefined, locate: () => undefined,
    });
    dash.start();
    // Both have at least 12 scrapes (the 10 s windows are full) before anything is compared.
    await prom.until('count_over_time(up{job="fixture"}[12s]) >= bool 12', 1, 40_000);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const a = await dash.embedded.query('count_over_time(up{job="fixture"}[12s]) >= bool 12');
      if (a.status === 'success' && a.data.resultType === 'vector' && a.data.result[0]?.value[1] === '1') break;
      assert.ok(Date.now() < deadline, `the embedded store did not get 12 scrapes: ${JSON.stringify(a)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  it('the graph through the real Prometheus (--prometheus) has the embedded store\'s nodes, edges, error ratios and latencies', async () => {
    const now = Date.now() - 1000;
    const viaProm = new FallbackQueryLayer(`http://127.0.0.1:${prom.port}`, dash.embedded, { timeoutMs: 5000, retryMs: 10_000, now: Date.now });
    const [a, b] = await Promise.all([buildGraph(viaProm, '1m', [], now), buildGraph(dash.embedded, '1m', [], now)]);
    assert.equal(a.warnings, undefined, 'answered by Prometheus, no fallback');
    assert.deepEqual(a.nodes, b.nodes);
    assert.deepEqual(a.edges.map((e) => e.id), b.edges.map((e) => e.id));
    assert.ok(a.edges.length >= 6, a.edges.map((e) => e.id).join(' '));
    a.edges.forEach((e, i) => {
      const f = b.edges[i]!;
      // Rates over the 1m window depend on how much of the minute each store has seen (Prometheus started a
      // few seconds later, and this runs ~15 s in): only moving, not equal. Ratios of series scraped together
      // (error ratio, quantiles) do not depend on it.
      assert.ok((e.rps > 0 || (e.tcpBytesPerSec ?? 0) > 0) && (f.rps > 0 || (f.tcpBytesPerSec ?? 0) > 0), e.id);
      for (const k of ['errorRatio', 'p50Ms', 'p99Ms'] as const) {
        const x = e[k];
        const y = f[k];
        assert.equal(typeof x, typeof y, `${e.id} ${k}`);
        if (typeof x === 'number' && typeof y === 'number') assert.ok(Math.abs(x - y) <= Math.max(1e-6, Math.abs(x) * 0.05), `${e.id} ${k}: Prometheus ${x}, embedded ${y}`);
      }
      assert.equal(e.mtls, f.mtls, e.id);
    });
  });

  after(async () => {
    await dash?.stop();
    await prom?.close();
    fixture?.close();
  });

  it('same series, values within 1%', async () => {
    // One second ago: both have scraped past it.
    const t = (Date.now() - 1000) / 1000;
    for (const q of QUERIES) {
      const r = await fetch(`http://127.0.0.1:${prom.port}/api/v1/query?query=${encodeURIComponent(q)}&time=${t}`);
      const want = (await r.json()) as PromAnswer<InstantData>;
      const got = await dash.embedded.query(q, t);
      assert.equal(want.status, 'success', `${q}: Prometheus: ${JSON.stringify(want)}`);
      assert.equal(got.status, 'success', `${q}: embedded: ${JSON.stringify(got)}`);
      if (want.status !== 'success' || got.status !== 'success') continue;
      assert.equal(got.data.resultType, want.data.resultType, q);
      const rows = (d: InstantData) => (d.resultType === 'vector' ? d.result.map((x) => [JSON.stringify(Object.entries(x.metric).sort()), Number(x.value[1])] as const) : [['scalar', Number(d.result[1])] as const]).sort(([a], [b]) => (a < b ? -1 : 1));
      const w = rows(want.data);
      const g = rows(got.data);
      assert.deepEqual(g.map(([k]) => k), w.map(([k]) => k), `${q}: series`);
      assert.ok(w.length > 0, `${q}: Prometheus returned nothing`);
      w.forEach(([k, v], i) => {
        const e = g[i]![1];
        const ok = Number.isNaN(v) ? Number.isNaN(e) : Math.abs(e - v) <= Math.max(1e-9, Math.abs(v) * 0.01);
        assert.ok(ok, `${q} ${k}: embedded ${e}, Prometheus ${v}`);
      });
    }
  });
});
