// The one place that maps Envoy's lb_policy to an implementation.
import { DEFAULT_OVERPROVISIONING_FACTOR, LB_DEFAULTS } from './defaults.js';
import { LeastRequestLoadBalancer } from './least-request.js';
import { MaglevLoadBalancer } from './maglev.js';
import { RandomLoadBalancer } from './random.js';
import { RingHashLoadBalancer } from './ring-hash.js';
import { Rng } from './rng.js';
import { RoundRobinLoadBalancer } from './round-robin.js';
import type { LbBuildOptions, LbHost, LbOptions, LbPolicy, LoadBalancer, RandomSource } from './types.js';

/** LB_DEFAULTS overlaid with whichever options are set. */
export function resolveLbOptions(options: LbBuildOptions = {}): LbOptions {
  return {
    policy: options.policy ?? LB_DEFAULTS.policy,
    choiceCount: options.choiceCount ?? LB_DEFAULTS.choiceCount,
    activeRequestBias: options.activeRequestBias ?? LB_DEFAULTS.activeRequestBias,
    minimumRingSize: options.minimumRingSize ?? LB_DEFAULTS.minimumRingSize,
    maximumRingSize: options.maximumRingSize ?? LB_DEFAULTS.maximumRingSize,
    maglevTableSize: options.maglevTableSize ?? LB_DEFAULTS.maglevTableSize,
    healthyPanicThresholdPercent: options.healthyPanicThresholdPercent ?? LB_DEFAULTS.healthyPanicThresholdPercent,
    useHostnameForHashing: options.useHostnameForHashing ?? LB_DEFAULTS.useHostnameForHashing,
  };
}

/**
 * Builds the load balancer for a cluster. `policy` wins over `options.policy`
 * (pass `undefined` to use the options' or the default). Options are assumed
 * validated by decodeLbConfig. Without `random` the LB uses its own
 * allocation-free generator seeded from Math.random; tests inject a seeded
 * source, which then drives every random choice (at one boxed number per call).
 */
export function createLoadBalancer(
  policy: LbPolicy | undefined,
  hosts: readonly LbHost[],
  options: LbBuildOptions = {},
  random?: RandomSource,
  /** Monotonic ms (the cluster's clock), for slow start. */
  now?: () => number,
): LoadBalancer {
  const rng = new Rng(random);
  const o = resolveLbOptions(options);
  const opf = options.overprovisioningFactor ?? DEFAULT_OVERPROVISIONING_FACTOR;
  const panic = o.healthyPanicThresholdPercent;
  const slowStart = options.slowStart;
  switch (policy ?? o.policy) {
    case 'ROUND_ROBIN': {
      const lb = new RoundRobinLoadBalancer(hosts, opf, panic, rng);
      if (slowStart) lb.enableSlowStart(slowStart, now ?? Date.now);
      return lb;
    }
    case 'LEAST_REQUEST': {
      const lb = new LeastRequestLoadBalancer(hosts, opf, panic, rng, o.choiceCount, o.activeRequestBias);
      if (slowStart) lb.enableSlowStart(slowStart, now ?? Date.now);
      return lb;
    }
    case 'RANDOM':
      return new RandomLoadBalancer(hosts, opf, panic, rng);
    case 'RING_HASH':
      return new RingHashLoadBalancer(hosts, opf, panic, rng, o.minimumRingSize, o.maximumRingSize);
    case 'MAGLEV':
      return new MaglevLoadBalancer(hosts, opf, panic, rng, o.maglevTableSize);
    default:
      throw new Error(`unknown lb_policy ${String(policy)}`);
  }
}
