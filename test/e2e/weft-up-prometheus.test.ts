// A real `weft up` of Bookinfo with the real Prometheus it starts (Debian
// package `prometheus`; skipped with the reason when it is not installed):
// a known load (300 pages through the exposed productpage, reviews all on v2
// so every page calls ratings once, and a 10% abort fault on ratings written
// into the copied config folder), then the queries of Istio's Grafana
// dashboards through Prometheus's HTTP API return the load's figures. Each
// figure is checked against what the apps themselves counted (their own
// /metrics, served through the sidecars' merged endpoints) and what the pages
// said, not against the sidecars' numbers alone.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { parsePrometheusText } from '../../src/stats/prometheus-text-parser.js';
import { PROMETHEUS_MISSING } from '../helpers/prometheus-harness.js';
import { applyScenario, closeAgent, copyBookinfo, get, many, waitFor, WeftUpProcess, type Reply, type UpState } from './bookinfo-mesh.js';

const PAGES = 300;
const ABORT_PERCENT = 10;
const WAIT_MS = 20_000;
const DOMAIN = 'default.svc.cluster.local';
const host = (svc: string): string => `${svc}.${DOMAIN}`;

/** Written by this test into the copy's config folder (scenario 05 keeps its own 50%). */
const FAULT_CONFIG = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: default }
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: { host: reviews, subset: v2 }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ratings, namespace: default }
spec:
  hosts: [ratings]
  http:
  - fault:
      abort:
        httpStatus: 500
        percentage: { value: ${ABORT_PERCENT} }
    route:
    - destination: { host: ratings, subset: v1 }
