// The service graph (Kiali's versioned-app graph): source workload →
// destination service → destination workload, from Istio's standard metrics
// through the query layer, so it is the same with the embedded store and with
// a real Prometheus. Requests come from istio_requests_total as the caller's
// sidecar reports them (as Kiali does: the caller also sees the requests that
// never reached the callee); where the caller reports nothing (an edge proxy,
// a client outside the mesh), the callee's report stands in. Latency from istio_request_duration_milliseconds
// buckets, TCP traffic from istio_tcp_{sent,received}_bytes_total.
import type { GraphWindow } from './defaults.js';
import { histogramQuantile } from './promql/evaluator.js';
import type { Labels, Sample } from './promql/values.js';
import type { QueryLayer } from './query-layer.js';
import type { TargetStatus } from './scraper.js';

export interface GraphNode {
  id: string;
  kind: 'service' | 'workload' | 'ingress' | 'external' | 'unknown';
  label: string;
  namespace?: string;
  service?: string;
  workload?: string;
  app?: string;
  version?: string;
  scrape?: 'up' | 'down' | 'unknown';
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  protocol: 'http' | 'grpc' | 'tcp';
  rps: number;
  /** 0..1: 5xx responses and local replies (any response flag) over all requests. */
  errorRatio: number;
  p50Ms?: number;
  p99Ms?: number;
  tcpBytesPerSec?: number;
  mtls: 'mutual_tls' | 'none' | 'mixed';
}

export interface Graph {
  window: GraphWindow;
  generatedAt: number;
  nodes: GraphNode[];
  edges: GraphEdge[];
  warnings?: string[];
}

/** What the graph needs to know about scrape targets: their health, and which are ingress proxies. */
export interface GraphTargetInfo extends TargetStatus {
  readonly kind?: 'sidecar' | 'ingress' | 'control-plane';
  /** The destination_service host the workload serves, when known. */
  readonly service?: string;
}

const SOURCE = ['source_workload', 'source_workload_namespace', 'source_app', 'source_version', 'source_principal'];
const DEST = ['destination_service', 'destination_service_name', 'destination_service_namespace', 'destination_workload', 'destination_workload_namespace', 'destination_app', 'destination_version'];

/** The PromQL the graph runs for a window (exported for docs and tests: the UI can run the same). */
export function graphQueries(w: GraphWindow): Record<string, string> {
  const by = (extra: string[]) => [...SOURCE, ...DEST, ...extra].join(', ');
  return {
    requestsDest: `sum by (${by(['request_protocol', 'response_code', 'response_flags', 'connection_security_policy'])}) (rate(istio_requests_total{reporter="destination"}[${w}]))`,
    requestsSource: `sum by (${by(['request_protocol', 'response_code', 'response_flags', 'connection_security_policy'])}) (rate(istio_requests_total{reporter="source"}[${w}]))`,
    // One query for both hops' latencies; p50 and p99 per hop are histogram_quantile over sums of these rows (done here, so the buckets' rates are computed once).
    latencyBuckets: `sum by (le, reporter, source_workload, source_workload_namespace, source_principal, destination_service, destination_workload, destination_workload_namespace) (rate(istio_request_duration_milliseconds_bucket[${w}]))`,
    // Sent and received are two queries (added up here): one rate() over both names would hold two series with
    // the same labels once rate() drops the name, which Prometheus refuses ("vector cannot contain metrics
    // with the same labelset"), so the graph lost its TCP edges with --prometheus.
    tcpSent: `sum by (${by(['connection_security_policy', 'reporter'])}) (rate(istio_tcp_sent_bytes_total[${w}]))`,
    tcpReceived: `sum by (${by(['connection_security_policy', 'reporter'])}) (rate(istio_tcp_received_bytes_total[${w}]))`,
  };
}

const known = (v: string | undefined): v is string => v !== undefined && v !== '' && v !== 'unknown';

interface EdgeAcc {
  source: string;
  target: string;
  protocol: GraphEdge['protocol'];
  rps: number;
  errors: number;
  tcp: number;
  mtls: Set<string>;
  p50?: number;
  p99?: number;
}

