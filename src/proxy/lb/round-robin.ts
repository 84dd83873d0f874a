// ROUND_ROBIN: each healthy host in turn; with unequal weights, Envoy's
// earliest-deadline-first schedule, which interleaves hosts by weight.
import { EdfScheduler } from './edf-scheduler.js';
import { HostSourceLoadBalancer, weightsEqual } from './host-source-lb.js';
import type { Rng } from './rng.js';
import type { LbHost } from './types.js';

export class RoundRobinLoadBalancer extends HostSourceLoadBalancer {
  private cursors: number[] = [];
  private schedulers: (EdfScheduler | undefined)[] = [];

  constructor(hosts: readonly LbHost[], overprovisioningFactor: number, panicThresholdPercent: number, rng: Rng) {
    super(hosts, overprovisioningFactor, panicThresholdPercent, rng);
  }

  protected clearSources(count: number): void {
    this.cursors = new Array<number>(count).fill(-1);
    this.schedulers = new Array<EdfScheduler | undefined>(count).fill(undefined);
  }

  protected buildSource(source: number, hosts: readonly LbHost[]): void {
    // As Envoy: the unweighted path only when weights are equal and no host is in slow start.
    const weights = this.slowStartWeights(hosts);
    if (weights === undefined && weightsEqual(hosts)) {
      this.schedulers[source] = undefined;
      // Start at a random host so proxies that start together do not all hit
      // the same first host; keep the position across health changes.
      const c = this.cursors[source]!;
      this.cursors[source] = c < 0 ? this.rng.below(hosts.length) : c % hosts.length;
      return;
    }
    const s = new EdfScheduler(hosts, 0, weights);
    // Envoy also starts a new schedule at a random point for the same reason.
    for (let i = this.rng.below(hosts.length); i > 0; i--) s.pickAndAdd();
    this.schedulers[source] = s;
  }

  protected pickFromSource(source: number, hosts: readonly LbHost[]): LbHost | undefined {
    const s = this.schedulers[source];
    if (s !== undefined) return s.pickAndAdd();
    const c = this.cursors[source]!;
    this.cursors[source] = c + 1 >= hosts.length ? 0 : c + 1;
    return hosts[c];
  }
}
