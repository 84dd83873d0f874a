// envoy.filters.http.jwt_authn.
import type { envoy_extensions_filters_http_jwt_authn_v3_JwtAuthentication } from '../../../xds/gen/types.js';
import type { HttpFilterRegistration } from '../../extensions/http-filter-registration.js';
import { decodeJwtAuthn } from './decode.js';
import { JWT_AUTHN_NAME, JWT_AUTHN_PER_ROUTE_TYPE_URL, JWT_AUTHN_TYPE_URL } from './defaults.js';
import { JwtAuthnFilterFactory, jwtPerRoute } from './http-filter.js';
import { JWT_AUTHN_COUNTERS } from './jwt-authn-stats.js';
import type { JwtAuthnSettings } from './settings.js';

export const jwtAuthnRegistration: HttpFilterRegistration<JwtAuthnSettings> = {
  name: JWT_AUTHN_NAME,
  typeUrls: [JWT_AUTHN_TYPE_URL],
  decode: (cfg, path, errs) => decodeJwtAuthn(cfg as envoy_extensions_filters_http_jwt_authn_v3_JwtAuthentication, path, errs),
  perRoute: { typeUrls: [JWT_AUTHN_PER_ROUTE_TYPE_URL], decode: jwtPerRoute.decode },
  factory: (settings, ctx) => new JwtAuthnFilterFactory(ctx.name, settings, ctx.statPrefix),
  stats: { prefix: 'http.<stat_prefix>.jwt_authn.', counters: [...JWT_AUTHN_COUNTERS] },
};
