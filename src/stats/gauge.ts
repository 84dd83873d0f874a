// A value that goes up and down (active connections, `server.live`). Same
// rules as Counter: one class, plain field writes on the hot path.
import type { StatMeta } from './stat-meta.js';

/**
 * Envoy's Gauge::ImportMode. weft has no hot restart, so `accumulate` and
 * `never_import` behave the same; `hidden_accumulate` gauges are kept but not
 * shown on /stats or /stats/prometheus (Envoy's hidden gauges).
 */
export type GaugeImportMode = 'accumulate' | 'never_import' | 'hidden_accumulate';

export class Gauge {
  /** Current value. Read freely; change only through the methods. */
  value = 0;
  /** Set by any write, even one that leaves the value at 0 (what `?usedonly` shows). */
  used = false;

  constructor(readonly meta: StatMeta, readonly importMode: GaugeImportMode) {}

  set(v: number): void {
    this.value = v;
    this.used = true;
  }

  inc(): void {
    this.value++;
    this.used = true;
  }

  dec(): void {
    this.value--;
    this.used = true;
  }

  add(n: number): void {
    this.value += n;
    this.used = true;
  }

  sub(n: number): void {
    this.value -= n;
    this.used = true;
  }

  get name(): string {
    return this.meta.name;
  }

  get hidden(): boolean {
    return this.importMode === 'hidden_accumulate';
  }
}
