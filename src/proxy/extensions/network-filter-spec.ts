// What a network filter contributes to a filter chain, as the listener runs
// it: a terminal that takes the connection (HTTP or TCP), a rate limit
// checked on accept, an RBAC check before the terminal gets the connection,
// Istio's TCP metrics around tcp_proxy, or Istio's TCP peer metadata exchange. A new kind of network filter adds its case here and in
// listener/listener.ts.
import type { HcmConfig } from '../http/connection-manager-config.js';
import type { TcpProxyConfig } from '../tcp/tcp-proxy-config.js';
import type { NetworkLocalRateLimitConfig } from '../filters/local-ratelimit/network-limiter.js';
import type { DirectResponseConfig } from '../filters/direct-response/direct-response.js';
import type { IstioStatsConfig } from '../filters/istio-stats/decode.js';
import type { NetworkRbacSettings } from '../filters/rbac/decode.js';
import type { TcpMetadataExchangeConfig } from '../filters/tcp-metadata-exchange/decode.js';

export type NetworkTerminal = { kind: 'http'; hcm: HcmConfig } | { kind: 'tcp'; tcp: TcpProxyConfig } | { kind: 'direct'; direct: DirectResponseConfig };

export type NetworkFilterSpec = { terminal: NetworkTerminal } | { rateLimit: NetworkLocalRateLimitConfig } | { rbac: NetworkRbacSettings } | { istioTcpStats: IstioStatsConfig }
  | { metadataExchange: TcpMetadataExchangeConfig };
