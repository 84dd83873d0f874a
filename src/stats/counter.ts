// A monotonically increasing count. The hot path holds the object and calls
// inc()/add(): one property write, no lookup. Every counter is this one class
// with the same fields in the same order, so call sites stay monomorphic.
import type { StatMeta } from './stat-meta.js';

export class Counter {
  /** Current value. Read freely; change only through inc()/add(). */
  value = 0;
  /** Value at the last StatsStore.flush(), for sinks that send deltas. */
  flushedValue = 0;

  constructor(readonly meta: StatMeta) {}

  inc(): void {
    this.value++;
  }

  /** Adds `n` (≥ 0; counters never go down). */
  add(n: number): void {
    this.value += n;
  }

  get name(): string {
    return this.meta.name;
  }

  /** Whether the counter was ever incremented (what `?usedonly` shows). */
  get used(): boolean {
    return this.value !== 0;
  }

  /** Increase since the last flush. */
  get delta(): number {
    return this.value - this.flushedValue;
  }
}
