// Names and defaults of envoy.filters.http.cors, as Envoy has them.

export const CORS_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors';
export const CORS_POLICY_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy';

/** filter_enabled and shadow_enabled when unset: enforced for every request; no shadow. */
export const DEFAULT_FILTER_ENABLED = 1;
export const DEFAULT_SHADOW_ENABLED = 0;
/** forward_not_matching_preflights when unset: a preflight whose origin does not match goes upstream. */
export const DEFAULT_FORWARD_NOT_MATCHING_PREFLIGHTS = true;

/** %RESPONSE_CODE_DETAILS% of a preflight answered by the filter. */
export const CORS_RESPONSE_DETAILS = 'cors_response';
