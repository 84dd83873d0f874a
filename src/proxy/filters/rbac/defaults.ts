// Names and defaults of the RBAC filters, each as Envoy has it.

export const HTTP_RBAC_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC';
export const HTTP_RBAC_PER_ROUTE_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBACPerRoute';
export const NETWORK_RBAC_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC';

/** Body of the 403 a denied request gets (Envoy's wording). */
export const DENIED_BODY = 'RBAC: access denied';

/** Dynamic metadata keys of the shadow result, under the filter's name (prefixed by shadow_rules_stat_prefix). */
export const SHADOW_POLICY_ID_KEY = 'shadow_effective_policy_id';
export const SHADOW_RESULT_KEY = 'shadow_engine_result';

/** A LOG policy that matched sets envoy.common/access_log_hint, as Envoy does. */
export const ACCESS_LOG_HINT_NAMESPACE = 'envoy.common';
export const ACCESS_LOG_HINT_KEY = 'access_log_hint';
