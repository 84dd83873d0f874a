// The dashboard HTTP API as the UI sees it (docs/architecture/dashboard.md
// holds the contract). Every fetch goes through here so warnings from the
// server (e.g. "prometheus at URL unreachable") reach the banner whichever
// page asked.

export interface DashStatus {
  source: 'embedded' | 'prometheus';
  prometheus?: { url: string; healthy: boolean; error?: string };
  scrape: { intervalSeconds: number; windowSeconds: number; targets: number; healthy: number };
  traces: { source: 'embedded' | 'collector' | 'none'; url?: string };
  version: string;
}

export interface Target {
  id: string;
  workload: string;
  namespace: string;
  app?: string;
  version?: string;
  url: string;
  health: 'up' | 'down' | 'unknown';
  lastError?: string;
  lastScrapeMs?: number;
  series: number;
}

export type NodeKind = 'service' | 'workload' | 'ingress' | 'external' | 'unknown';
export interface GraphNode {
  id: string;
  kind: NodeKind;
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
  /** 0..1: 5xx and local replies over all requests. */
  errorRatio: number;
  p50Ms?: number;
  p99Ms?: number;
  tcpBytesPerSec?: number;
  mtls: 'mutual_tls' | 'none' | 'mixed';
}
export interface Graph {
  window: string;
  generatedAt: number | string;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export interface ConfigMessage {
  code: string;
  severity: string;
  message: string;
  path?: string;
  /** Additions to the contract: where this message points, and Istio's code for the same finding. */
  file?: string;
  line?: number;
  istio?: string;
}
export interface ConfigObject {
  kind: string;
  name: string;
  namespace: string;
  file?: string;
  line?: number;
  status: 'accepted' | 'rejected' | 'warning';
  messages: ConfigMessage[];
}
export interface ProxyType {
  typeUrl: string;
  sentVersion?: string;
  ackedVersion?: string;
  nack?: { version?: string; message: string };
}
export interface ProxyStatus {
  id: string;
  cluster?: string;
  connected: boolean;
  types: ProxyType[];
}
export interface ConfigNote {
  code: string;
  message: string;
  object?: string;
  file?: string;
  line?: number;
}
export interface ConfigHealth {
  objects: ConfigObject[];
  proxies: ProxyStatus[];
  notes: ConfigNote[];
}

export interface WeftErrorRef {
  code: string;
  detail: string;
  object?: string;
  file?: string;
  line?: number;
}
export interface Reply {
  time: number | string;
  workload: string;
  reporter?: string;
  method: string;
  path: string;
  status: number;
  responseFlags: string;
  weftError?: WeftErrorRef;
  /** The trace the failure was recorded in (an addition to the contract), and where the proxy sent it. */
  traceId?: string;
  upstreamCluster?: string;
}
export interface Explanation {
  code: string;
  title: string;
  meaning: string;
  typicalCauses: string[];
  objectKinds: string[];
}

/** Zipkin v2 span (the fields the UI reads). */
export interface Span {
  traceId: string;
  id: string;
  parentId?: string;
  name?: string;
  kind?: string;
  /** Microseconds since the epoch. */
  timestamp?: number;
  /** Microseconds. */
  duration?: number;
  localEndpoint?: { serviceName?: string; ipv4?: string; port?: number };
  remoteEndpoint?: { serviceName?: string; ipv4?: string; port?: number };
  tags?: Record<string, string>;
}

export interface PromSeries {
  metric: Record<string, string>;
  values?: [number, string][];
  value?: [number, string];
}
interface PromResponse {
  status: 'success' | 'error';
  data?: { resultType: string; result: PromSeries[] };
  error?: string;
  errorType?: string;
  warnings?: string[];
}

type WarningListener = (source: string, warnings: string[]) => void;
const listeners: WarningListener[] = [];
/** Called with each response's warnings (an empty list clears that source's). */
export function onWarnings(l: WarningListener): void {
  listeners.push(l);
}
function report(source: string, warnings: string[]): void {
  for (const l of listeners) l(source, warnings);
}

export class ApiError extends Error {
  constructor(readonly url: string, readonly status: number, message: string) {
    super(message);
  }
}

/** GET a JSON document; HTTP and network errors become ApiError with the server's message. */
export async function getJson<T>(url: string, warnSource = url.split('?')[0]!): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept: 'application/json' } });
  } catch (e) {
    report(warnSource, [`${url}: ${(e as Error).message} (is the control plane running?)`]);
    throw new ApiError(url, 0, (e as Error).message);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const msg = (body as { error?: string } | undefined)?.error ?? text.slice(0, 300);
    throw new ApiError(url, res.status, `${res.status}: ${msg}`);
  }
  const warnings = (body as { warnings?: unknown } | undefined)?.warnings;
  if (Array.isArray(warnings)) report(warnSource, warnings.map(String));
  else report(warnSource, []);
  return body as T;
}

export const api = {
  status: () => getJson<DashStatus>('/api/dashboard/status'),
  targets: () => getJson<Target[]>('/api/dashboard/targets'),
  graph: (window: string) => getJson<Graph>(`/api/dashboard/graph?window=${encodeURIComponent(window)}`),
  config: () => getJson<ConfigHealth>('/api/dashboard/config'),
  replies: (limit = 100) => getJson<Reply[]>(`/api/dashboard/replies?limit=${limit}`),
  explain: (code: string) => getJson<Explanation>(`/api/dashboard/explain?code=${encodeURIComponent(code)}`),
  traceServices: () => getJson<string[]>('/api/v2/services', 'traces'),
  traces: (q: Record<string, string | number | undefined>) => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') p.set(k, String(v));
    return getJson<Span[][]>(`/api/v2/traces?${p}`, 'traces');
  },
  trace: (id: string) => getJson<Span[]>(`/api/v2/trace/${encodeURIComponent(id)}`, 'traces'),
};

/** A range query: the Prometheus HTTP API's /api/v1/query_range (the embedded store or a real Prometheus). */
export async function queryRange(query: string, startS: number, endS: number, stepS: number): Promise<PromSeries[]> {
  const p = new URLSearchParams({ query, start: String(startS), end: String(endS), step: String(stepS) });
  let r: PromResponse;
  try {
    r = await getJson<PromResponse>(`/api/v1/query_range?${p}`, 'prometheus');
  } catch (e) {
    if (e instanceof ApiError && e.status === 400) throw new Error(`PromQL rejected: ${e.message}`);
    throw e;
  }
  if (r.status !== 'success' || !r.data) throw new Error(r.error ?? 'query failed');
  return r.data.result;
}
