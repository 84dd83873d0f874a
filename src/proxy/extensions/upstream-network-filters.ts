// The upstream network filters weft implements (Cluster.filters[]). One line each.
import { tcpMetadataExchangeUpstreamRegistration } from '../filters/tcp-metadata-exchange/registration.js';
import type { UpstreamNetworkFilterRegistration } from './upstream-network-filter-registration.js';
import { ExtensionRegistry } from './registration.js';

export const UPSTREAM_NETWORK_FILTERS = new ExtensionRegistry<UpstreamNetworkFilterRegistration>('upstream network filter', [
  tcpMetadataExchangeUpstreamRegistration,
] as UpstreamNetworkFilterRegistration[]);
