// Services shared by everything in one proxy process. Passed explicitly so
// tests can build a proxy with a manual clock and a seeded random source.
import type { Clock } from '../common/clock.js';
import type { Logger } from '../common/log.js';
import type { StatsStore } from '../stats/stats-store.js';
import type { AccessLogManager } from './access-log/access-log-manager.js';
import type { ServerHealth } from './server-health.js';
import type { ClusterManager } from './upstream/cluster-manager.js';
import type { Runtime } from './runtime/runtime.js';
import type { OverloadManager } from './overload/overload-manager.js';
import type { SecretStore } from './tls/secret-store.js';
import type { NodeIdentity } from './config/node-identity.js';

export interface ProxyContext {
  readonly clock: Clock;
  /** Uniform [0, 1). */
  readonly random: () => number;
  readonly stats: StatsStore;
  readonly log: Logger;
  readonly clusters: ClusterManager;
  readonly accessLogs: AccessLogManager;
  /** Envoy's runtime (layered_runtime): take `runtime.snapshot()` when a request or connection starts. */
  readonly runtime: Runtime;
  /** Admits new downstream connections (global cap, overload actions). */
  readonly overload: OverloadManager;
  /** Secrets by name (static, SDS, the node agent): TLS contexts read them here. */
  readonly secrets: SecretStore;
  /** The server's health as the health check filter answers it; absent in tests that build a bare context (healthy). */
  readonly serverHealth?: ServerHealth;
  /** The bootstrap's node; absent in tests that build a bare context (Istio's filters then report `unknown`). */
  readonly node?: NodeIdentity;
}
