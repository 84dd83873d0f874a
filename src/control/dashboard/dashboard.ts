// The dashboard's server side, mounted on the control plane's debug HTTP
// server (same origin as the page): the embedded metrics store and its
// scraper, the query layer (embedded, or --prometheus with fallback), the
// Prometheus API subset, the dashboard's own JSON endpoints, the built UI,
// and the trace query API forwarded to a collector when one is configured.
// Read-only: every route is GET (or HEAD); anything else is 405.
// The contract is docs/architecture/dashboard.md.
import type http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WEFT_VERSION } from '../../common/version.js';
import type { StoredSpan } from '../traces/trace-store.js';
import { buildConfigView, type ConfigViewInput } from './config-view.js';
import { DASHBOARD_DEFAULTS, GRAPH_WINDOWS, type GraphWindow } from './defaults.js';
import { explainCode } from './error-catalogue.js';
import { buildGraph, type GraphTargetInfo } from './graph.js';
import { MetricsStore } from './metrics-store.js';
import { EmbeddedQueryLayer, FallbackQueryLayer, reason, type PromAnswer, type QueryLayer } from './query-layer.js';
import { recentReplies } from './replies.js';
import { Scraper, type ScrapeTargetSpec } from './scraper.js';
import { DASHBOARD_PREFIX, StaticFiles } from './static-files.js';

/** A scrape target as the dashboard knows it: where to scrape, and what it is in the graph. */
export interface DashboardTarget extends ScrapeTargetSpec {
  /** sidecar (default), ingress (an edge/gateway proxy: an ingress node), control-plane (not a graph node). */
  readonly kind?: 'sidecar' | 'ingress' | 'control-plane';
  /** The service host the workload serves (destination_service), so an idle workload is grouped under it. */
  readonly service?: string;
}

export interface DashboardOptions {
  readonly scrapeIntervalMs?: number;
  readonly scrapeTimeoutMs?: number;
  readonly windowMs?: number;
  readonly maxSeries?: number;
  readonly maxSamples?: number;
  /** Metric names not stored (default DASHBOARD_DEFAULTS.dropMetrics: Envoy's per-cluster stats); null keeps everything. */
  readonly dropMetrics?: RegExp | null;
  /** Query this Prometheus (its base URL) first; the embedded store answers when it fails. */
  readonly prometheusUrl?: string;
  readonly prometheusTimeoutMs?: number;
  /** The built UI (default: dist/dashboard beside the compiled code). */
  readonly staticDir?: string;
  /** A trace collector's Zipkin query API base (http://host:port): /api/v2/* reads are forwarded there. */
  readonly traceQueryUrl?: string;
  readonly targets?: readonly DashboardTarget[];
  /** Unix ms (tests inject it). */
  readonly now?: () => number;
}

/** What the control plane lends the dashboard: narrow, read-only views. */
export interface DashboardSources {
  /** Config objects, analysis and proxy sync state, at the time of the call. */
  config(): ConfigViewInput;
  /** The embedded trace receiver's traces, when it runs. */
  traces(): readonly (readonly StoredSpan[])[] | undefined;
  /** The file and line of an accepted config object ("Kind name.namespace"). */
  locate(objectKey: string): { file?: string; line?: number } | undefined;
}

/** Where `npm run build` puts the UI: <repo>/dist/dashboard (this file compiles to <repo>/dist/src/control/dashboard/). */
export const DEFAULT_STATIC_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../dashboard');

const PROBE_CACHE_MS = 5_000;

export class Dashboard {
  readonly store: MetricsStore;
  readonly scraper: Scraper;
  readonly embedded: EmbeddedQueryLayer;
  readonly queries: QueryLayer;
  private readonly fallback: FallbackQueryLayer | undefined;
  private readonly files: StaticFiles;
  private readonly now: () => number;
  private targetInfo: readonly DashboardTarget[] = [];
  private lastProbe = 0;

