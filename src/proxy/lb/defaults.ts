// Load-balancing defaults, each Envoy's documented default, in one place.
import type { LbOptions } from './types.js';

export const LB_DEFAULTS: LbOptions = {
  /** Envoy's lb_policy default. */
  policy: 'ROUND_ROBIN',
  /** Power of two choices: Envoy's default, near-optimal for little cost. */
  choiceCount: 2,
  /** Envoy's default: weight / (active + 1), i.e. linear in outstanding requests. */
  activeRequestBias: 1.0,
  /** Envoy's default; enough entries for ~1% balance with a few hosts. */
  minimumRingSize: 1024,
  /** Envoy's default (8M) and hard limit; bounds memory per ring. */
  maximumRingSize: 8 * 1024 * 1024,
  /** Envoy's default, the prime used in the Maglev paper's evaluation. */
  maglevTableSize: 65537,
  /** Envoy's default: below half healthy, spread over all hosts instead of overloading the rest. */
  healthyPanicThresholdPercent: 50,
  useHostnameForHashing: false,
};

/** Envoy's default overprovisioning factor (percent): a level is "fully healthy" down to ~71% healthy hosts. */
export const DEFAULT_OVERPROVISIONING_FACTOR = 140;

/** Envoy's limit on maglev_lb_config.table_size. */
export const MAX_MAGLEV_TABLE_SIZE = 5_000_011;

/** Envoy's limit on ring sizes (validate rule on both ring size fields). */
export const MAX_RING_SIZE = 8_388_608;

/**
 * Hosts whose health flag each pick re-reads (round robin over the host set).
 * Re-reading all of them costs ~3 ns per host per pick (3 µs at 1000 hosts);
 * four keeps picks O(1) while a recovered host is noticed within
 * hostCount / 4 picks. A host that turned unhealthy is noticed at once when
 * it is picked, and LoadBalancer.refreshHealth() applies a change immediately.
 */
export const HEALTH_PROBE_HOSTS_PER_PICK = 4;

/** Extra host selections when a retry predicate rejects a host and the router gives no count (Envoy docs: "retrying once"). */
export const DEFAULT_HOST_SELECTION_RETRIES = 1;
