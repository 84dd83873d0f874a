// envoy.filters.http.cors.
import type { HttpFilterRegistration } from '../../extensions/http-filter-registration.js';
import { CorsFilterFactory, corsPerRoute } from './cors-filter.js';
import { decodeCors } from './decode.js';
import { CORS_POLICY_TYPE_URL, CORS_TYPE_URL } from './defaults.js';

export const corsRegistration: HttpFilterRegistration<Record<string, never>> = {
  name: 'envoy.filters.http.cors',
  typeUrls: [CORS_TYPE_URL],
  decode: decodeCors,
  perRoute: { typeUrls: [CORS_POLICY_TYPE_URL], decode: corsPerRoute.decode },
  factory: (_cfg, ctx) => new CorsFilterFactory(ctx.name, ctx.statPrefix),
  stats: { prefix: 'http.<stat_prefix>.cors.', counters: ['origin_valid', 'origin_invalid'] },
};
