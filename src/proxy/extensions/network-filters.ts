// The network filters weft implements (filter_chains[].filters[]). One line each.
import { directResponseRegistration } from '../filters/direct-response/registration.js';
import { networkLocalRateLimitRegistration } from '../filters/local-ratelimit/registration.js';
import { networkRbacRegistration } from '../filters/rbac/registration.js';
import { hcmRegistration } from '../hcm/registration.js';
import { istioTcpStatsRegistration } from '../filters/istio-stats/registration.js';
import { tcpProxyRegistration } from '../tcp/registration.js';
import { tcpMetadataExchangeRegistration } from '../filters/tcp-metadata-exchange/registration.js';
import type { NetworkFilterRegistration } from './network-filter-registration.js';
import { ExtensionRegistry } from './registration.js';

export const NETWORK_FILTERS = new ExtensionRegistry<NetworkFilterRegistration>('network filter', [
  hcmRegistration,
  tcpProxyRegistration,
  networkLocalRateLimitRegistration,
  directResponseRegistration,
  istioTcpStatsRegistration,
  networkRbacRegistration,
  tcpMetadataExchangeRegistration,
] as NetworkFilterRegistration[]);
