// Shared pick path of the consistent-hashing policies (ring hash, Maglev),
// mirroring Envoy's ThreadAwareLoadBalancerBase: the request hash (or a
// random one) chooses the priority level (hash mod 100) and then the host in
// a lookup structure built over that level's healthy hosts, or over all of
// its hosts when the level is in panic.
import { DEFAULT_HOST_SELECTION_RETRIES } from './defaults.js';
import { mod64 } from './hash-key.js';
import { PrioritySet } from './priority-set.js';
import type { Rng } from './rng.js';
import type { LbContext, LbHost, LoadBalancer } from './types.js';

/** A lookup structure built over one list of hosts. */
export interface HashTable {
  /** Host for a 64-bit hash given as unsigned 32-bit halves. */
  lookup(hi: number, lo: number): LbHost | undefined;
}

export abstract class HashingLoadBalancer implements LoadBalancer {
  protected readonly set: PrioritySet;
  /** Per source `priority * 2 + (allHosts ? 1 : 0)`, built lazily. */
  private tables: (HashTable | undefined)[] = [];
  private builtFor: number[] = [];
  private sourcesStale = true;
  /** The table and panic state of the last lookupOnce(), reused by host re-selection. */
  private lastTable: HashTable | undefined;
  private lastInPanic = false;

  constructor(
    hosts: readonly LbHost[],
    overprovisioningFactor: number,
    panicThresholdPercent: number,
    protected readonly rng: Rng,
  ) {
    this.set = new PrioritySet(hosts, overprovisioningFactor, panicThresholdPercent);
  }

  /** Builds the lookup structure for a non-empty host list. */
  protected abstract build(hosts: readonly LbHost[]): HashTable;

  pick(ctx?: LbContext): LbHost | undefined {
    const set = this.set;
    set.probe();
    if (set.hostCount === 0) return undefined;
    if (this.sourcesStale) this.resetSources();
    let hi: number, lo: number;
    const hash = ctx?.hash;
    if (hash !== undefined) {
      const u = BigInt.asUintN(64, hash);
      hi = Number(u >> 32n);
      lo = Number(u & 0xffffffffn);
    } else {
      // No hash policy matched: Envoy uses a random hash, i.e. a random host.
      hi = this.rng.u32();
      lo = this.rng.u32();
    }
    let host = this.lookupOnce(hi, lo);
    if (host !== undefined && !host.healthy && !this.lastInPanic) {
      // The host turned unhealthy since the last health refresh: apply it and look again.
      set.refresh();
      host = this.lookupOnce(hi, lo);
    }
    const table = this.lastTable;
    if (table === undefined || ctx === undefined || ctx.shouldSkipHost === undefined) return host;
    const retries = ctx.hostSelectionRetryCount ?? DEFAULT_HOST_SELECTION_RETRIES;
    for (let i = 1; i <= retries && host !== undefined && ctx.shouldSkipHost(host); i++) {
      // Envoy's re-selection: XOR the hash with 2^64 - attempt, flipping most
      // bits so successive attempts land far apart on the ring/table.
      host = table.lookup((hi ^ 0xffffffff) >>> 0, (lo ^ ((-i) >>> 0)) >>> 0);
    }
    return host;
  }

  refreshHealth(): void {
    this.set.refresh();
  }

  /** Chooses the priority by hash mod 100, then looks the hash up in that level's table. */
  private lookupOnce(hi: number, lo: number): LbHost | undefined {
    const set = this.set;
    this.lastTable = undefined;
    const p = set.choosePriority(mod64(hi, lo, 100));
    const level = set.levels[p];
    if (level === undefined) return undefined;
    const all = set.panic[p] === 1;
    this.lastInPanic = all;
    const hosts = all ? level.hosts : level.healthy;
    if (hosts.length === 0) return undefined;
    const source = p * 2 + (all ? 1 : 0);
    const version = all ? 0 : level.healthyVersion;
    let table = this.tables[source];
    if (table === undefined || this.builtFor[source] !== version) {
      table = this.build(hosts);
      this.tables[source] = table;
      this.builtFor[source] = version;
    }
    this.lastTable = table;
    return table.lookup(hi, lo);
  }

  update(hosts: readonly LbHost[], overprovisioningFactor?: number): void {
    this.set.update(hosts, overprovisioningFactor);
    this.sourcesStale = true;
  }

  private resetSources(): void {
    const count = this.set.levels.length * 2;
    this.tables = new Array<HashTable | undefined>(count).fill(undefined);
    this.builtFor = new Array<number>(count).fill(-1);
    this.sourcesStale = false;
  }
}

/**
 * Hosts' weights divided by their sum, as Envoy normalizes them before
 * building a ring or table; also returns the smallest and largest share.
 */
export function normalizedWeights(hosts: readonly LbHost[]): { weights: Float64Array; min: number; max: number } {
  let sum = 0;
  for (const h of hosts) sum += h.weight >= 1 ? h.weight : 1;
  const weights = new Float64Array(hosts.length);
  let min = 1, max = 0;
  for (let i = 0; i < hosts.length; i++) {
    const w = (hosts[i]!.weight >= 1 ? hosts[i]!.weight : 1) / sum;
    weights[i] = w;
    if (w < min) min = w;
    if (w > max) max = w;
  }
  return { weights, min, max };
}
