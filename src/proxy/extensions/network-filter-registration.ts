// How a network filter registers (filter_chains[].filters[]).
import type { ExtensionRegistration } from './registration.js';
import type { NetworkFilterSpec } from './network-filter-spec.js';

/** What a network filter's decoder needs from its listener. */
export interface NetworkFilterDecodeContext {
  /** When false (static bootstrap without xDS), an HCM's `rds` is refused. */
  allowRds: boolean;
  /** The listener's traffic_direction (absent: unspecified). */
  trafficDirection?: 'INBOUND' | 'OUTBOUND' | 'UNSPECIFIED';
}

/** A network filter. */
export interface NetworkFilterRegistration<TConfig = unknown> extends ExtensionRegistration<TConfig, NetworkFilterDecodeContext> {
  /** Terminal filters (http_connection_manager, tcp_proxy) must be last; others must not be. */
  readonly terminal: boolean;
  /** Where the decoded config goes in the filter chain. */
  factory(config: TConfig): NetworkFilterSpec;
}
