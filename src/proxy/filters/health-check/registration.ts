// envoy.filters.http.health_check.
import type { HttpFilterRegistration } from '../../extensions/http-filter-registration.js';
import { decodeHealthCheck, HEALTH_CHECK_TYPE_URL, type HealthCheckSettings } from './decode.js';
import { HealthCheckFilterFactory } from './health-check-filter.js';

export const healthCheckRegistration: HttpFilterRegistration<HealthCheckSettings> = {
  name: 'envoy.filters.http.health_check',
  typeUrls: [HEALTH_CHECK_TYPE_URL],
  decode: decodeHealthCheck,
  factory: (settings, ctx) => new HealthCheckFilterFactory(ctx.name, settings),
};
