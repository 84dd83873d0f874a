// Istio's TCP metadata exchange, in both positions istio/proxy registers it:
// a listener network filter (downstream: the chain's connection) and a
// Cluster.filters upstream network filter (the connection tcp_proxy opens).
import type { NetworkFilterRegistration } from '../../extensions/network-filter-registration.js';
import type { UpstreamNetworkFilterRegistration } from '../../extensions/upstream-network-filter-registration.js';
import { decodeTcpMetadataExchangeConfig, type TcpMetadataExchangeConfig } from './decode.js';
import { MX_COUNTERS, MX_STAT_PREFIX, TCP_MX_NETWORK_NAME, TCP_MX_TYPE_URL, TCP_MX_UPSTREAM_NAME } from './defaults.js';

const stats = { prefix: MX_STAT_PREFIX, counters: [...MX_COUNTERS] };

/** Before istio.stats and tcp_proxy in a TCP chain; the listener builds one TcpMetadataExchange per chain. */
export const tcpMetadataExchangeRegistration: NetworkFilterRegistration<TcpMetadataExchangeConfig> = {
  name: TCP_MX_NETWORK_NAME,
  typeUrls: [TCP_MX_TYPE_URL],
  typedStructOnly: true,
  terminal: false,
  decode: (cfg, path, errs) => decodeTcpMetadataExchangeConfig(cfg, path, errs),
  factory: (metadataExchange) => ({ metadataExchange }),
  stats,
};

/** In Cluster.filters: runs on the connections tcp_proxy opens to the cluster. */
export const tcpMetadataExchangeUpstreamRegistration: UpstreamNetworkFilterRegistration<TcpMetadataExchangeConfig> = {
  name: TCP_MX_UPSTREAM_NAME,
  typeUrls: [TCP_MX_TYPE_URL],
  typedStructOnly: true,
  decode: (cfg, path, errs) => decodeTcpMetadataExchangeConfig(cfg, path, errs),
  factory: (metadataExchange) => ({ metadataExchange }),
  stats,
};
