// How a transport socket registers (filter_chains[].transport_socket,
// clusters[].transport_socket).
import type { TransportSocketConfig } from '../tls/tls-config.js';
import type { ExtensionRegistration } from './registration.js';

/** Where the transport socket sits: a listener's filter chain (server side) or a cluster (client side). */
export type TransportSocketPosition = 'filter_chain' | 'cluster';

export interface TransportSocketDecodeContext {
  readonly position: TransportSocketPosition;
  /** Wall-clock time certificates are checked against (ms since the epoch); default now. */
  readonly nowMs?: number;
}

export type TransportSocketRegistration = ExtensionRegistration<TransportSocketConfig, TransportSocketDecodeContext>;
