// Earliest-deadline-first scheduler, the structure Envoy uses for weighted
// round robin and weighted least request: each entry's next deadline is
// `now + 1 / weight`, so over time entries are picked in proportion to their
// weights, smoothly interleaved rather than in bursts.
import type { LbHost } from './types.js';

/**
 * A min-heap over (deadline, insertion order) kept in typed arrays, so a pick
 * reuses the root slot and allocates nothing. Ties go to the entry added
 * first, as in Envoy, which makes sequences deterministic.
 *
 * A host's weight is `weight / (activeRequests + 1)^activeRequestBias`
 * (bias 0 for round robin: the plain weight), computed at build time and
 * again for the host just picked, which is how least request adapts to load.
 * It is computed inline rather than through a callback because a callback
 * returning a fraction would box it on every pick.
 */
export class EdfScheduler {
  private readonly deadline: Float64Array;
  private readonly order: Float64Array;
  private readonly slot: Int32Array;
  private seq = 0;

  /**
   * @param weights effective weights by host index (slow start), used instead
   *   of `host.weight` when given.
   */
  constructor(private readonly hosts: readonly LbHost[], private readonly activeRequestBias = 0, private readonly weights?: Float64Array) {
    const n = hosts.length;
    this.deadline = new Float64Array(n);
    this.order = new Float64Array(n);
    this.slot = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      this.deadline[i] = 1 / this.weightOf(hosts[i]!, i);
      this.order[i] = this.seq++;
      this.slot[i] = i;
    }
    for (let i = (n >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  get size(): number {
    return this.slot.length;
  }

  /** Returns the host with the earliest deadline and schedules its next turn. */
  pickAndAdd(): LbHost | undefined {
    if (this.slot.length === 0) return undefined;
    const index = this.slot[0]!;
    const host = this.hosts[index]!;
    const now = this.deadline[0]!; // the scheduler's clock is the earliest deadline
    // weightOf, inlined by hand: a double returned from a call that the JIT
    // does not inline is boxed.
    const w = this.weights !== undefined ? this.weights[index]! : host.weight >= 1 ? host.weight : 1;
    const bias = this.activeRequestBias;
    let step = 1 / w;
    if (bias !== 0) {
      const active = host.activeRequests > 0 ? host.activeRequests : 0;
      step = bias === 1 ? (active + 1) / w : Math.pow(active + 1, bias) / w;
    }
    this.deadline[0] = now + step;
    this.order[0] = this.seq++;
    this.siftDown(0);
    return host;
  }

  /** Build-time weight; pickAndAdd repeats this computation inline. */
  private weightOf(h: LbHost, index: number): number {
    const w = this.weights !== undefined ? this.weights[index]! : h.weight >= 1 ? h.weight : 1;
    const bias = this.activeRequestBias;
    if (bias === 0) return w;
    const active = h.activeRequests > 0 ? h.activeRequests : 0;
    return bias === 1 ? w / (active + 1) : w / Math.pow(active + 1, bias);
  }

  private less(a: number, b: number): boolean {
    const da = this.deadline[a]!, db = this.deadline[b]!;
    return da < db || (da === db && this.order[a]! < this.order[b]!);
  }

  private swap(a: number, b: number): void {
    const d = this.deadline[a]!; this.deadline[a] = this.deadline[b]!; this.deadline[b] = d;
    const o = this.order[a]!; this.order[a] = this.order[b]!; this.order[b] = o;
    const s = this.slot[a]!; this.slot[a] = this.slot[b]!; this.slot[b] = s;
  }

  private siftDown(i: number): void {
    const n = this.slot.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) return;
      let m = l;
      if (l + 1 < n && this.less(l + 1, l)) m = l + 1;
      if (!this.less(m, i)) return;
      this.swap(i, m);
      i = m;
    }
  }
}
