// Hosts grouped by priority, with Envoy's priority load and panic rules.
//
// Health is read from the hosts themselves. refresh() compares every host's
// `healthy` flag with the last one seen and recomputes loads and per-level
// healthy lists only when something changed (what Envoy does on its
// host-health callbacks); probe(), called per pick, re-reads a few hosts in
// turn and escalates to refresh() on the first difference.
import { HEALTH_PROBE_HOSTS_PER_PICK } from './defaults.js';
import type { LbHost } from './types.js';

/** The hosts of one priority level. */
export class PriorityLevel {
  /** Healthy hosts in host-set order; replaced (not mutated) when health changes. */
  healthy: LbHost[] = [];
  /** Bumped whenever `healthy` is replaced, so policies know to rebuild per-level state. */
  healthyVersion = 0;
  /** Last-seen health flag per host (1 healthy). */
  readonly flags: Uint8Array;

  constructor(readonly priority: number, readonly hosts: LbHost[]) {
    this.flags = new Uint8Array(hosts.length);
  }

  /** Re-reads health flags; returns true when the healthy set changed. */
  refresh(): boolean {
    const hosts = this.hosts, flags = this.flags;
    let changed = false;
    for (let i = 0; i < hosts.length; i++) {
      const f = hosts[i]!.healthy ? 1 : 0;
      if (flags[i] !== f) {
        flags[i] = f;
        changed = true;
      }
    }
    if (changed) {
      this.healthy = healthyHosts(hosts, flags);
      this.healthyVersion++;
    }
    return changed;
  }
}

/**
 * Kept out of PriorityLevel.refresh on purpose: a closure there would make V8
 * allocate a context for its captured variables on every call, i.e. per pick.
 */
function healthyHosts(hosts: readonly LbHost[], flags: Uint8Array): LbHost[] {
  const out: LbHost[] = [];
  for (let i = 0; i < hosts.length; i++) if (flags[i] === 1) out.push(hosts[i]!);
  return out;
}

/**
 * Priority levels 0..max of one cluster, and the share of traffic (integer
 * percent, summing to 100) each level receives.
 */
export class PrioritySet {
  levels: PriorityLevel[] = [];
  hostCount = 0;
  /** Percent of picks that go to each priority level. */
  load = new Int32Array(0);
  /** 1 where a level is in panic: it balances over all its hosts, healthy or not. */
  panic = new Uint8Array(0);
  /** Per-level health score (percent, capped at 100), kept for explain/admin output. */
  health = new Int32Array(0);
  /** Every host, and the health flag last seen for it, for probe(). */
  private all: readonly LbHost[] = [];
  private allFlags = new Uint8Array(0);
  private probeAt = 0;

  constructor(hosts: readonly LbHost[], private overprovisioningFactor: number, private readonly panicThresholdPercent: number) {
    this.update(hosts);
  }

  /** Rebuilds the levels from a new host set. */
  update(hosts: readonly LbHost[], overprovisioningFactor?: number): void {
    if (overprovisioningFactor !== undefined) this.overprovisioningFactor = overprovisioningFactor;
    let max = -1;
    for (const h of hosts) max = Math.max(max, levelOf(h));
    const groups: LbHost[][] = [];
    for (let p = 0; p <= max; p++) groups.push([]);
    for (const h of hosts) groups[levelOf(h)]!.push(h);
    this.levels = groups.map((g, p) => new PriorityLevel(p, g));
    this.hostCount = hosts.length;
    this.all = hosts.slice();
    this.allFlags = new Uint8Array(hosts.length);
    this.probeAt = 0;
    for (let i = 0; i < hosts.length; i++) this.allFlags[i] = hosts[i]!.healthy ? 1 : 0;
    this.load = new Int32Array(this.levels.length);
    this.panic = new Uint8Array(this.levels.length);
    this.health = new Int32Array(this.levels.length);
    for (const l of this.levels) {
      // Flags start at 0, so mark every host changed once, then compute.
      l.refresh();
    }
    this.recalculate();
  }

  /** Re-reads every host's health; recomputes loads if any flag changed. O(hosts), allocation-free when nothing changed. */
  refresh(): void {
    let changed = false;
    const levels = this.levels;
    for (let p = 0; p < levels.length; p++) if (levels[p]!.refresh()) changed = true;
    if (!changed) return;
    const all = this.all, flags = this.allFlags;
    for (let i = 0; i < all.length; i++) flags[i] = all[i]!.healthy ? 1 : 0;
    this.recalculate();
  }