  constructor(private readonly opts: DashboardOptions, private readonly sources: DashboardSources) {
    this.now = opts.now ?? Date.now;
    this.store = new MetricsStore({
      windowMs: opts.windowMs ?? DASHBOARD_DEFAULTS.windowMs,
      maxSeries: opts.maxSeries ?? DASHBOARD_DEFAULTS.maxSeries,
      maxSamples: opts.maxSamples ?? DASHBOARD_DEFAULTS.maxSamples,
    });
    this.scraper = new Scraper(this.store, {
      now: this.now,
      ...(opts.scrapeIntervalMs !== undefined ? { intervalMs: opts.scrapeIntervalMs } : {}),
      ...(opts.scrapeTimeoutMs !== undefined ? { timeoutMs: opts.scrapeTimeoutMs } : {}),
      ...(opts.dropMetrics !== undefined ? { dropMetrics: opts.dropMetrics ?? undefined } : {}),
    });
    this.embedded = new EmbeddedQueryLayer(this.store, {}, this.now);
    if (opts.prometheusUrl) {
      this.fallback = new FallbackQueryLayer(opts.prometheusUrl, this.embedded, {
        timeoutMs: opts.prometheusTimeoutMs ?? DASHBOARD_DEFAULTS.prometheusTimeoutMs,
        retryMs: DASHBOARD_DEFAULTS.prometheusRetryMs,
        now: this.now,
      });
    }
    this.queries = this.fallback ?? this.embedded;
    this.files = new StaticFiles(opts.staticDir ?? DEFAULT_STATIC_DIR);
    if (opts.targets) this.setTargets(opts.targets);
  }

  /** Replaces the scrape targets (weft up hands them over once its sidecars' ports are known). */
  setTargets(targets: readonly DashboardTarget[]): void {
    this.targetInfo = targets;
    this.scraper.setTargets(targets);
  }

  start(): void {
    this.scraper.start();
  }

  async stop(): Promise<void> {
    await this.scraper.stop();
  }

