// How an upstream network filter registers (Cluster.filters[]: Envoy's
// NamedUpstreamNetworkFilterConfigFactory position).
import type { ExtensionRegistration } from './registration.js';
import type { TcpMetadataExchangeConfig } from '../filters/tcp-metadata-exchange/decode.js';

/** What an upstream network filter contributes to a cluster. A new kind adds its case here and where the cluster's connections run it. */
export type UpstreamNetworkFilterSpec = { metadataExchange: TcpMetadataExchangeConfig };

/** An upstream network filter. */
export interface UpstreamNetworkFilterRegistration<TConfig = unknown> extends ExtensionRegistration<TConfig> {
  /** Where the decoded config goes in the cluster. */
  factory(config: TConfig): UpstreamNetworkFilterSpec;
}