export async function buildGraph(q: QueryLayer, window: GraphWindow, targets: readonly GraphTargetInfo[], nowMs: number): Promise<Graph> {
  const qs = graphQueries(window);
  const time = nowMs / 1000;
  const warnings = new Set<string>();
  const run = async (query: string): Promise<{ metric: Labels; v: number }[]> => {
    const a = await q.query(query, time);
    for (const w of a.warnings ?? []) warnings.add(w);
    if (a.status !== 'success') {
      warnings.add(`graph query failed: ${a.error}`);
      return [];
    }
    if (a.data.resultType !== 'vector') return [];
    return a.data.result.map((r) => ({ metric: r.metric, v: Number(r.value[1]) })).filter((r) => Number.isFinite(r.v));
  };
  const [dest, src, buckets, tcpSent, tcpReceived] = await Promise.all([qs.requestsDest, qs.requestsSource, qs.latencyBuckets, qs.tcpSent, qs.tcpReceived].map((x) => run(x!)));
  const tcp = [...tcpSent!, ...tcpReceived!];

  const nodes = new Map<string, GraphNode>();
  const edges = new Map<string, EdgeAcc>();
  const ingress = new Set(targets.filter((t) => t.kind === 'ingress').map((t) => `${t.namespace}/${t.workload}`));
  const health = new Map(targets.map((t) => [`${t.namespace}/${t.workload}`, t.health] as const));

  // A proxy without Istio's peer metadata (weft up's edges, a gateway of another mesh) reaches a sidecar as
  // source_workload "unknown"; its mTLS identity still says which namespace it is in. With one ingress
  // target there, that is the node.
  const ingressOf = (m: Labels): { namespace: string; workload: string } | undefined => {
    if (known(m.source_workload) || !known(m.source_workload_namespace)) return undefined;
    const there = targets.filter((t) => t.kind === 'ingress' && t.namespace === m.source_workload_namespace);
    if (there.length === 1) return { namespace: there[0]!.namespace, workload: there[0]!.workload };
    if ((m.source_principal ?? '').endsWith('/sa/istio-ingressgateway-service-account')) return { namespace: m.source_workload_namespace, workload: 'istio-ingressgateway' };
    return undefined;
  };
  const ingressKey = (ns: string, wl: string): string => (ingress.has(`${ns}/${wl}`) || wl.startsWith('istio-ingressgateway') ? `ingress:${wl}` : `wl:${ns}/${wl}`);
  const workloadNode = (ns: string, wl: string, app: string | undefined, version: string | undefined, service: string | undefined): string => {
    const isIngress = ingress.has(`${ns}/${wl}`) || wl.startsWith('istio-ingressgateway');
    const id = isIngress ? `ingress:${wl}` : `wl:${ns}/${wl}`;
    const n = nodes.get(id);
    if (!n) {
      nodes.set(id, {
        id, kind: isIngress ? 'ingress' : 'workload', label: known(version) && known(app) ? `${app} ${version}` : wl, namespace: ns, workload: wl,
        ...(known(app) ? { app } : {}), ...(known(version) ? { version } : {}), ...(known(service) && !isIngress ? { service } : {}),
        scrape: health.get(`${ns}/${wl}`) ?? 'unknown',
      });
    } else if (known(service) && n.service === undefined && n.kind === 'workload') n.service = service;
    return id;
  };
  const sourceNode = (m: Labels): string => {
    const edge = ingressOf(m);
    if (edge) return workloadNode(edge.namespace, edge.workload, undefined, undefined, undefined);
    if (!known(m.source_workload)) {
      if (!nodes.has('unknown')) nodes.set('unknown', { id: 'unknown', kind: 'unknown', label: 'unknown' });
      return 'unknown';
    }
    return workloadNode(m.source_workload_namespace ?? '', m.source_workload, m.source_app, m.source_version, undefined);
  };
  const serviceNode = (m: Labels, external: boolean): string | undefined => {
    const host = m.destination_service;
    if (!known(host)) return undefined;
    const id = external ? `ext:${host}` : `svc:${host}`;
    if (!nodes.has(id)) {
      nodes.set(id, {
        id, kind: external ? 'external' : 'service', label: known(m.destination_service_name) && !external ? m.destination_service_name : host, service: host,
        ...(known(m.destination_service_namespace) ? { namespace: m.destination_service_namespace } : {}),
      });
    }
    return id;
  };
  const edge = (source: string, target: string, protocol: GraphEdge['protocol']): EdgeAcc => {
    const id = `${source}->${target}#${protocol}`;
    let e = edges.get(id);
    if (!e) edges.set(id, (e = { source, target, protocol, rps: 0, errors: 0, tcp: 0, mtls: new Set() }));
    return e;
  };
  const protocolOf = (m: Labels): GraphEdge['protocol'] => (m.request_protocol === 'grpc' ? 'grpc' : 'http');
  const isError = (m: Labels): boolean => Number(m.response_code) >= 500 || Number(m.response_code) === 0 || (m.response_flags !== undefined && m.response_flags !== '-' && m.response_flags !== '');
  const policyOf = (m: Labels): string | undefined => (known(m.connection_security_policy) ? m.connection_security_policy : undefined);
  const addPolicy = (m: Labels, protocol: GraphEdge['protocol'] = protocolOf(m)): void => {
    const p = policyOf(m);
    if (!p) return;
    const svc = `svc:${m.destination_service}`;
    edges.get(`${sourceNode(m)}->${svc}#${protocol}`)?.mtls.add(p);
    if (known(m.destination_workload)) {
      const wl = ingressKey(m.destination_workload_namespace ?? '', m.destination_workload);
      edges.get(`${svc}->${wl}#${protocol}`)?.mtls.add(p);
    }
  };
  const addRequests = (m: Labels, v: number, external: boolean): void => {
    const svc = serviceNode(m, external);
    if (!svc) return;
    const s = sourceNode(m);
    const e1 = edge(s, svc, protocolOf(m));
    e1.rps += v;
    if (isError(m)) e1.errors += v;
    const policy = policyOf(m);
    if (policy) e1.mtls.add(policy);
    if (!external && known(m.destination_workload)) {
      const d = workloadNode(m.destination_workload_namespace ?? '', m.destination_workload, m.destination_app, m.destination_version, m.destination_service);
      const e2 = edge(svc, d, protocolOf(m));
      e2.rps += v;
      if (isError(m)) e2.errors += v;
      if (policy) e2.mtls.add(policy);
    }
  };

  // As Kiali: the caller's report first (it sees what never reached the callee: fault aborts, no healthy
  // upstream, circuit breaking); the callee's report for callers that report nothing (the edge, clients
  // outside the mesh), i.e. for (source, service) pairs no source report covers.
  const pair = (m: Labels): string => `${m.source_workload_namespace}/${m.source_workload}|${m.destination_service}`;
  const isExternal = (m: Labels): boolean => !known(m.destination_workload) && !(m.destination_service ?? '').endsWith('.svc.cluster.local');
  const bySource = new Set<string>();
  for (const { metric: m, v } of src) {
    if (!known(m.source_workload)) continue;
    addRequests(m, v, isExternal(m));
    bySource.add(pair(m));
  }
  for (const { metric: m, v } of dest) {
    // Only the callee knows whether the connection was mutual TLS (the caller reports "unknown", as Istio's does).
    if (known(m.source_workload) && bySource.has(pair(m))) addPolicy(m);
    else addRequests(m, v, false);
  }
  const tcpBySource = new Set(tcp.filter((r) => r.metric.reporter === 'source' && known(r.metric.source_workload)).map((r) => pair(r.metric)));
  for (const { metric: m, v } of [...tcp.filter((r) => r.metric.reporter === 'source'), ...tcp.filter((r) => r.metric.reporter !== 'source')]) {
    if (m.reporter === 'source' && !known(m.source_workload)) continue;
    if (m.reporter !== 'source' && known(m.source_workload) && tcpBySource.has(pair(m))) {
      addPolicy(m, 'tcp');
      continue;
    }
    const external = m.reporter === 'source' && isExternal(m);
    const svc = serviceNode(m, external);
    if (!svc) continue;
    const e1 = edge(sourceNode(m), svc, 'tcp');
    e1.tcp += v;
    const policy = policyOf(m);
    if (policy) e1.mtls.add(policy);
    if (!external && known(m.destination_workload)) {
      const e2 = edge(svc, workloadNode(m.destination_workload_namespace ?? '', m.destination_workload, m.destination_app, m.destination_version, m.destination_service), 'tcp');
      e2.tcp += v;
      if (policy) e2.mtls.add(policy);
    }
  }
  // Latency per hop: the first hop (caller → service) from the caller's histogram when it reports one (it
  // includes the network and the caller's own replies), else the callee's; the second (service → workload)
  // from the callee's.
  const inHop = new Map<string, { source: boolean; ids: string[]; rows: Sample[] }>();
  const outHop = new Map<string, { ids: string[]; rows: Sample[] }>();
  for (const { metric: m, v } of buckets) {
    if (!known(m.destination_service) || m.le === undefined) continue;
    const svc = `svc:${m.destination_service}`;
    const src = sourceNode(m);
    const kIn = `${m.reporter}|${src}|${svc}`;
    let gi = inHop.get(kIn);
    if (!gi) inHop.set(kIn, (gi = { source: m.reporter === 'source', ids: [`${src}->${svc}#http`, `${src}->${svc}#grpc`], rows: [] }));
    gi.rows.push({ labels: { le: m.le }, v });
    if (m.reporter !== 'destination' || !known(m.destination_workload)) continue;
    const wl = ingressKey(m.destination_workload_namespace ?? '', m.destination_workload);
    const kOut = `${svc}|${wl}`;
    let go = outHop.get(kOut);
    if (!go) outHop.set(kOut, (go = { ids: [`${svc}->${wl}#http`, `${svc}->${wl}#grpc`], rows: [] }));
    go.rows.push({ labels: { le: m.le }, v });
  }
  const setLatency = (ids: string[], rows: Sample[]): void => {
    const p50 = histogramQuantile(0.5, rows)[0]?.v;
    const p99 = histogramQuantile(0.99, rows)[0]?.v;
    for (const id of ids) {
      const e = edges.get(id);
      if (!e) continue;
      if (p50 !== undefined && Number.isFinite(p50)) e.p50 = p50;
      if (p99 !== undefined && Number.isFinite(p99)) e.p99 = p99;
    }
  };
  for (const g of [...inHop.values()].sort((a, b) => Number(a.source) - Number(b.source))) setLatency(g.ids, g.rows);
  for (const g of outHop.values()) setLatency(g.ids, g.rows);

  // Every scraped workload is a node, with or without traffic, so a sidecar that cannot be scraped shows on its node.
  for (const t of targets) {
    if (t.kind === 'control-plane') continue;
    workloadNode(t.namespace, t.workload, t.app, t.version, t.service);
  }

  const round = (x: number, d = 6): number => Math.round(x * 10 ** d) / 10 ** d;
  return {
    window,
    generatedAt: nowMs,
    nodes: [...nodes.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    edges: [...edges.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, e]) => ({
      id, source: e.source, target: e.target, protocol: e.protocol,
      rps: round(e.rps), errorRatio: e.rps > 0 ? round(Math.min(1, e.errors / e.rps)) : 0,
      ...(e.p50 !== undefined ? { p50Ms: round(e.p50, 3) } : {}),
      ...(e.p99 !== undefined ? { p99Ms: round(e.p99, 3) } : {}),
      ...(e.protocol === 'tcp' ? { tcpBytesPerSec: round(e.tcp, 3) } : {}),
      mtls: e.mtls.size > 1 ? (e.mtls.has('mutual_tls') ? 'mixed' : 'none') : e.mtls.has('mutual_tls') ? 'mutual_tls' : 'none',
    })),
    ...(warnings.size ? { warnings: [...warnings] } : {}),
  };
}
