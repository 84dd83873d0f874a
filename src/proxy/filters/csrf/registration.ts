// envoy.filters.http.csrf.
import type { HttpFilterRegistration } from '../../extensions/http-filter-registration.js';
import { CsrfFilterFactory, csrfPerRoute } from './csrf-filter.js';
import { CSRF_TYPE_URL, decodeCsrfPolicy, type CsrfPolicy } from './decode.js';

export const csrfRegistration: HttpFilterRegistration<CsrfPolicy> = {
  name: 'envoy.filters.http.csrf',
  typeUrls: [CSRF_TYPE_URL],
  decode: decodeCsrfPolicy,
  perRoute: { typeUrls: [CSRF_TYPE_URL], decode: csrfPerRoute.decode },
  factory: (policy, ctx) => new CsrfFilterFactory(ctx.name, policy, ctx.statPrefix),
  stats: { prefix: 'http.<stat_prefix>.csrf.', counters: ['missing_source_origin', 'request_invalid', 'request_valid'] },
};