  /** Per-pick health check: re-reads the next few hosts, and refresh()es on the first change. */
  probe(): void {
    const all = this.all, flags = this.allFlags, n = all.length;
    if (n === 0) return;
    let at = this.probeAt;
    for (let k = 0; k < HEALTH_PROBE_HOSTS_PER_PICK; k++) {
      if (at >= n) at = 0;
      if ((all[at]!.healthy ? 1 : 0) !== flags[at]) {
        this.probeAt = at;
        this.refresh();
        return;
      }
      at++;
    }
    this.probeAt = at;
  }

  /** Maps a uniform value in 0..99 (random, or the request hash mod 100) to a priority. */
  choosePriority(bucket: number): number {
    const h = bucket + 1;
    let acc = 0;
    const load = this.load;
    for (let p = 0; p < load.length; p++) {
      acc += load[p]!;
      if (h <= acc) return p;
    }
    return 0;
  }

  /**
   * Envoy's priority load: each level's health score is
   * min(100, overprovisioning × healthy / total) in integer percent; levels
   * take load in priority order up to their score. When the scores add up to
   * less than 100 they are scaled up to fill 100 ("normalized total health"),
   * and only then does a level below the panic threshold go into panic. Below
   * the threshold in total, load follows host counts ("total panic").
   */
  private recalculate(): void {
    const levels = this.levels;
    const n = levels.length;
    const load = this.load, panic = this.panic, health = this.health;
    load.fill(0);
    panic.fill(0);
    let sum = 0;
    for (let p = 0; p < n; p++) {
      const l = levels[p]!;
      const total = l.hosts.length;
      health[p] = total === 0 ? 0 : Math.min(100, Math.floor((this.overprovisioningFactor * l.healthy.length) / total));
      sum += health[p]!;
    }
    const normalizedTotal = Math.min(100, sum);
    if (normalizedTotal > 0) {
      let remaining = 100;
      let firstHealthy = -1;
      for (let p = 0; p < n; p++) {
        if (firstHealthy < 0 && health[p]! > 0) firstHealthy = p;
        const share = Math.min(remaining, Math.floor((health[p]! * 100) / normalizedTotal));
        load[p] = share;
        remaining -= share;
      }
      // Rounding leftovers go to the first level that has healthy hosts.
      if (remaining > 0 && firstHealthy >= 0) load[firstHealthy]! += remaining;
    }

    const threshold = Math.min(100, this.panicThresholdPercent);
    if (normalizedTotal === 0 && threshold === 0) {
      // Panic disabled and nothing healthy: the load must sum to 100, so P0
      // gets it; its healthy list is empty and picks fail (Envoy: no healthy upstream).
      if (n > 0) load[0] = 100;
      return;
    }
    for (let p = 0; p < n; p++) {
      // Never panic while the levels together are fully healthy.
      panic[p] = normalizedTotal < 100 && this.levelInPanic(levels[p]!, threshold) ? 1 : 0;
    }
    if (normalizedTotal < threshold) this.totalPanicLoad();
  }

  private levelInPanic(l: PriorityLevel, threshold: number): boolean {
    const total = l.hosts.length;
    const healthyPercent = total === 0 ? 0 : (100 * l.healthy.length) / total;
    return healthyPercent < threshold;
  }

  /** Total panic: load in proportion to each level's host count, healthy or not. */
  private totalPanicLoad(): void {
    const load = this.load, levels = this.levels;
    if (this.hostCount === 0) {
      if (load.length > 0) load[0] = 100;
      return;
    }
    let remaining = 100;
    let firstNonEmpty = -1;
    for (let p = 0; p < levels.length; p++) {
      const count = levels[p]!.hosts.length;
      if (firstNonEmpty < 0 && count > 0) firstNonEmpty = p;
      const share = Math.floor((100 * count) / this.hostCount);
      load[p] = share;
      remaining -= share;
    }
    load[firstNonEmpty]! += remaining;
  }
}

/** Priority as an array index; the decoder guarantees an integer 0..127, this only keeps bad input from crashing. */
function levelOf(h: LbHost): number {
  return h.priority > 0 ? Math.floor(h.priority) : 0;
}
