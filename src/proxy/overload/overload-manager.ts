// The overload manager: samples resource monitors every refresh interval,
// turns their pressure into action states, and admits or refuses new
// downstream connections. The global connection cap (the
// global_downstream_max_connections monitor, or else the runtime key
// overload.global_downstream_max_connections) is checked at every accept.
import type { Clock, TimerHandle } from '../../common/clock.js';
import type { Logger } from '../../common/log.js';
import type { Gauge } from '../../stats/gauge.js';
import type { StatsStore } from '../../stats/stats-store.js';
import { RK_GLOBAL_DOWNSTREAM_MAX_CONNECTIONS } from '../runtime/known-keys.js';
import type { Runtime } from '../runtime/runtime.js';
import { STOP_ACCEPTING_REQUESTS, type ActionConfig, type MonitorConfig, type OverloadConfig, type TriggerConfig } from './decode.js';

/** Why a new connection was refused, as the listener counts it. */
export type AdmitResult = 'admitted' | 'downstream_global_cx_overflow' | 'downstream_cx_overload_reject';

export interface OverloadDeps {
  readonly runtime: Runtime;
  readonly stats: StatsStore;
  readonly clock: Clock;
  readonly log: Logger;
  /** Bytes of heap in use (tests inject it). */
  readonly heapBytes?: () => number;
}

/** Heap the proxy holds: V8's heap plus buffers allocated outside it (sockets' data lives there). */
function processHeapBytes(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

interface LiveAction {
  readonly config: ActionConfig;
  readonly active: Gauge;
  readonly scalePercent: Gauge;
  saturated: boolean;
  scale: number;
}

export class OverloadManager {
  private active = 0;
  private readonly maxConnections: number | undefined;
  private readonly pressure = new Map<string, number>();
  private readonly pressureGauges = new Map<string, Gauge>();
  private readonly actions: LiveAction[];
  private readonly activeGauge: Gauge | undefined;
  private timer: TimerHandle | undefined;
  private readonly stopRequests: LiveAction | undefined;

  constructor(readonly config: OverloadConfig | undefined, private readonly deps: OverloadDeps) {
    const monitors = config?.monitors ?? [];
    const cx = monitors.find((m): m is Extract<MonitorConfig, { kind: 'downstream_connections' }> => m.kind === 'downstream_connections');
    this.maxConnections = cx?.maxConnections;
    for (const m of monitors) this.pressureGauges.set(m.name, deps.stats.gauge(`overload.${m.name}.pressure`));
    if (cx) this.activeGauge = this.pressureGauges.get(cx.name);
    this.actions = (config?.actions ?? []).map((a) => ({
      config: a,
      active: deps.stats.gauge(`overload.${a.name}.active`),
      scalePercent: deps.stats.gauge(`overload.${a.name}.scale_percent`),
      saturated: false,
      scale: 0,
    }));
    this.stopRequests = this.actions.find((a) => a.config.name === STOP_ACCEPTING_REQUESTS);
  }

  /** Starts sampling monitors (only when a sampled monitor exists). */
  start(): void {
    if (!this.config?.monitors.some((m) => m.kind === 'fixed_heap')) return;
    this.refresh();
  }

  close(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** Called for every accepted socket; on 'admitted' the caller must call release() when it closes. */
  admit(): AdmitResult {
    for (const a of this.actions) if (a.saturated && a.config.name !== STOP_ACCEPTING_REQUESTS) return 'downstream_cx_overload_reject';
    const limit = this.maxConnections ?? this.deps.runtime.snapshot().getInteger(RK_GLOBAL_DOWNSTREAM_MAX_CONNECTIONS, Number.POSITIVE_INFINITY);
    if (this.active >= limit) return 'downstream_global_cx_overflow';
    this.active++;
    this.updateConnectionPressure();
    return 'admitted';
  }

  release(): void {
    this.active--;
    this.updateConnectionPressure();
  }

  /**
   * stop_accepting_requests: should this new request be answered 503? As
   * Envoy, a bernoulli draw with the action's scale (0 never draws, 1 always).
   */
  rejectRequest(random: () => number): boolean {
    const s = this.stopRequests?.scale ?? 0;
    return s > 0 && (s >= 1 || random() < s);
  }

  /** Connections admitted and not yet closed, across listeners. */
  get activeConnections(): number {
    return this.active;
  }

  private updateConnectionPressure(): void {
    if (this.activeGauge && this.maxConnections) this.activeGauge.set(Math.floor((this.active / this.maxConnections) * 100));
  }

  private refresh(): void {
    for (const m of this.config?.monitors ?? []) {
      if (m.kind !== 'fixed_heap') continue;
      const p = (this.deps.heapBytes ?? processHeapBytes)() / m.maxHeapBytes;
      this.pressure.set(m.name, p);
      this.pressureGauges.get(m.name)?.set(Math.floor(Math.min(p, 1) * 100));
    }
    for (const a of this.actions) {
      // An action's state is the highest of its triggers' (Envoy's OverloadAction::updateResourcePressure).
      let scale = 0;
      for (const t of a.config.triggers) scale = Math.max(scale, triggerScale(t, this.pressure.get(t.monitor) ?? 0));
      const wasSaturated = a.saturated;
      a.saturated = scale >= 1;
      a.scale = scale;
      a.active.set(a.saturated ? 1 : 0);
      a.scalePercent.set(Math.floor(scale * 100));
      if (a.saturated !== wasSaturated) this.deps.log.warn(`${a.config.name} ${a.saturated ? 'active' : 'inactive'}`);
    }
    this.timer = this.deps.clock.setTimer(this.config!.refreshIntervalMs, () => this.refresh());
  }
}

/** 0 (off) to 1 (saturated) for one trigger at `pressure`. */
function triggerScale(t: TriggerConfig, pressure: number): number {
  if (t.kind === 'threshold') return pressure >= t.value ? 1 : 0;
  if (pressure >= t.saturation) return 1;
  if (pressure <= t.scaling) return 0;
  return (pressure - t.scaling) / (t.saturation - t.scaling);
}
