// Random integers for load balancing. Calling an injected `() => number`
// (Math.random included) from the pick path boxes every double result, one
// heap allocation per call; the default generator here keeps its state in a
// typed array and returns int32 values (small integers, never boxed), so
// picks allocate nothing.
import type { RandomSource } from './types.js';

/**
 * Uniform random integers from xoshiro128** (fast, 128-bit state; fine for
 * load balancing, not for security), or from an injected source so that a
 * test's sequence drives every random choice directly. One class for both,
 * so call sites stay monomorphic and inlinable.
 */
export class Rng {
  private readonly s = new Uint32Array(4);

  constructor(private readonly source?: RandomSource) {
    const s = this.s;
    for (let i = 0; i < 4; i++) s[i] = Math.floor(Math.random() * 4294967296);
    if ((s[0]! | s[1]! | s[2]! | s[3]!) === 0) s[0] = 1; // the all-zero state is a fixed point
  }

  /** Uniform integer in [0, n), 1 <= n <= 2^30. */
  below(n: number): number {
    const src = this.source;
    if (src !== undefined) {
      const v = (src() * n) | 0;
      return v < n ? v : n - 1; // guards a source that returns 1
    }
    return ((this.next() / 1073741824) * n) | 0;
  }

  /** Uniform unsigned 32-bit integer (may be boxed: not for allocation-free paths). */
  u32(): number {
    const src = this.source;
    if (src !== undefined) return Math.min(4294967295, Math.floor(src() * 4294967296));
    return this.next() * 4 + (this.next() >>> 28);
  }

  /** 30 random bits: always a small integer (Smi), so never boxed even when not inlined. */
  private next(): number {
    const s = this.s;
    const m = Math.imul(s[1]!, 5);
    const r = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s[1]! << 9;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    const x = s[3]!;
    s[3] = (x << 11) | (x >>> 21);
    return r >>> 2;
  }
}
