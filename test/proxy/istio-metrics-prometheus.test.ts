// A real Prometheus scrapes two weft sidecars' /stats/prometheus, and the
// queries of Istio's Grafana dashboards (mesh and service dashboards) return
// the figures of a known load: 27 successes and 3 failures from productpage
// to reviews. Skips when the `prometheus` binary (Debian package
// `prometheus`, installed by .ci/run) is absent.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startMesh, SVC, type Mesh } from '../helpers/istio-sidecars.js';
import { request } from '../helpers/proxy-harness.js';
import { PROMETHEUS_MISSING, startPrometheus, type RunningPrometheus } from '../helpers/prometheus-harness.js';

const OK = 27;
const FAILED = 3;

describe('Istio dashboard queries against a real Prometheus scraping weft sidecars', { timeout: 60_000, skip: PROMETHEUS_MISSING }, () => {
  let mesh: Mesh;
  let prom: RunningPrometheus | undefined;
  const query = (q: string) => prom!.query(q);
  const until = (q: string, want: number) => prom!.until(q, want);

  before(async () => {
    mesh = await startMesh();
    for (let i = 0; i < OK; i++) assert.equal((await request({ port: mesh.client.port(), path: '/reviews/1', headers: { host: 'reviews:9080' } })).status, 200);
    for (let i = 0; i < FAILED; i++) assert.equal((await request({ port: mesh.client.port(), path: '/fail', headers: { host: 'reviews:9080' } })).status, 503);
    prom = await startPrometheus([{ job: 'envoy-stats', metricsPath: '/stats/prometheus', targets: [mesh.client.adminPort, mesh.server.adminPort] }]);
    // Both targets scraped with the whole load in them.
    await until('sum(istio_requests_total{reporter="destination"})', OK + FAILED);
    await until('sum(istio_requests_total{reporter="source"})', OK + FAILED);
  });

  after(async () => {
    await prom?.close();
    await mesh?.close();
  });

  it('both sidecars are up as scrape targets', async () => {
    const up = await query('up{job="envoy-stats"}');
    assert.deepEqual(up.map((s) => s.value[1]).sort(), ['1', '1']);
  });

  it('requests by destination workload (mesh dashboard), server-reported', async () => {
    const r = await query('sum(istio_requests_total{reporter="destination"}) by (destination_workload, destination_workload_namespace)');
    assert.deepEqual(r.map((s) => [s.metric.destination_workload, s.metric.destination_workload_namespace, Number(s.value[1])]), [['reviews-v2', 'default', OK + FAILED]]);
    // The dashboard's rate() form needs two scrapes of the series: wait for the second.
    const q = 'sum(rate(istio_requests_total{reporter="destination"}[1m])) by (destination_workload)';
    await until(`count(${q})`, 1);
    assert.deepEqual((await query(q)).map((s) => s.metric.destination_workload), ['reviews-v2']);
  });

  it('success rate (service dashboard: non-5xx over all), from both reporters', async () => {
    for (const reporter of ['destination', 'source']) {
      const r = await query(`sum(istio_requests_total{reporter="${reporter}",destination_service=~"${SVC}",response_code!~"5.*"}) / sum(istio_requests_total{reporter="${reporter}",destination_service=~"${SVC}"})`);
      assert.equal(r.length, 1, reporter);
      assert.equal(Number(r[0]!.value[1]), OK / (OK + FAILED), reporter);
    }
  });

  it('who calls whom (Kiali\'s edges): source and destination workloads on the client sidecar\'s series', async () => {
    const r = await query('sum(istio_requests_total{reporter="source"}) by (source_workload, source_app, destination_workload, destination_app, response_code)');
    const rows = r.map((s) => [s.metric.source_workload, s.metric.source_app, s.metric.destination_workload, s.metric.destination_app, s.metric.response_code, Number(s.value[1])]).sort();
    assert.deepEqual(rows, [
      ['productpage-v1', 'productpage', 'reviews-v2', 'reviews', '200', OK],
      ['productpage-v1', 'productpage', 'reviews-v2', 'reviews', '503', FAILED],
    ]);
  });

  it('P99 latency by service (histogram_quantile over the duration buckets) and request size', async () => {
    const p99 = await query('histogram_quantile(0.99, sum(istio_request_duration_milliseconds_bucket{reporter="destination"}) by (le, destination_service))');
    assert.equal(p99.length, 1);
    assert.equal(p99[0]!.metric.destination_service, SVC);
    const v = Number(p99[0]!.value[1]);
    assert.ok(v > 0 && v <= 1000, `p99 ${v} ms`);
    const size = await query('histogram_quantile(0.5, sum(istio_response_bytes_bucket{reporter="destination",response_code="200"}) by (le))');
    const median = Number(size[0]!.value[1]);
    assert.ok(median > 500 && median <= 1000, `median response size ${median} (700-byte bodies, buckets 500 and 1000)`);
  });
});
