// What the proxy's management parts see of the running proxy. The admin
// server, the xDS client and the HDS client are driven by ProxyServer and
// drive it back; each gets the narrow interface below instead of the class,
// so server.ts imports them and none of them imports server.ts. ProxyServer
// implements all three. Every member says who calls it and what it may change.
import type { LogRegistry } from '../common/log.js';
import type { BootstrapConfig } from './config/bootstrap.js';
import type { ListenerConfig } from './config/listener.js';
import type { ProxyContext } from './context.js';
import type { RouteTable } from './route/route-table.js';
import type { SecretStatus } from './tls/sds/sds-manager.js';

/** Envoy's server states, as /server_info and the server.state gauge report them. */
import type { ServerState } from './server-health.js';
export type { ServerHealth, ServerState } from './server-health.js';

/** Dynamic (xDS) resources as config_dump shows them. */
export interface DynamicState {
  ldsVersion?: string;
  cdsVersion?: string;
  listeners: { name: string; version: string; source: unknown; lastUpdated: string }[];
  clusters: { name: string; version: string; source: unknown; lastUpdated: string }[];
  routes: { name: string; version: string; source: unknown; lastUpdated: string }[];
}

/** A running listener, as /listeners and the xDS client's warming see it. */
export interface ListenerStatus {
  name: string;
  host: string;
  port: number;
}

/** Read-only facts every management part may read; none of them may mutate these. */
export interface RuntimeBase {
  /** The bootstrap the proxy started from (static listeners and clusters, node). */
  readonly bootstrap: BootstrapConfig;
  /** Shared services: clock, stats, clusters, access logs. Readers may update stats and clusters' membership only through their own APIs. */
  readonly ctx: ProxyContext;
  /** Where each part gets its named logger. */
  readonly logs: LogRegistry;
}

/** What the admin server (admin/) reads and controls. */
export interface AdminRuntime extends RuntimeBase {
  /** Lifecycle state, for /ready and /server_info. */
  readonly state: ServerState;
  /** /healthcheck/fail sets it, /healthcheck/ok clears it; the server reports DRAINING meanwhile. */
  healthCheckFailed: boolean;
  /** When the current config was applied (ms since epoch), for config_dump. */
  readonly configAppliedAt: number;
  /** Dynamic resources for config_dump (empty without xDS). */
  dynamicState(): DynamicState;
  /** Every secret (static, SDS, node agent) with its state, for config_dump and /certs. */
  secretStatuses(): SecretStatus[];
  serverInfo(): unknown;
  listenerStatuses(): ListenerStatus[];
  /** /drain_listeners: stops accepting; in-flight requests finish. */
  drainListeners(opts?: { inboundOnly?: boolean; graceful?: boolean }): void;
  /** /quitquitquit: drains, closes, and exits with `exitCode` when given. */
  shutdown(exitCode?: number): Promise<void>;
  /** /weft/agent: the node agent's state (identity, certificate serial and expiry); undefined without an agent. */
  nodeAgentStatus?(): unknown;
}

/** What the xDS client (xds-client/) reads and changes. Called only from the client's serialized apply chain. */
export interface XdsRuntime extends RuntimeBase {
  /** The xDS client installs its describer once, at construction. */
  dynamicState: () => DynamicState;
  /** RDS: publishes (or with undefined, withdraws) a route table by name for listeners using `rds`. */
  setRouteTable(name: string, table: RouteTable | undefined): void;
  listenerStatuses(): ListenerStatus[];
  /** The config a running listener was built from, kept while its replacement warms. */
  activeListenerConfig(name: string): ListenerConfig | undefined;
  /** Replaces the whole listener set (static plus warm dynamic ones); listeners no longer named drain. */
  applyListeners(cfgs: readonly ListenerConfig[]): Promise<void>;
  /** The first complete config is applied: the server goes LIVE. */
  markLive(): void;
}

/** What the HDS client (hds/) reads: the node, the shared services and a logger. */
export type HdsRuntime = RuntimeBase;
