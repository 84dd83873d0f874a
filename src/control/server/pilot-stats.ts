// The xDS server's metrics under istiod's names, label sets and buckets
// (pilot/pkg/xds/monitoring.go, pkg/xds/monitoring.go), so Istio's control
// plane dashboard and alerts read weft's control plane unchanged. Values are
// seconds and bytes, as Istio's. Lookups by label happen once per distinct
// label value (the maps below), never per push.
import type { Counter, Gauge, Histogram, StatsStore } from '../../stats/index.js';
import { typeNameFromUrl } from '../../xds/type-urls.js';
import { DISCOVERY_SERVICES } from './service-definitions.js';

/** Istio's metric names. */
export const PILOT_METRICS = {
  connectedProxies: 'pilot_xds',
  pushes: 'pilot_xds_pushes',
  pushTime: 'pilot_xds_push_time',
  convergence: 'pilot_proxy_convergence_time',
  rejects: 'pilot_total_xds_rejects',
  configSize: 'pilot_xds_config_size_bytes',
  configEvents: 'pilot_k8s_cfg_events',
} as const;

/** Istio's bucket bounds for each histogram (seconds; bytes for the config size). */
export const PILOT_BUCKETS = {
  pushTime: [0.01, 0.1, 1, 3, 5, 10, 20, 30],
  convergence: [0.1, 0.5, 1, 3, 5, 10, 20, 30],
  configSize: [1, 10000, 1000000, 4000000, 10000000, 40000000],
} as const;

/** Label value for a proxy that does not say its version (node metadata ISTIO_VERSION, else the build version). */
export const UNKNOWN_PROXY_VERSION = 'unknown';

const SHORT_TYPE = new Map(DISCOVERY_SERVICES.filter((s) => s.typeUrl).map((s) => [s.typeUrl!, s.kind]));

/** Istio's `type` label (v3.GetMetricType): cds, eds, lds, rds, sds; any other type by its full type name. */
export function metricType(typeUrl: string): string {
  return SHORT_TYPE.get(typeUrl) ?? typeNameFromUrl(typeUrl);
}

interface PerType {
  readonly pushes: Counter;
  readonly pushTime: Histogram;
  readonly configSize: Histogram;
}

export class PilotStats {
  private readonly perType = new Map<string, PerType>();
  private readonly rejectCounters = new Map<string, Counter>();
  private readonly sendErrors = new Map<string, Counter>();
  private readonly connected = new Map<string, Gauge>();
  private readonly events = new Map<string, Counter>();
  readonly convergence: Histogram;

  constructor(private readonly store: StatsStore) {
    this.convergence = store.labeledHistogram(PILOT_METRICS.convergence, {}, 'unspecified', PILOT_BUCKETS.convergence);
  }

  /** `pilot_xds{version}`: +1 when a stream names its node, -1 when it closes. */
  proxyConnected(version: string, delta: 1 | -1): void {
    let g = this.connected.get(version);
    if (!g) {
      g = this.store.labeledGauge(PILOT_METRICS.connectedProxies, { version });
      this.connected.set(version, g);
    }
    g.add(delta);
  }

  /** One response sent: `pilot_xds_pushes{type}`, `pilot_xds_push_time{type}` (build + write, seconds), `pilot_xds_config_size_bytes{type}`. */
  pushed(typeUrl: string, seconds: number, bytes: number): void {
    const t = this.typeStats(typeUrl);
    t.pushes.inc();
    t.pushTime.record(seconds);
    t.configSize.record(bytes);
  }

  /** A response that could not be built or written: `pilot_xds_pushes{type="<t>_senderr"}`, as Istio counts send errors. */
  sendError(typeUrl: string): void {
    const type = `${metricType(typeUrl)}_senderr`;
    let c = this.sendErrors.get(type);
    if (!c) {
      c = this.store.labeledCounter(PILOT_METRICS.pushes, { type });
      this.sendErrors.set(type, c);
    }
    c.inc();
  }

  /** A NACK: `pilot_total_xds_rejects{type}`. */
  rejected(typeUrl: string): void {
    const type = metricType(typeUrl);
    let c = this.rejectCounters.get(type);
    if (!c) {
      c = this.store.labeledCounter(PILOT_METRICS.rejects, { type });
      this.rejectCounters.set(type, c);
    }
    c.inc();
  }

  /**
   * A config folder change: `pilot_k8s_cfg_events{type=<Kind>, event=add|update|delete}`.
   * Istio counts Kubernetes watch events under this name; weft counts the
   * same changes seen in the config folder (accepted objects only).
   */
  configEvent(kind: string, event: 'add' | 'update' | 'delete'): void {
    const k = `${kind}|${event}`;
    let c = this.events.get(k);
    if (!c) {
      c = this.store.labeledCounter(PILOT_METRICS.configEvents, { type: kind, event });
      this.events.set(k, c);
    }
    c.inc();
  }

  private typeStats(typeUrl: string): PerType {
    let t = this.perType.get(typeUrl);
    if (!t) {
      const labels = { type: metricType(typeUrl) };
      t = {
        pushes: this.store.labeledCounter(PILOT_METRICS.pushes, labels),
        pushTime: this.store.labeledHistogram(PILOT_METRICS.pushTime, labels, 'unspecified', PILOT_BUCKETS.pushTime),
        configSize: this.store.labeledHistogram(PILOT_METRICS.configSize, labels, 'bytes', PILOT_BUCKETS.configSize),
      };
      this.perType.set(typeUrl, t);
    }
    return t;
  }
}

/** The proxy version Istio labels `pilot_xds` with: node metadata ISTIO_VERSION, else the node's build version. */
export function proxyVersionOf(node: { metadata?: { [k: string]: unknown } | null; user_agent_version?: string | null } | undefined): string {
  const v = node?.metadata?.['ISTIO_VERSION'];
  if (typeof v === 'string' && v !== '') return v;
  if (typeof node?.user_agent_version === 'string' && node.user_agent_version !== '') return node.user_agent_version;
  return UNKNOWN_PROXY_VERSION;
}
