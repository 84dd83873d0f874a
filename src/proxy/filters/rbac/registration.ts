// envoy.filters.http.rbac and envoy.filters.network.rbac.
import type { envoy_extensions_filters_http_rbac_v3_RBAC, envoy_extensions_filters_network_rbac_v3_RBAC } from '../../../xds/gen/types.js';
import type { HttpFilterRegistration } from '../../extensions/http-filter-registration.js';
import type { NetworkFilterRegistration } from '../../extensions/network-filter-registration.js';
import { decodeHttpRbac, decodeNetworkRbac, type NetworkRbacSettings, type RbacSettings } from './decode.js';
import { HTTP_RBAC_PER_ROUTE_TYPE_URL, HTTP_RBAC_TYPE_URL, NETWORK_RBAC_TYPE_URL } from './defaults.js';
import { rbacPerRoute, RbacFilterFactory } from './http-filter.js';

export const httpRbacRegistration: HttpFilterRegistration<RbacSettings> = {
  name: 'envoy.filters.http.rbac',
  typeUrls: [HTTP_RBAC_TYPE_URL],
  decode: (cfg, path, errs) => decodeHttpRbac(cfg as envoy_extensions_filters_http_rbac_v3_RBAC, path, errs),
  perRoute: { typeUrls: [HTTP_RBAC_PER_ROUTE_TYPE_URL], decode: rbacPerRoute.decode },
  factory: (settings, ctx) => new RbacFilterFactory(ctx.name, settings, ctx.statPrefix),
  stats: {
    prefix: 'http.<stat_prefix>.rbac.',
    counters: ['allowed', 'denied', 'shadow_allowed', 'shadow_denied', '<rules_stat_prefix>.allowed', '<rules_stat_prefix>.denied', '<shadow_rules_stat_prefix>.shadow_allowed', '<shadow_rules_stat_prefix>.shadow_denied'],
  },
};

export const networkRbacRegistration: NetworkFilterRegistration<NetworkRbacSettings> = {
  name: 'envoy.filters.network.rbac',
  typeUrls: [NETWORK_RBAC_TYPE_URL],
  terminal: false,
  decode: (cfg, path, errs) => decodeNetworkRbac(cfg as envoy_extensions_filters_network_rbac_v3_RBAC, path, errs),
  factory: (rbac) => ({ rbac }),
  stats: {
    prefix: '<stat_prefix>.rbac.',
    counters: ['allowed', 'denied', 'shadow_allowed', 'shadow_denied', '<shadow_rules_stat_prefix>.shadow_allowed', '<shadow_rules_stat_prefix>.shadow_denied'],
  },
};