`;

type Hints = Record<'prometheus.io/scrape' | 'prometheus.io/port' | 'prometheus.io/path', string>;
type PromState = UpState & {
  workloads: (UpState['workloads'][number] & { namespace: string; scrape: Hints; ports: { metrics: number } })[];
  controlPlane: { scrape: Hints };
  prometheus: { url: string; port: number; config: string; dataDir: string; scrapeIntervalS: number };
};

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

describe('weft up with Prometheus: Istio dashboard queries after a known load', { timeout: 180_000, skip: PROMETHEUS_MISSING }, () => {
  let up: WeftUpProcess;
  let st: PromState;
  let pages: Reply[] = [];

  const query = async (q: string): Promise<Sample[]> => {
    const r = await fetch(`${st.prometheus.url}/api/v1/query?query=${encodeURIComponent(q)}`);
    const body = (await r.json()) as { status: string; data?: { result: Sample[] }; error?: string };
    assert.equal(body.status, 'success', `${q}: ${body.error ?? ''}`);
    return body.data!.result;
  };
  /** `by (label)` results as { value of label: number }. */
  const byLabel = async (q: string, label: string): Promise<Record<string, number>> =>
    Object.fromEntries((await query(q)).map((s) => [s.metric[label] ?? '', Number(s.value[1])]));
  const scalar = async (q: string): Promise<number> => {
    const r = await query(q);
    assert.equal(r.length, 1, `${q}: ${JSON.stringify(r)}`);
    return Number(r[0]!.value[1]);
  };
  /** Polls `q` until it returns one sample equal to `want` (a scrape is every second). */
  const until = (q: string, want: number) => waitFor(async () => {
    const r = await query(q);
    return r.length === 1 && Number(r[0]!.value[1]) === want;
  }, `${q} == ${want}`, WAIT_MS);

  before(async () => {
    up = new WeftUpProcess(copyBookinfo(), [], undefined, { prometheus: true });
    st = (await up.ready(60_000)) as PromState;
    await applyScenario(up, { 'prom-fault.yaml': FAULT_CONFIG });
    // Two halves, the second once Prometheus has scraped the first: every
    // series then has samples before and after an increase, so the
    // dashboards' rate() forms have something to show (a series first scraped
    // after its last increment has a rate of 0).
    pages = await many(PAGES / 2, 8, () => get({ port: up.edgePort }, '/productpage'));
    // Every server-side series of the first half is in Prometheus (productpage, details, reviews-v2: one each per page; ratings: the pages it rated).
    const rated = pages.filter((p) => p.headers['x-bookinfo-ratings'] !== 'unavailable').length;
    await until('sum(istio_requests_total{reporter="destination"})', 3 * (PAGES / 2) + rated);
    await until(`sum(istio_requests_total{reporter="source",destination_service="${host('ratings')}"})`, PAGES / 2);
    pages.push(...await many(PAGES / 2, 8, () => get({ port: up.edgePort }, '/productpage')));
  });

  after(async () => {
    await up?.kill();
    closeAgent();
    if (up) fs.rmSync(up.dir, { recursive: true, force: true });
  });

  it('prints Prometheus\'s URL, keeps its config and data under DIR/.weft/prometheus, and every target is up', async () => {
    assert.ok(st.prometheus, 'state.json names the Prometheus weft up started');
    assert.match(up.output(), new RegExp(`prometheus +${st.prometheus.url.replaceAll('.', '\\.')}/graph`));
    assert.ok(st.prometheus.config.startsWith(`${up.dir}/.weft/prometheus/`) && st.prometheus.dataDir.startsWith(`${up.dir}/.weft/prometheus/`));
    assert.equal(st.prometheus.scrapeIntervalS, 1);
    // Scrape hints: each sidecar's merged endpoint, the control plane's /metrics.
    for (const w of st.workloads) assert.deepEqual(w.scrape, { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(w.ports.metrics), 'prometheus.io/path': '/stats/prometheus' });
    assert.deepEqual(st.controlPlane.scrape, { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(st.debugPort), 'prometheus.io/path': '/metrics' });
    const pods = ['productpage-v1', 'details-v1', 'reviews-v1', 'reviews-v2', 'reviews-v3', 'ratings-v1', 'expose-productpage-9080', 'istiod-weft'];
    await until('count(up == 1)', pods.length);
    assert.deepEqual(Object.keys(await byLabel('up', 'pod')).sort(), [...pods].sort());
    // The control plane's metrics under istiod's names: the six sidecars connected over ADS.
    assert.equal(await scalar('sum(pilot_xds{pod="istiod-weft"})'), 6);
    assert.ok(await scalar('sum(pilot_xds_pushes{type="cds"})') >= 6);
  });

  it('the load went as configured: every page served, about 10% of them without ratings (the fault)', () => {
    assert.deepEqual(pages.filter((p) => p.status !== 200).map((p) => `${p.status} ${p.error ?? ''}`), []);
    const unavailable = pages.filter((p) => p.headers['x-bookinfo-ratings'] === 'unavailable').length;
    assert.deepEqual(pages.filter((p) => p.headers['x-bookinfo-reviews'] !== 'v2').length, 0, 'every page from reviews v2');
    // Binomial(300, 0.1): mean 30, standard deviation 5.2; 10..60 is beyond 3.8 of them.
    assert.ok(unavailable >= 10 && unavailable <= 60, `ratings unavailable on ${unavailable} of ${PAGES} pages`);
  });

  it('requests by destination workload (mesh dashboard), server-reported, agree with what each app counted', async () => {
    const aborted = pages.filter((p) => p.headers['x-bookinfo-ratings'] === 'unavailable').length;
    const want = { 'productpage-v1': PAGES, 'details-v1': PAGES, 'reviews-v2': PAGES, 'ratings-v1': PAGES - aborted };
    // Every target's last scrape has the whole load (targets are scraped each on its own phase).
    const total = Object.values(want).reduce((a, b) => a + b, 0);
    await until('sum(istio_requests_total{reporter="destination"})', total);
    await until('sum(bookinfo_requests_total)', total);
    assert.deepEqual(await byLabel('sum(istio_requests_total{reporter="destination"}) by (destination_workload)', 'destination_workload'), want);
    // The apps' own counters, scraped through the same merged endpoints.
    assert.deepEqual(await byLabel('sum(bookinfo_requests_total) by (pod) > 0', 'pod'), want);
    // The dashboard's rate() form: the same workloads, each moving.
    const rates = await byLabel('sum(rate(istio_requests_total{reporter="destination"}[1m])) by (destination_workload)', 'destination_workload');
    assert.deepEqual(Object.keys(rates).sort(), Object.keys(want).sort());
    for (const [w, r] of Object.entries(rates)) assert.ok(r > 0, `${w}: rate ${r}`);
  });

  it('success rate (service dashboard: non-5xx over all) for ratings: the aborts, counted at the caller with flag FI and the route\'s service', async () => {
    const aborted = pages.filter((p) => p.headers['x-bookinfo-ratings'] === 'unavailable').length;
    const svc = host('ratings');
    await until(`sum(istio_requests_total{reporter="source",destination_service=~"${svc}"})`, PAGES);
    const rate = await scalar(`sum(istio_requests_total{reporter="source",destination_service=~"${svc}",response_code!~"5.*"}) / sum(istio_requests_total{reporter="source",destination_service=~"${svc}"})`);
    assert.equal(rate, (PAGES - aborted) / PAGES);
    // The aborts: 500 with FI, from reviews-v2, named by the route's cluster (not the Host header "ratings:9080").
    const faults = await query('sum(istio_requests_total{reporter="source",response_code="500"}) by (source_workload, destination_service, destination_service_name, response_flags)');
    assert.deepEqual(faults.map((s) => [s.metric.source_workload, s.metric.destination_service, s.metric.destination_service_name, s.metric.response_flags, Number(s.value[1])]),
      [['reviews-v2', svc, 'ratings', 'FI', aborted]]);
    // Server side: ratings answered everything it was sent.
    assert.equal(await scalar(`sum(istio_requests_total{reporter="destination",destination_service=~"${svc}",response_code!~"5.*"}) / sum(istio_requests_total{reporter="destination",destination_service=~"${svc}"})`), 1);
  });

  it('p99 latency by service (histogram_quantile over the duration buckets) is the quantile of the sidecars\' own histograms', async () => {
    // Both reporters' histograms complete in Prometheus: every server-side request, and every client-side one (productpage → details and reviews, reviews-v2 → ratings; the edge has no istio.stats).
    const rated = pages.filter((p) => p.headers['x-bookinfo-ratings'] !== 'unavailable').length;
    await until('sum(istio_request_duration_milliseconds_count)', (3 * PAGES + rated) + 3 * PAGES);
    // The same buckets read straight from every sidecar's merged endpoint, summed by (le, destination_service).
    const buckets = new Map<string, Map<number, number>>();
    for (const w of st.workloads) {
      const text = await (await fetch(`http://127.0.0.1:${w.ports.metrics}/stats/prometheus`)).text();
      for (const s of parsePrometheusText(text).get('istio_request_duration_milliseconds')?.samples ?? []) {
        if (s.name !== 'istio_request_duration_milliseconds_bucket') continue;
        const svc = s.labels.destination_service!;
        const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
        const m = buckets.get(svc) ?? new Map<number, number>();
        m.set(le, (m.get(le) ?? 0) + s.value);
        buckets.set(svc, m);
      }
    }
    const expected = Object.fromEntries([...buckets].map(([svc, m]) => [svc, quantile(0.99, m)]));
    assert.deepEqual(Object.keys(expected).sort(), ['details', 'productpage', 'ratings', 'reviews'].map(host));
    const got = await byLabel('histogram_quantile(0.99, sum(istio_request_duration_milliseconds_bucket) by (le, destination_service))', 'destination_service');
    for (const [svc, v] of Object.entries(expected)) assert.ok(Math.abs(got[svc]! - v) < 1e-6, `${svc}: Prometheus ${got[svc]}, sidecars ${v}`);
    // The dashboard's rate() form: every service, a finite latency within Istio's bucket bounds.
    const p99 = await byLabel('histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket[1m])) by (le, destination_service))', 'destination_service');
    assert.deepEqual(Object.keys(p99).sort(), Object.keys(expected).sort());
    for (const [svc, v] of Object.entries(p99)) assert.ok(Number.isFinite(v) && v > 0, `${svc}: p99 ${v}`);
  });

  it('every request between sidecars is mutual TLS (connection_security_policy="mutual_tls", server-reported)', async () => {
    const all = await byLabel('sum(istio_requests_total{reporter="destination"}) by (destination_workload)', 'destination_workload');
    assert.deepEqual(await byLabel('sum(istio_requests_total{reporter="destination",connection_security_policy="mutual_tls"}) by (destination_workload)', 'destination_workload'), all);
    assert.deepEqual(await query('istio_requests_total{reporter="destination",connection_security_policy!="mutual_tls"}'), []);
  });

  it('each sidecar\'s own cluster label is Istio\'s default cluster name (CLUSTER_ID Kubernetes)', async () => {
    assert.deepEqual(await byLabel('count(istio_requests_total{reporter="destination"}) by (destination_cluster)', 'destination_cluster').then(Object.keys), ['Kubernetes']);
    assert.deepEqual(await byLabel('count(istio_requests_total{reporter="source"}) by (source_cluster)', 'source_cluster').then(Object.keys), ['Kubernetes']);
    // The peer's, where the peer answered (a fault abort has no peer: unknown, as Istio reports it).
    assert.deepEqual(await byLabel('count(istio_requests_total{reporter="source",response_flags="-"}) by (destination_cluster)', 'destination_cluster').then(Object.keys), ['Kubernetes']);
  });
});

/** Prometheus's histogram_quantile on cumulative buckets (upper bound → count): linear within the bucket; in the +Inf bucket, the largest finite bound. */
function quantile(q: number, cumulative: Map<number, number>): number {
  const bounds = [...cumulative.keys()].sort((a, b) => a - b);
  const total = cumulative.get(Infinity)!;
  const rank = q * total;
  let prevBound = 0;
  let prevCount = 0;
  for (const b of bounds) {
    const c = cumulative.get(b)!;
    if (c >= rank) {
      if (b === Infinity) return prevBound;
      // The first bucket's lower bound is 0 (its upper bound is positive).
      return prevBound + (b - prevBound) * ((rank - prevCount) / (c - prevCount));
    }
    prevBound = b;
    prevCount = c;
  }
  return NaN;
}
