// LEAST_REQUEST as Envoy does it. Equal weights: sample `choice_count` hosts
// at random and take the one with the fewest active requests (power of N
// choices: near-least-loaded without scanning). Unequal weights: EDF where a
// host's weight is weight / (active_requests + 1)^active_request_bias,
// recomputed each time the host is picked.
import { EdfScheduler } from './edf-scheduler.js';
import { HostSourceLoadBalancer, weightsEqual } from './host-source-lb.js';
import type { Rng } from './rng.js';
import type { LbHost } from './types.js';

export class LeastRequestLoadBalancer extends HostSourceLoadBalancer {
  private schedulers: (EdfScheduler | undefined)[] = [];

  constructor(
    hosts: readonly LbHost[],
    overprovisioningFactor: number,
    panicThresholdPercent: number,
    rng: Rng,
    private readonly choiceCount: number,
    private readonly activeRequestBias: number,
  ) {
    super(hosts, overprovisioningFactor, panicThresholdPercent, rng);
  }

  protected clearSources(count: number): void {
    this.schedulers = new Array<EdfScheduler | undefined>(count).fill(undefined);
  }

  protected buildSource(source: number, hosts: readonly LbHost[]): void {
    // As Envoy: power-of-N choices only when weights are equal and no host is in slow start.
    const weights = this.slowStartWeights(hosts);
    this.schedulers[source] = weights === undefined && weightsEqual(hosts) ? undefined : new EdfScheduler(hosts, this.activeRequestBias, weights);
  }

  protected pickFromSource(source: number, hosts: readonly LbHost[]): LbHost | undefined {
    const s = this.schedulers[source];
    if (s !== undefined) return s.pickAndAdd();
    const n = hosts.length;
    let best = hosts[this.rng.below(n)]!;
    for (let i = 1; i < this.choiceCount; i++) {
      const h = hosts[this.rng.below(n)]!;
      if (h.activeRequests < best.activeRequests) best = h;
    }
    return best;
  }
}
