// health_checks → HealthCheckConfig[]. (Placeholder until active health checking lands: refuses the field.)
import { ConfigErrors, joinPath } from '../../common/errors.js';
import type { envoy_config_core_v3_HealthCheck } from '../../xds/gen/types.js';

export interface HealthCheckConfig {
  readonly source: envoy_config_core_v3_HealthCheck;
}

export function decodeHealthChecks(list: readonly envoy_config_core_v3_HealthCheck[], path: string, errs: ConfigErrors): HealthCheckConfig[] {
  list.forEach((_h, i) => errs.unsupported(joinPath(path, i)));
  return list.map((h) => ({ source: h }));
}