  /** Serves the request when its path is the dashboard's; false otherwise (the caller serves it). */
  handle(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://dashboard');
    } catch {
      return false; // not a path of ours (the server answers it)
    }
    const p = url.pathname;
    const mine = p === '/' || p === '/dashboard' || p.startsWith(DASHBOARD_PREFIX) || p.startsWith('/api/v1/') || p.startsWith('/api/dashboard/')
      || (this.opts.traceQueryUrl !== undefined && p.startsWith('/api/v2/'));
    if (!mine) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'error', errorType: 'bad_data', error: `${req.method} not allowed: the dashboard is read-only (GET only)` }));
      return true;
    }
    if (p === '/' || p === '/dashboard') {
      res.writeHead(302, { location: DASHBOARD_PREFIX, 'content-type': 'text/plain' });
      res.end(`see ${DASHBOARD_PREFIX}\n`);
      return true;
    }
    if (p.startsWith(DASHBOARD_PREFIX)) {
      this.files.serve(p, req, res);
      return true;
    }
    void this.route(p, url.searchParams, req, res).catch((e: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { status: 'error', errorType: 'internal', error: (e as Error).message });
      else res.destroy();
    });
    return true;
  }

  private async route(p: string, q: URLSearchParams, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    switch (p) {
      case '/api/v1/query': return this.apiQuery(q, res);
      case '/api/v1/query_range': return this.apiQueryRange(q, res);
      case '/api/v1/label/__name__/values': return sendJson(res, 200, { status: 'success', data: this.store.names() });
      case '/api/v1/status/buildinfo': return sendJson(res, 200, { status: 'success', data: { version: WEFT_VERSION, application: 'weft embedded store' } });
      case '/api/dashboard/status': return sendJson(res, 200, await this.status());
      case '/api/dashboard/targets': return sendJson(res, 200, this.scraper.targets());
      case '/api/dashboard/graph': return this.apiGraph(q, res);
      case '/api/dashboard/config': return sendJson(res, 200, buildConfigView(this.sources.config()));
      case '/api/dashboard/replies': return this.apiReplies(q, res);
      case '/api/dashboard/explain': return this.apiExplain(q, res);
    }
    if (p.startsWith('/api/v2/') && this.opts.traceQueryUrl) {
      const u = new URL(req.url ?? '/', 'http://dashboard'); // parsed once already in handle(); the query kept as sent
      return this.forwardTraces(`${u.pathname}${u.search}`, res);
    }
    sendJson(res, 404, { status: 'error', errorType: 'bad_data', error: `no such endpoint ${p}` });
  }

  private async apiQuery(q: URLSearchParams, res: http.ServerResponse): Promise<void> {
    const query = q.get('query');
    if (!query) return badData(res, 'invalid parameter "query": missing');
    let time: number | undefined;
    if (q.get('time')) {
      time = parseTime(q.get('time')!);
      if (time === undefined) return badData(res, `invalid parameter "time": cannot parse "${q.get('time')}" to a valid timestamp`);
    }
    answer(res, await this.queries.query(query, time));
  }

  private async apiQueryRange(q: URLSearchParams, res: http.ServerResponse): Promise<void> {
    const query = q.get('query');
    if (!query) return badData(res, 'invalid parameter "query": missing');
    const start = parseTime(q.get('start') ?? '');
    if (start === undefined) return badData(res, `invalid parameter "start": cannot parse "${q.get('start') ?? ''}" to a valid timestamp`);
    const end = parseTime(q.get('end') ?? '');
    if (end === undefined) return badData(res, `invalid parameter "end": cannot parse "${q.get('end') ?? ''}" to a valid timestamp`);
    if (end < start) return badData(res, 'invalid parameter "end": end timestamp must not be before start time');
    const step = parseStep(q.get('step') ?? '');
    if (step === undefined || step <= 0) return badData(res, `invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer`);
    if ((end - start) / step > 11_000) return badData(res, 'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)');
    answer(res, await this.queries.queryRange(query, start, end, step));
  }

  private async apiGraph(q: URLSearchParams, res: http.ServerResponse): Promise<void> {
    const w = (q.get('window') ?? '5m') as GraphWindow;
    if (!GRAPH_WINDOWS.includes(w)) return badData(res, `invalid parameter "window": "${w}" (one of ${GRAPH_WINDOWS.join(', ')})`);
    const health = new Map(this.scraper.targets().map((t) => [t.id, t] as const));
    const targets: GraphTargetInfo[] = this.targetInfo.flatMap((t) => {
      const st = health.get(t.id);
      return st ? [{ ...st, ...(t.kind ? { kind: t.kind } : {}), ...(t.service ? { service: t.service } : {}) }] : [];
    });
    sendJson(res, 200, await buildGraph(this.queries, w, targets, this.now()));
  }

  private apiReplies(q: URLSearchParams, res: http.ServerResponse): void {
    const raw = q.get('limit');
    let limit: number = DASHBOARD_DEFAULTS.defaultReplies;
    if (raw !== null && raw !== '') {
      if (!/^\d+$/.test(raw) || Number(raw) < 1) return badData(res, `invalid parameter "limit": "${raw}" (a positive integer)`);
      limit = Math.min(Number(raw), DASHBOARD_DEFAULTS.maxReplies);
    }
    const traces = this.sources.traces();
    sendJson(res, 200, traces ? recentReplies(traces, limit, (k) => this.sources.locate(k)) : []);
  }

  private apiExplain(q: URLSearchParams, res: http.ServerResponse): void {
    const code = q.get('code');
    if (!code) return badData(res, 'invalid parameter "code": missing (e.g. WEFT_NO_ROUTE)');
    const e = explainCode(code);
    if (!e) return sendJson(res, 404, { status: 'error', errorType: 'not_found', error: `unknown code ${code}` });
    sendJson(res, 200, e);
  }

  async status(): Promise<unknown> {
    const targets = this.scraper.targets();
    let prometheus: unknown;
    if (this.fallback) {
      if (this.now() - this.lastProbe > PROBE_CACHE_MS) {
        this.lastProbe = this.now();
        await this.fallback.probe();
      }
      prometheus = this.fallback.status;
    }
    const tracesSource = this.opts.traceQueryUrl ? 'collector' : this.sources.traces() ? 'embedded' : 'none';
    return {
      source: this.fallback ? 'prometheus' : 'embedded',
      ...(prometheus ? { prometheus } : {}),
      scrape: {
        intervalSeconds: this.scraper.intervalMs / 1000,
        windowSeconds: this.store.limits.windowMs / 1000,
        // Addition: the window actually held (shorter while the sample cap cuts it).
        effectiveWindowSeconds: Math.round(this.store.effectiveWindowMs / 1000),
        targets: targets.length,
        healthy: targets.filter((t) => t.health === 'up').length,
        // Additions: what the store holds and what it refused (its bounds).
        scrapes: this.scraper.counters.scrapes,
        failures: this.scraper.counters.failures,
        malformed: this.scraper.counters.malformed,
      },
      store: { series: this.store.seriesCount, samples: this.store.sampleCount, maxSeries: this.store.limits.maxSeries, maxSamples: this.store.limits.maxSamples, ...this.store.counters },
      traces: { source: tracesSource, ...(this.opts.traceQueryUrl ? { url: this.opts.traceQueryUrl } : {}) },
      version: WEFT_VERSION,
    };
  }

  /**
   * GET /api/v2/* → the collector's query API (same path and query), bounded by the Prometheus timeout.
   * The parsed path and query are forwarded, never the raw request target: an absolute-form or `//host/…`
   * target would otherwise be glued onto the collector's URL.
   */
  private async forwardTraces(pathAndQuery: string, res: http.ServerResponse): Promise<void> {
    const base = this.opts.traceQueryUrl!.replace(/\/+$/, '');
    try {
      const r = await fetch(`${base}${pathAndQuery}`, { signal: AbortSignal.timeout(this.opts.prometheusTimeoutMs ?? DASHBOARD_DEFAULTS.prometheusTimeoutMs) });
      const body = Buffer.from(await r.arrayBuffer());
      res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json', 'cache-control': 'no-store' });
      res.end(body);
    } catch (e) {
      sendJson(res, 502, { status: 'error', errorType: 'unavailable', error: `trace collector at ${base} unreachable: ${reason(e, this.opts.prometheusTimeoutMs ?? DASHBOARD_DEFAULTS.prometheusTimeoutMs)}` });
    }
  }
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function badData(res: http.ServerResponse, error: string): void {
  sendJson(res, 400, { status: 'error', errorType: 'bad_data', error });
}

