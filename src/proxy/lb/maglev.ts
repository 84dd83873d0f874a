// MAGLEV: Google's Maglev consistent hashing as Envoy builds it. Each host
// has a preference list over the table's slots (a permutation from two
// hashes of its key); hosts take turns claiming their next free preferred
// slot, the heavier hosts more often, until the table is full. A request
// goes to table[hash mod size]: O(1) lookups and near-perfect balance.
import { hostHashKey, mod64 } from './hash-key.js';
import { HashingLoadBalancer, normalizedWeights, type HashTable } from './hashing-lb.js';
import type { Rng } from './rng.js';
import type { LbHost } from './types.js';
import { xxHash64Into } from './xxhash64.js';

export class MaglevTable implements HashTable {
  constructor(
    /** Index into `hosts` per slot. */
    readonly slots: Int32Array,
    private readonly hosts: readonly LbHost[],
  ) {}

  lookup(hi: number, lo: number): LbHost | undefined {
    if (this.slots.length === 0) return undefined;
    return this.hosts[this.slots[mod64(hi, lo, this.slots.length)]!];
  }
}

/**
 * Envoy's table fill: slot preference of host i is
 * (offset + skip × j) mod size with offset = xxHash64(key) mod size and
 * skip = xxHash64(key, seed 1) mod (size − 1) + 1. In round r a host with
 * normalized weight w claims a slot when r × w reaches its running target,
 * which advances by the largest weight, so heavier hosts claim more often.
 */
export function buildMaglevTable(hosts: readonly LbHost[], tableSize: number): MaglevTable {
  const n = hosts.length;
  if (n === 0) return new MaglevTable(new Int32Array(0), hosts);
  const { weights, max } = normalizedWeights(hosts);
  const pos = new Float64Array(n), skip = new Float64Array(n), target = new Float64Array(n);
  const out = new Uint32Array(2);
  for (let i = 0; i < n; i++) {
    const key = hostHashKey(hosts[i]!);
    xxHash64Into(key, out, 0);
    pos[i] = mod64(out[0]!, out[1]!, tableSize);
    xxHash64Into(key, out, 1);
    skip[i] = mod64(out[0]!, out[1]!, tableSize - 1) + 1;
  }
  const slots = new Int32Array(tableSize).fill(-1);
  let filled = 0;
  for (let round = 1; filled < tableSize; round++) {
    for (let i = 0; i < n && filled < tableSize; i++) {
      if (round * weights[i]! < target[i]!) continue;
      target[i]! += max;
      let c = pos[i]!;
      while (slots[c] !== -1) {
        c += skip[i]!;
        if (c >= tableSize) c -= tableSize;
      }
      slots[c] = i;
      c += skip[i]!;
      pos[i] = c >= tableSize ? c - tableSize : c;
      filled++;
    }
  }
  return new MaglevTable(slots, hosts);
}

export class MaglevLoadBalancer extends HashingLoadBalancer {
  constructor(
    hosts: readonly LbHost[],
    overprovisioningFactor: number,
    panicThresholdPercent: number,
    rng: Rng,
    private readonly tableSize: number,
  ) {
    super(hosts, overprovisioningFactor, panicThresholdPercent, rng);
  }

  protected build(hosts: readonly LbHost[]): MaglevTable {
    return buildMaglevTable(hosts, this.tableSize);
  }
}
