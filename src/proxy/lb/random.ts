// RANDOM: a uniformly random available host. Like Envoy's, it ignores host
// weights; priorities and panic still apply.
import { HostSourceLoadBalancer } from './host-source-lb.js';
import type { Rng } from './rng.js';
import type { LbHost } from './types.js';

export class RandomLoadBalancer extends HostSourceLoadBalancer {
  constructor(hosts: readonly LbHost[], overprovisioningFactor: number, panicThresholdPercent: number, rng: Rng) {
    super(hosts, overprovisioningFactor, panicThresholdPercent, rng);
  }

  protected clearSources(): void {}

  protected buildSource(): void {}

  protected pickFromSource(_source: number, hosts: readonly LbHost[]): LbHost | undefined {
    return hosts[this.rng.below(hosts.length)];
  }
}
