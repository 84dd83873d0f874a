// Shared pick path of the per-request policies (round robin, least request,
// random), mirroring Envoy's EdfLoadBalancerBase: choose a priority level by
// its load, then a "host source" inside it (its healthy hosts, or all of its
// hosts when the level is in panic), then a host from that source.
import { DEFAULT_HOST_SELECTION_RETRIES } from './defaults.js';
import { PrioritySet } from './priority-set.js';
import type { Rng } from './rng.js';
import { anyInSlowStart, SLOW_START_REFRESH_MS, slowStartWeights } from './slow-start.js';
import type { LbContext, LbHost, LoadBalancer, SlowStartConfig } from './types.js';

/** Policy state per host source is indexed `priority * 2 + (allHosts ? 1 : 0)`. */
export abstract class HostSourceLoadBalancer implements LoadBalancer {
  protected readonly set: PrioritySet;
  /** Healthy-list version each source was built for; -1 when never built. */
  private builtFor: number[] = [];
  /**
   * Sources are reset lazily on the first pick: subclass fields are not yet
   * initialised while this constructor runs.
   */
  private sourcesStale = true;
  /** Whether the last pickOnce() chose from a level in panic (any host is acceptable then). */
  private pickedInPanic = false;
  /** slow_start_config and the clock it is measured with; see enableSlowStart(). */
  private slowStart: SlowStartConfig | undefined;
  private now: () => number = () => 0;
  /** Per source: when its slow-start weights are due to be recomputed (Infinity: no host in slow start). */
  private slowStartRebuildAt: number[] = [];

  constructor(
    hosts: readonly LbHost[],
    overprovisioningFactor: number,
    panicThresholdPercent: number,
    protected readonly rng: Rng,
  ) {
    this.set = new PrioritySet(hosts, overprovisioningFactor, panicThresholdPercent);
  }

  pick(ctx?: LbContext): LbHost | undefined {
    this.set.probe();
    if (this.set.hostCount === 0) return undefined;
    let host = this.pickChecked();
    if (ctx === undefined || ctx.shouldSkipHost === undefined) return host;
    const retries = ctx.hostSelectionRetryCount ?? DEFAULT_HOST_SELECTION_RETRIES;
    for (let i = 0; host !== undefined && i < retries && ctx.shouldSkipHost(host); i++) host = this.pickChecked();
    return host;
  }

  refreshHealth(): void {
    this.set.refresh();
  }

  /** Scales the weights of hosts in slow start (round robin and least request). */
  enableSlowStart(cfg: SlowStartConfig, now: () => number): void {
    this.slowStart = cfg;
    this.now = now;
    this.sourcesStale = true;
  }

  /**
   * Effective weights of a source's hosts when some are in slow start, for
   * the EDF schedule; undefined when none is (plain weights apply).
   */
  protected slowStartWeights(hosts: readonly LbHost[]): Float64Array | undefined {
    const cfg = this.slowStart;
    if (cfg === undefined) return undefined;
    const now = this.now();
    return anyInSlowStart(hosts, cfg, now) ? slowStartWeights(hosts, cfg, now) : undefined;
  }

  update(hosts: readonly LbHost[], overprovisioningFactor?: number): void {
    this.set.update(hosts, overprovisioningFactor);
    this.sourcesStale = true;
  }

  /** Builds policy state for one source (called again when its host list changes). */
  protected abstract buildSource(source: number, hosts: readonly LbHost[]): void;
  /** Picks from a non-empty source whose state is built. */
  protected abstract pickFromSource(source: number, hosts: readonly LbHost[]): LbHost | undefined;
  /** Drops all per-source state; called when the host set is replaced. */
  protected abstract clearSources(sourceCount: number): void;

  private resetSources(): void {
    const count = this.set.levels.length * 2;
    this.builtFor = new Array<number>(count).fill(-1);
    this.slowStartRebuildAt = new Array<number>(count).fill(Infinity);
    this.clearSources(count);
    this.sourcesStale = false;
  }

  /** pickOnce(), redone after a full health refresh if it chose a host that has turned unhealthy. */
  private pickChecked(): LbHost | undefined {
    const host = this.pickOnce();
    if (host === undefined || host.healthy || this.pickedInPanic) return host;
    this.set.refresh();
    return this.pickOnce();
  }

  private pickOnce(): LbHost | undefined {
    const set = this.set;
    if (this.sourcesStale) this.resetSources();
    const p = set.choosePriority(this.rng.below(100));
    const level = set.levels[p];
    if (level === undefined) return undefined;
    const all = set.panic[p] === 1;
    this.pickedInPanic = all;
    const hosts = all ? level.hosts : level.healthy;
    if (hosts.length === 0) return undefined;
    const source = p * 2 + (all ? 1 : 0);
    // The all-hosts list only changes on update(), which resets every source.
    const version = all ? 0 : level.healthyVersion;
    if (this.builtFor[source] !== version || (this.slowStart !== undefined && this.now() >= this.slowStartRebuildAt[source]!)) {
      this.buildSource(source, hosts);
      this.builtFor[source] = version;
      if (this.slowStart !== undefined) {
        const now = this.now();
        this.slowStartRebuildAt[source] = anyInSlowStart(hosts, this.slowStart, now) ? now + SLOW_START_REFRESH_MS : Infinity;
      }
    }
    return this.pickFromSource(source, hosts);
  }
}

/** Envoy treats host weights below 1 as invalid; clamping keeps EDF finite if one slips through. */
export function hostWeight(h: LbHost): number {
  return h.weight >= 1 ? h.weight : 1;
}

/** True when every host has the same weight, where Envoy skips EDF for the cheaper unweighted pick. */
export function weightsEqual(hosts: readonly LbHost[]): boolean {
  for (let i = 1; i < hosts.length; i++) if (hostWeight(hosts[i]!) !== hostWeight(hosts[0]!)) return false;
  return true;
}
