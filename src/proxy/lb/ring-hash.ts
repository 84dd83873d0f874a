// RING_HASH (ketama-style consistent hashing) as Envoy builds it: every host
// gets points on a 64-bit ring at xxHash64("<host key>_<i>"), in proportion to
// its weight; a request goes to the first point at or after its hash.
import { hostHashKey } from './hash-key.js';
import { HashingLoadBalancer, normalizedWeights, type HashTable } from './hashing-lb.js';
import type { Rng } from './rng.js';
import type { LbHost } from './types.js';
import { xxHash64BytesInto } from './xxhash64.js';

const encoder = new TextEncoder();

/** A built ring: points sorted by hash, split into halves for allocation-free compares. */
export class Ring implements HashTable {
  constructor(
    private readonly hi: Uint32Array,
    private readonly lo: Uint32Array,
    private readonly owners: LbHost[],
  ) {}

  get size(): number {
    return this.owners.length;
  }

  lookup(hi: number, lo: number): LbHost | undefined {
    const n = this.owners.length;
    if (n === 0) return undefined;
    const H = this.hi, L = this.lo;
    let a = 0, b = n;
    while (a < b) {
      const m = (a + b) >>> 1;
      if (H[m]! < hi || (H[m] === hi && L[m]! < lo)) a = m + 1;
      else b = m;
    }
    // Past the last point wraps around to the first.
    return this.owners[a === n ? 0 : a];
  }
}

/**
 * Envoy's ring size rule: scale so the lightest host gets a whole number of
 * points (at least minimumRingSize points in total), capped at
 * maximumRingSize; fractional shares are settled with running sums so hosts
 * get floor or ceil of their exact share.
 */
export function buildRing(hosts: readonly LbHost[], minimumRingSize: number, maximumRingSize: number): Ring {
  const his: number[] = [], los: number[] = [], owners: LbHost[] = [];
  if (hosts.length > 0) {
    const { weights, min } = normalizedWeights(hosts);
    const scale = Math.min(Math.ceil(min * minimumRingSize) / min, maximumRingSize);
    const out = new Uint32Array(2);
    let buf = new Uint8Array(64);
    let current = 0, target = 0;
    for (let k = 0; k < hosts.length; k++) {
      const host = hosts[k]!;
      const key = encoder.encode(hostHashKey(host));
      if (buf.length < key.length + 24) buf = new Uint8Array(key.length + 24);
      buf.set(key);
      buf[key.length] = 0x5f; // '_'
      const digitsAt = key.length + 1;
      target += scale * weights[k]!;
      for (let i = 0; current < target; i++, current++) {
        const len = writeDecimal(buf, digitsAt, i);
        xxHash64BytesInto(buf, len, out);
        his.push(out[0]!);
        los.push(out[1]!);
        owners.push(host);
      }
    }
  }
  const n = owners.length;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((x, y) => his[x]! - his[y]! || los[x]! - los[y]! || x - y);
  const hi = new Uint32Array(n), lo = new Uint32Array(n), sorted: LbHost[] = new Array<LbHost>(n);
  for (let i = 0; i < n; i++) {
    const j = order[i]!;
    hi[i] = his[j]!;
    lo[i] = los[j]!;
    sorted[i] = owners[j]!;
  }
  return new Ring(hi, lo, sorted);
}

/** Writes the ASCII decimal digits of `v` at `at`; returns the end offset. */
function writeDecimal(buf: Uint8Array, at: number, v: number): number {
  if (v === 0) {
    buf[at] = 0x30;
    return at + 1;
  }
  let digits = 0;
  for (let x = v; x > 0; x = Math.floor(x / 10)) digits++;
  for (let i = at + digits - 1, x = v; i >= at; i--, x = Math.floor(x / 10)) buf[i] = 0x30 + (x % 10);
  return at + digits;
}

export class RingHashLoadBalancer extends HashingLoadBalancer {
  constructor(
    hosts: readonly LbHost[],
    overprovisioningFactor: number,
    panicThresholdPercent: number,
    rng: Rng,
    private readonly minimumRingSize: number,
    private readonly maximumRingSize: number,
  ) {
    super(hosts, overprovisioningFactor, panicThresholdPercent, rng);
  }

  protected build(hosts: readonly LbHost[]): Ring {
    return buildRing(hosts, this.minimumRingSize, this.maximumRingSize);
  }
}
