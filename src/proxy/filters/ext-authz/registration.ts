// envoy.filters.http.ext_authz.
import type { envoy_extensions_filters_http_ext_authz_v3_ExtAuthz } from '../../../xds/gen/types.js';
import type { HttpFilterRegistration } from '../../extensions/http-filter-registration.js';
import { decodeExtAuthz, type ExtAuthzSettings } from './decode.js';
import { EXT_AUTHZ_NAME, EXT_AUTHZ_PER_ROUTE_TYPE_URL, EXT_AUTHZ_TYPE_URL } from './defaults.js';
import { extAuthzPerRoute, ExtAuthzFilterFactory } from './ext-authz-filter.js';
import { EXT_AUTHZ_COUNTERS } from './ext-authz-stats.js';

export const extAuthzRegistration: HttpFilterRegistration<ExtAuthzSettings> = {
  name: EXT_AUTHZ_NAME,
  typeUrls: [EXT_AUTHZ_TYPE_URL],
  decode: (cfg, path, errs) => decodeExtAuthz(cfg as envoy_extensions_filters_http_ext_authz_v3_ExtAuthz, path, errs),
  perRoute: { typeUrls: [EXT_AUTHZ_PER_ROUTE_TYPE_URL], decode: extAuthzPerRoute.decode },
  factory: (settings, ctx) => new ExtAuthzFilterFactory(ctx.name, settings, ctx.statPrefix),
  stats: { prefix: 'http.<stat_prefix>.ext_authz.[<filter stat_prefix>.]', counters: [...EXT_AUTHZ_COUNTERS] },
};
