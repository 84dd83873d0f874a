// envoy.filters.http.router settings.
import { ConfigErrors } from '../../common/errors.js';
import type { AnyMessage, envoy_extensions_filters_http_router_v3_Router } from '../../xds/gen/types.js';
import { checkSupported, wrapped } from '../config/support.js';

export interface RouterFilterConfig {
  /** suppress_envoy_headers: do not add x-envoy-upstream-service-time and friends. */
  readonly suppressEnvoyHeaders: boolean;
  readonly dynamicStats: boolean;
  readonly respectExpectedRqTimeout: boolean;
}

export const ROUTER_DEFAULTS: RouterFilterConfig = { suppressEnvoyHeaders: false, dynamicStats: true, respectExpectedRqTimeout: false };

export function decodeRouterConfig(cfg: AnyMessage & envoy_extensions_filters_http_router_v3_Router, path: string, errs: ConfigErrors): RouterFilterConfig {
  checkSupported(cfg, path, errs, ['dynamic_stats', 'suppress_envoy_headers', 'respect_expected_rq_timeout', 'start_child_span', 'strict_check_headers', 'suppress_grpc_request_failure_code_stats']);
  return {
    suppressEnvoyHeaders: cfg.suppress_envoy_headers ?? false,
    dynamicStats: wrapped(cfg.dynamic_stats, true),
    respectExpectedRqTimeout: cfg.respect_expected_rq_timeout ?? false,
  };
}
