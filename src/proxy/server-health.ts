// The server's lifecycle state, and the narrow view of it the health check
// filter reads. A leaf module (no imports), so the context, the filter
// interfaces and the runtime interfaces can all name it without a cycle.

/** Envoy's server.state values, by name. */
export type ServerState = 'PRE_INITIALIZING' | 'INITIALIZING' | 'LIVE' | 'DRAINING';

/**
 * What the health check filter (filters/health-check/) reads of the running
 * proxy, through ProxyContext.serverHealth. ProxyServer implements it; the
 * filter only reads it.
 */
export interface ServerHealth {
  /** DRAINING while /healthcheck/fail is in effect or the listeners drain: health checks then fail. */
  readonly state: ServerState;
  /** The local node's cluster (x-envoy-upstream-healthchecked-cluster). */
  readonly bootstrap: { readonly node: { readonly cluster: string } };
}
