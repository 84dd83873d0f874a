// What a cluster and its parts (pools, outlier detector, health checkers) are
// built from. Declared apart from cluster.ts so those parts, which the
// cluster creates, depend on these interfaces and not on the cluster class.
import type { Clock } from '../../common/clock.js';
import type { Logger } from '../../common/log.js';
import type { StatsStore } from '../../stats/index.js';
import type { ClusterConfig } from '../config/cluster.js';
import type { SecretStore } from '../tls/secret-store.js';
import type { ClusterStats } from './cluster-stats.js';
import type { ResourceManager } from './resources.js';

/** Process services a cluster uses. */
export interface ClusterDeps {
  clock: Clock;
  random: () => number;
  stats: StatsStore;
  log: Logger;
  /** DNS lookup seam (tests resolve names without a DNS server). */
  lookup?: (name: string, family: 0 | 4 | 6) => Promise<string[]>;
  /** The proxy's secrets (SDS, static, node agent) for TLS transport sockets; absent in tests without TLS. */
  secrets?: SecretStore;
}

/**
 * The cluster as its connection pools see it (UpstreamCluster implements it):
 * read its config, count into its stats, ask its circuit breakers. A pool
 * never changes the cluster's hosts or config.
 */
export interface PoolCluster {
  readonly config: ClusterConfig;
  readonly stats: ClusterStats;
  readonly resources: ResourceManager;
  readonly clock: Clock;
}
