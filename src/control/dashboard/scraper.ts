// Scrapes every target's Prometheus endpoint on an interval into the
// MetricsStore, as a Prometheus with Istio's pod-annotation job would: the
// same target labels (job, instance, namespace, pod), honor_labels false
// (a scraped label that clashes becomes exported_<name>), the synthetic `up`,
// `scrape_duration_seconds` and `scrape_samples_scraped` series, and
// staleness markers for series that vanish or whose target fails. The
// exposition is parsed by the strict stats/prometheus-text-parser: a
// malformed one fails that scrape (as it fails Prometheus's), is counted, and
// its reason is the target's lastError.
import http from 'node:http';
import { parsePrometheusText } from '../../stats/prometheus-text-parser.js';
import { DASHBOARD_DEFAULTS } from './defaults.js';
import type { MetricsStore } from './metrics-store.js';
import type { Labels } from './promql/values.js';

/** One endpoint to scrape: a sidecar's merged metrics, an edge proxy's admin, the control plane's /metrics. */
export interface ScrapeTargetSpec {
  /** Stable id, `<namespace>/<workload>` by convention. */
  readonly id: string;
  readonly workload: string;
  readonly namespace: string;
  readonly app?: string;
  readonly version?: string;
  /** http://host:port/path */
  readonly url: string;
  /** The job label (weft up uses Istio's add-on's "kubernetes-pods"). */
  readonly job: string;
}

export interface TargetStatus {
  readonly id: string;
  readonly workload: string;
  readonly namespace: string;
  readonly app?: string;
  readonly version?: string;
  readonly url: string;
  readonly health: 'up' | 'down' | 'unknown';
  readonly lastError?: string;
  /** When the last scrape started (Unix ms). */
  readonly lastScrapeMs?: number;
  /** How long it took. */
  readonly lastScrapeDurationMs?: number;
  /** Series the last successful scrape stored (metrics in dropMetrics are not counted). */
  readonly series: number;
}

export interface ScraperOptions {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly maxBytes: number;
  /** Unix ms (tests inject it). */
  readonly now: () => number;
  /** Metric names not stored (DASHBOARD_DEFAULTS.dropMetrics); undefined keeps everything. */
  readonly dropMetrics: RegExp | undefined;
}

export interface ScraperCounters {
  scrapes: number;
  failures: number;
  /** Scrapes whose body did not parse as the text exposition format. */
  malformed: number;
}

interface TargetState {
  spec: ScrapeTargetSpec;
  targetLabels: Labels;
  health: TargetStatus['health'];
  lastError?: string;
  lastScrapeMs?: number;
  lastScrapeDurationMs?: number;
  keys: Set<string>;
  inFlight: boolean;
}

export class Scraper {
  private readonly opts: ScraperOptions;
  private readonly states = new Map<string, TargetState>();
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  readonly counters: ScraperCounters = { scrapes: 0, failures: 0, malformed: 0 };

  constructor(private readonly store: MetricsStore, opts: Partial<ScraperOptions> = {}) {
    this.opts = {
      intervalMs: opts.intervalMs ?? DASHBOARD_DEFAULTS.scrapeIntervalMs,
      timeoutMs: opts.timeoutMs ?? DASHBOARD_DEFAULTS.scrapeTimeoutMs,
      maxBytes: opts.maxBytes ?? DASHBOARD_DEFAULTS.maxScrapeBytes,
      now: opts.now ?? Date.now,
      dropMetrics: 'dropMetrics' in opts ? opts.dropMetrics : DASHBOARD_DEFAULTS.dropMetrics,
    };
  }

  get intervalMs(): number {
    return this.opts.intervalMs;
  }

  /** Replaces the target list; targets that are gone get staleness markers, kept ones keep their state. */
  setTargets(targets: readonly ScrapeTargetSpec[]): void {
    const next = new Map<string, TargetState>();
    for (const spec of targets) {
      const old = this.states.get(spec.id);
      if (old && old.spec.url === spec.url) {
        old.spec = spec;
        next.set(spec.id, old);
        continue;
      }
      if (old) this.markAllStale(old);
      let instance = spec.url;
      try {
        instance = new URL(spec.url).host;
      } catch {
        /* reported at scrape time */
      }
      next.set(spec.id, { spec, targetLabels: Object.freeze({ job: spec.job, instance, namespace: spec.namespace, pod: spec.workload }), health: 'unknown', keys: new Set(), inFlight: false });
    }
    for (const [id, st] of this.states) if (!next.has(id)) this.markAllStale(st);
    this.states.clear();
    for (const [id, st] of next) this.states.set(id, st);
  }

