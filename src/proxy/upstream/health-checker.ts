// Active health checking. Placeholder: see health-check-config.ts.
import type { ClusterDeps } from './cluster.js';
import type { HealthCheckConfig } from './health-check-config.js';
import type { OutlierCluster } from './outlier-detector.js';

export class HealthChecker {
  constructor(readonly cluster: OutlierCluster, readonly config: HealthCheckConfig, readonly deps: ClusterDeps) {}
  /** Starts checking every host (called once the first host set is known). */
  start(): void {}
  onHostsChanged(): void {}
  close(): void {}
}
