// The service graph (Kiali's versioned-app graph): source workload →
// destination service → destination workload, from Istio's standard metrics
// through the query layer, so it is the same with the embedded store and with
// a real Prometheus. Requests come from istio_requests_total as the
// destination's sidecar reports them; where a destination has no sidecar to
// report (an external ServiceEntry host, an uninstrumented service), the
// source's report stands in. Latency from istio_request_duration_milliseconds
// buckets, TCP traffic from istio_tcp_{sent,received}_bytes_total.
import type { GraphWindow } from './defaults.js';
import type { Labels } from './promql/values.js';
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
    p50In: `histogram_quantile(0.5, sum by (le, source_workload, source_workload_namespace, source_principal, destination_service) (rate(istio_request_duration_milliseconds_bucket{reporter="destination"}[${w}])))`,
    p99In: `histogram_quantile(0.99, sum by (le, source_workload, source_workload_namespace, source_principal, destination_service) (rate(istio_request_duration_milliseconds_bucket{reporter="destination"}[${w}])))`,
    p50Out: `histogram_quantile(0.5, sum by (le, destination_service, destination_workload, destination_workload_namespace) (rate(istio_request_duration_milliseconds_bucket{reporter="destination"}[${w}])))`,
    p99Out: `histogram_quantile(0.99, sum by (le, destination_service, destination_workload, destination_workload_namespace) (rate(istio_request_duration_milliseconds_bucket{reporter="destination"}[${w}])))`,
    tcp: `sum by (${by(['connection_security_policy', 'reporter'])}) (rate({__name__=~"istio_tcp_sent_bytes_total|istio_tcp_received_bytes_total"}[${w}]))`,
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
  const [dest, src, p50In, p99In, p50Out, p99Out, tcp] = await Promise.all([qs.requestsDest, qs.requestsSource, qs.p50In, qs.p99In, qs.p50Out, qs.p99Out, qs.tcp].map((x) => run(x!)));

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
  const addRequests = (m: Labels, v: number, external: boolean): void => {
    const svc = serviceNode(m, external);
    if (!svc) return;
    const s = sourceNode(m);
    const e1 = edge(s, svc, protocolOf(m));
    e1.rps += v;
    if (isError(m)) e1.errors += v;
    if (m.connection_security_policy) e1.mtls.add(m.connection_security_policy);
    if (!external && known(m.destination_workload)) {
      const d = workloadNode(m.destination_workload_namespace ?? '', m.destination_workload, m.destination_app, m.destination_version, m.destination_service);
      const e2 = edge(svc, d, protocolOf(m));
      e2.rps += v;
      if (isError(m)) e2.errors += v;
      if (m.connection_security_policy) e2.mtls.add(m.connection_security_policy);
    }
  };

  // Destination reports first; a source report counts only for a (source, service) pair no destination reported.
  const reported = new Set<string>();
  for (const { metric: m, v } of dest) {
    addRequests(m, v, false);
    reported.add(`${m.source_workload_namespace}/${m.source_workload}|${m.destination_service}`);
  }
  for (const { metric: m, v } of src) {
    if (reported.has(`${m.source_workload_namespace}/${m.source_workload}|${m.destination_service}`)) continue;
    const external = !known(m.destination_workload) && !(m.destination_service ?? '').endsWith('.svc.cluster.local');
    addRequests(m, v, external);
  }
  for (const { metric: m, v } of tcp) {
    if (m.reporter === 'source' && reported.has(`${m.source_workload_namespace}/${m.source_workload}|${m.destination_service}`)) continue;
    const external = !known(m.destination_workload) && !(m.destination_service ?? '').endsWith('.svc.cluster.local');
    const svc = serviceNode(m, external);
    if (!svc) continue;
    // Each connection is reported by both sides; the destination's report is the one kept when both exist.
    if (m.reporter === 'source' && known(m.destination_workload)) continue;
    const e1 = edge(sourceNode(m), svc, 'tcp');
    e1.tcp += v;
    if (m.connection_security_policy) e1.mtls.add(m.connection_security_policy);
    if (!external && known(m.destination_workload)) {
      const e2 = edge(svc, workloadNode(m.destination_workload_namespace ?? '', m.destination_workload, m.destination_app, m.destination_version, m.destination_service), 'tcp');
      e2.tcp += v;
      if (m.connection_security_policy) e2.mtls.add(m.connection_security_policy);
    }
  }
  const setLatency = (rows: { metric: Labels; v: number }[], key: 'p50' | 'p99', hop: 'in' | 'out'): void => {
    for (const { metric: m, v } of rows) {
      for (const e of edges.values()) {
        if (e.protocol === 'tcp') continue;
        const svc = `svc:${m.destination_service}`;
        if (hop === 'in' && e.target === svc && e.source === sourceNode(m)) e[key] = v;
        if (hop === 'out' && e.source === svc && e.target.endsWith(`${m.destination_workload_namespace}/${m.destination_workload}`)) e[key] = v;
      }
    }
  };
  setLatency(p50In, 'p50', 'in');
  setLatency(p99In, 'p99', 'in');
  setLatency(p50Out, 'p50', 'out');
  setLatency(p99Out, 'p99', 'out');

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