function answer<T>(res: http.ServerResponse, a: PromAnswer<T>): void {
  if (a.status === 'success') return sendJson(res, 200, a);
  sendJson(res, a.errorType === 'bad_data' ? 400 : a.errorType === 'execution' ? 422 : 503, a);
}

/** Prometheus's maxTime in Unix seconds (math.MaxInt64 / 1000 - 62135596801); larger timestamps are refused. */
const MAX_TIME_SECONDS = 9_223_309_901_257_974;

/** Unix seconds (a float) or RFC 3339, as Prometheus's API takes them. */
export function parseTime(s: string): number | undefined {
  if (s === '') return undefined;
  // Bounded as Prometheus bounds them (its minTime/maxTime): a timestamp too large to step through is refused.
  if (/^[+-]?\d+(\.\d+)?$/.test(s)) return Math.abs(Number(s)) <= MAX_TIME_SECONDS ? Number(s) : undefined;
  if (/^\d{4}-\d\d-\d\dT/.test(s)) {
    const ms = Date.parse(s);
    return Number.isNaN(ms) || Math.abs(ms / 1000) > MAX_TIME_SECONDS ? undefined : ms / 1000;
  }
  return undefined;
}

/** Seconds (a float) or a duration (15s, 1m30s), as Prometheus's step parameter. */
export function parseStep(s: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
  if (!/^(\d+(ms|[smhdwy]))+$/.test(s)) return undefined;
  let total = 0;
  for (const m of s.matchAll(/(\d+)(ms|[smhdwy])/g)) total += Number(m[1]) * units[m[2]!]!;
  return total;
}