  /** Scrapes now, then every interval. */
  start(): void {
    if (this.timer) return;
    const tick = (): void => {
      this.round = this.scrapeAll().finally(() => (this.round = undefined));
    };
    tick();
    this.timer = setInterval(tick, this.opts.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.round;
  }

  /** One round: every target in parallel (a slow one is bounded by the timeout), then window eviction. */
  async scrapeAll(): Promise<void> {
    await Promise.all([...this.states.values()].map((st) => this.scrapeOne(st)));
    this.store.evict(this.opts.now());
  }

  targets(): TargetStatus[] {
    return [...this.states.values()].map((st) => ({
      id: st.spec.id,
      workload: st.spec.workload,
      namespace: st.spec.namespace,
      ...(st.spec.app !== undefined ? { app: st.spec.app } : {}),
      ...(st.spec.version !== undefined ? { version: st.spec.version } : {}),
      url: st.spec.url,
      health: st.health,
      ...(st.lastError !== undefined ? { lastError: st.lastError } : {}),
      ...(st.lastScrapeMs !== undefined ? { lastScrapeMs: st.lastScrapeMs } : {}),
      ...(st.lastScrapeDurationMs !== undefined ? { lastScrapeDurationMs: st.lastScrapeDurationMs } : {}),
      series: st.keys.size,
    }));
  }

  private markAllStale(st: TargetState): void {
    const t = this.opts.now();
    for (const k of st.keys) this.store.markStale(k, t);
    st.keys.clear();
  }

  private async scrapeOne(st: TargetState): Promise<void> {
    if (st.inFlight) return; // the previous scrape is still running: skip this round rather than pile up
    st.inFlight = true;
    const start = this.opts.now();
    const wallStart = performance.now();
    this.counters.scrapes++;
    let error: string | undefined;
    const keys = new Set<string>();
    let scraped = 0;
    try {
      const body = await fetchText(st.spec.url, this.opts.timeoutMs, this.opts.maxBytes);
      let families;
      try {
        families = parsePrometheusText(body);
      } catch (e) {
        this.counters.malformed++;
        throw new Error(`malformed exposition: ${(e as Error).message}`);
      }
      const drop = this.opts.dropMetrics;
      for (const f of families.values()) {
        if (drop?.test(f.name)) continue;
        for (const s of f.samples) {
          const labels: Record<string, string> = {};
          for (const [k, v] of Object.entries(s.labels)) {
            if (v === '') continue; // an empty label is the same as no label
            labels[k in st.targetLabels ? `exported_${k}` : k] = v;
          }
          Object.assign(labels, st.targetLabels);
          labels.__name__ = s.name;
          // An explicit timestamp is honoured, as Prometheus's honor_timestamps (its default) does.
          const key = this.store.append(labels, s.timestampMs ?? start, s.value);
          scraped++;
          if (key) keys.add(key);
        }
      }
    } catch (e) {
      error = (e as Error).message;
    } finally {
      st.inFlight = false;
    }
    const durationMs = performance.now() - wallStart;
    st.lastScrapeMs = start;
    st.lastScrapeDurationMs = Math.round(durationMs * 1000) / 1000;
    if (error !== undefined) {
      this.counters.failures++;
      st.health = 'down';
      st.lastError = error;
      this.markAllStale(st);
    } else {
      st.health = 'up';
      delete st.lastError;
      for (const k of st.keys) if (!keys.has(k)) this.store.markStale(k, start);
      st.keys = keys;
    }
    // Prometheus's synthetic series for every scrape, failed ones included.
    const synth = (name: string, v: number): void => void this.store.append({ ...st.targetLabels, __name__: name }, start, v);
    synth('up', error === undefined ? 1 : 0);
    synth('scrape_duration_seconds', durationMs / 1000);
    synth('scrape_samples_scraped', scraped);
  }
}

/** GET url → body text; rejects on a non-200 status, a timeout or a body over maxBytes. */
function fetchText(url: string, timeoutMs: number, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      reject(new Error(`invalid target URL ${url}`));
      return;
    }
    if (u.protocol !== 'http:') {
      reject(new Error(`unsupported scheme ${u.protocol} (http only)`));
      return;
    }
    const req = http.get(u, { headers: { accept: 'text/plain;version=0.0.4', 'user-agent': 'weft-dashboard' }, agent: false }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`server returned HTTP status ${res.statusCode} ${res.statusMessage ?? ''}`.trimEnd()));
        return;
      }
      const chunks: Buffer[] = [];
      let n = 0;
      res.on('data', (c: Buffer) => {
        n += c.length;
        if (n > maxBytes) {
          req.destroy(new Error(`body larger than ${maxBytes} bytes`));
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', reject);
    });
    // A deadline for the whole scrape, as Prometheus's scrape_timeout: an idle timeout alone would let a target
    // that trickles its body keep the scrape (and the target's health) open for ever.
    const deadline = setTimeout(() => req.destroy(new Error(`context deadline exceeded (no answer within ${timeoutMs} ms)`)), timeoutMs);
    deadline.unref();
    req.on('close', () => clearTimeout(deadline));
    req.on('error', (e) => reject(e));
  });
}
