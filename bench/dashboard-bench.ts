// The dashboard's server-side costs, in CPU time per operation (the machine
// is shared: wall times would measure the neighbours):
// - one scrape of a sidecar's exposition: parse (the strict text parser) and
//   append to the store, for a real Bookinfo sidecar's text when given
//   (--exposition FILE, e.g. curl'd from `weft up`'s merged endpoint), else a
//   synthetic one of the same shape;
// - the graph and a chart's range query over a synthetic mesh of N services
//   (2 versions each, each calling 2 other services; Istio's request counters
//   and duration histograms from both reporters), 60 minutes of 5 s scrapes.
// Usage: node dist/bench/dashboard-bench.js [--services 50] [--minutes 60] [--reps 5] [--exposition FILE]
import fs from 'node:fs';
import { buildGraph } from '../src/control/dashboard/graph.js';
import { MetricsStore } from '../src/control/dashboard/metrics-store.js';
import { EmbeddedQueryLayer } from '../src/control/dashboard/query-layer.js';
import { parsePrometheusText } from '../src/stats/prometheus-text-parser.js';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const SERVICES = Number(arg('services', '50'));
const MINUTES = Number(arg('minutes', '60'));
const REPS = Number(arg('reps', '5'));
const EXPOSITION = arg('exposition', '');
const BUCKETS = ['0.5', '1', '5', '10', '25', '50', '100', '250', '500', '1000', '2500', '5000', '10000', '30000', '60000', '300000', '600000', '1800000', '3600000', '+Inf'];

