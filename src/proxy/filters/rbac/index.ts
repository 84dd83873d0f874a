// envoy.filters.http.rbac and envoy.filters.network.rbac (registered in
// src/proxy/extensions/http-filters.ts and network-filters.ts); the policy
// engine they share is src/proxy/rbac/.
export { HTTP_RBAC_PER_ROUTE_TYPE_URL, HTTP_RBAC_TYPE_URL, NETWORK_RBAC_TYPE_URL } from './defaults.js';
export { decodeHttpRbac, decodeHttpRbacPerRoute, decodeNetworkRbac, type NetworkRbacSettings, type RbacSettings } from './decode.js';
export { RbacFilterFactory } from './http-filter.js';
export { NetworkRbac } from './network-filter.js';
export { httpRbacRegistration, networkRbacRegistration } from './registration.js';
