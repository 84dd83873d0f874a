// VirtualService corsPolicy → envoy.extensions.filters.http.cors.v3.CorsPolicy,
// carried per route (typed_per_filter_config) for the cors filter every
// sidecar and gateway manager runs. Field for field as Istio's
// TranslateCORSPolicy: lists joined with ",", maxAge in whole seconds, the
// filter enabled at 100%, unmatchedPreflights FORWARD/IGNORE as
// forward_not_matching_preflights (unset: Envoy's default, forward).
import type { CorsPolicy } from '../../api/networking.js';
import type { envoy_extensions_filters_http_cors_v3_CorsPolicy } from '../../xds/gen/types.js';
import { parseDurationMs } from '../model/duration.js';
import { stringMatcher } from './translate-route-match.js';

export function translateCors(c: CorsPolicy): envoy_extensions_filters_http_cors_v3_CorsPolicy {
  // allowOrigins wins; the deprecated allowOrigin is read as exact matches (as Istio does).
  const origins = c.allowOrigins !== undefined
    ? c.allowOrigins.map(stringMatcher)
    : (c.allowOrigin ?? []).map((exact) => ({ exact }));
  const out: envoy_extensions_filters_http_cors_v3_CorsPolicy = {
    ...(origins.length > 0 ? { allow_origin_string_match: origins } : {}),
    filter_enabled: { default_value: { numerator: 100, denominator: 'HUNDRED' } },
  };
  if (c.allowCredentials !== undefined) out.allow_credentials = { value: c.allowCredentials };
  if (c.allowHeaders?.length) out.allow_headers = c.allowHeaders.join(',');
  if (c.allowMethods?.length) out.allow_methods = c.allowMethods.join(',');
  if (c.exposeHeaders?.length) out.expose_headers = c.exposeHeaders.join(',');
  const maxAgeMs = parseDurationMs(c.maxAge);
  if (maxAgeMs !== undefined) out.max_age = String(Math.floor(maxAgeMs / 1000));
  if (c.unmatchedPreflights === 'FORWARD') out.forward_not_matching_preflights = { value: true };
  else if (c.unmatchedPreflights === 'IGNORE') out.forward_not_matching_preflights = { value: false };
  return out;
}