function cpuMs<T>(f: () => T): { ms: number; value: T } {
  const s = process.cpuUsage();
  const value = f();
  const u = process.cpuUsage(s);
  return { ms: (u.user + u.system) / 1000, value };
}
async function cpuMsAsync<T>(f: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const s = process.cpuUsage();
  const value = await f();
  const u = process.cpuUsage(s);
  return { ms: (u.user + u.system) / 1000, value };
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// ---- 1. one scrape ----
const text = EXPOSITION ? fs.readFileSync(EXPOSITION, 'utf8') : (() => {
  const lines = ['# TYPE istio_requests_total counter'];
  for (let i = 0; i < 20; i++) lines.push(`istio_requests_total{reporter="source",source_workload="a",destination_service="s${i}.default.svc.cluster.local",response_code="200"} ${i}`);
  lines.push('# TYPE istio_request_duration_milliseconds histogram');
  for (let i = 0; i < 20; i++) {
    for (const le of BUCKETS) lines.push(`istio_request_duration_milliseconds_bucket{reporter="source",destination_service="s${i}",le="${le}"} 1`);
    lines.push(`istio_request_duration_milliseconds_sum{reporter="source",destination_service="s${i}"} 1`, `istio_request_duration_milliseconds_count{reporter="source",destination_service="s${i}"} 1`);
  }
  return lines.join('\n') + '\n';
})();
{
  const store = new MetricsStore({ windowMs: 3_600_000, maxSeries: 1_000_000, maxSamples: 100_000_000 });
  const parse: number[] = [];
  const append: number[] = [];
  let series = 0;
  for (let r = 0; r < REPS * 4; r++) {
    const p = cpuMs(() => parsePrometheusText(text));
    parse.push(p.ms);
    const a = cpuMs(() => {
      let n = 0;
      for (const f of p.value.values()) {
        if (/^envoy_(?!server_|cluster_manager_|listener_manager_)/.test(f.name)) continue;
        for (const s of f.samples) {
          store.append({ ...s.labels, job: 'kubernetes-pods', instance: '127.0.0.1:1', namespace: 'default', pod: 'p', __name__: s.name }, r * 5000, s.value);
          n++;
        }
      }
      return n;
    });
    append.push(a.ms);
    series = a.value;
  }
  console.log(`scrape: ${text.split('\n').length} lines, ${series} series kept; parse ${median(parse).toFixed(2)} ms CPU, append ${median(append).toFixed(2)} ms CPU (median of ${REPS * 4})`);
}

// ---- 2. a synthetic mesh, 60 minutes ----
const store = new MetricsStore({ windowMs: MINUTES * 60_000, maxSeries: 10_000_000, maxSamples: 1_000_000_000 });
const workloads: { svc: number; v: number }[] = [];
for (let s = 0; s < SERVICES; s++) for (let v = 1; v <= 2; v++) workloads.push({ svc: s, v });
const calls = (s: number) => [(s + 1) % SERVICES, (s + 7) % SERVICES];
const T_END = 1_800_000_000_000;
const T_START = T_END - MINUTES * 60_000;
const fill = cpuMs(() => {
  let samples = 0;
  for (let t = T_START, k = 1; t <= T_END; t += 5000, k++) {
    for (const w of workloads) {
      for (const d of calls(w.svc)) {
        const dv = (k % 2) + 1;
        for (const reporter of ['source', 'destination']) {
          const base = {
            reporter, source_workload: `svc${w.svc}-v${w.v}`, source_workload_namespace: 'default', source_app: `svc${w.svc}`, source_version: `v${w.v}`,
            destination_service: `svc${d}.default.svc.cluster.local`, destination_service_name: `svc${d}`, destination_service_namespace: 'default',
            destination_workload: `svc${d}-v${dv}`, destination_workload_namespace: 'default', destination_app: `svc${d}`, destination_version: `v${dv}`,
            connection_security_policy: reporter === 'destination' ? 'mutual_tls' : 'unknown', request_protocol: 'http',
          };
          store.append({ ...base, __name__: 'istio_requests_total', response_code: '200', response_flags: '-' }, t, 10 * k);
          store.append({ ...base, __name__: 'istio_requests_total', response_code: '503', response_flags: 'UF' }, t, k);
          BUCKETS.forEach((le, i) => store.append({ ...base, __name__: 'istio_request_duration_milliseconds_bucket', le }, t, Math.min(11, i + 1) * k));
          samples += 2 + BUCKETS.length;
        }
      }
    }
  }
  return samples;
});
console.log(`mesh: ${SERVICES} services, ${workloads.length} workloads, ${store.seriesCount} series, ${store.sampleCount} samples (${(store.sampleCount * 17 / 2 ** 20).toFixed(0)} MiB at 17 B/sample); filled in ${(fill.ms / 1000).toFixed(1)} s CPU; heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB, RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);

const q = new EmbeddedQueryLayer(store, {}, () => T_END);
for (const window of ['1m', '5m', '60m'] as const) {
  const runs: number[] = [];
  let edges = 0;
  for (let r = 0; r < REPS; r++) {
    const g = await cpuMsAsync(() => buildGraph(q, window, [], T_END));
    runs.push(g.ms);
    edges = g.value.edges.length;
  }
  console.log(`graph window=${window}: ${edges} edges, ${median(runs).toFixed(0)} ms CPU (median of ${REPS})`);
}
const charts = [
  ['service request rate by version, 60 min at 15 s', `sum by (destination_version) (rate(istio_requests_total{reporter="destination",destination_service="svc3.default.svc.cluster.local"}[1m]))`],
  ['service p99 by version, 60 min at 15 s', `histogram_quantile(0.99, sum by (le, destination_version) (rate(istio_request_duration_milliseconds_bucket{reporter="destination",destination_service="svc3.default.svc.cluster.local"}[1m])))`],
  ['mesh success rate per service, 60 min at 15 s', `sum by (destination_service) (rate(istio_requests_total{reporter="destination",response_code!~"5.*"}[5m])) / sum by (destination_service) (rate(istio_requests_total{reporter="destination"}[5m]))`],
] as const;
for (const [what, query] of charts) {
  const runs: number[] = [];
  let n = 0;
  for (let r = 0; r < REPS; r++) {
    const a = await cpuMsAsync(() => q.queryRange(query, (T_END - 3_600_000) / 1000, T_END / 1000, 15));
    runs.push(a.ms);
    n = a.value.status === 'success' ? a.value.data.result.length : -1;
  }
  console.log(`range query (${what}): ${n} series, ${median(runs).toFixed(0)} ms CPU (median of ${REPS})`);
}
