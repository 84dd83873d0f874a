// envoy.filters.http.fault.
import type { envoy_extensions_filters_http_fault_v3_HTTPFault } from '../../../xds/gen/types.js';
import type { HttpFilterRegistration } from '../../extensions/http-filter-registration.js';
import { decodeHttpFault, type FaultSettings } from './decode.js';
import { FAULT_TYPE_URL } from './defaults.js';
import { decodeHttpFaultPerRoute, FaultFilterFactory } from './fault-filter.js';

export const faultRegistration: HttpFilterRegistration<FaultSettings> = {
  name: 'envoy.filters.http.fault',
  typeUrls: [FAULT_TYPE_URL],
  decode: (cfg, path, errs) => decodeHttpFault(cfg as envoy_extensions_filters_http_fault_v3_HTTPFault, path, errs),
  perRoute: { typeUrls: [FAULT_TYPE_URL], decode: decodeHttpFaultPerRoute },
  factory: (settings, ctx) => new FaultFilterFactory(ctx.name, settings, ctx.statPrefix),
  stats: {
    prefix: 'http.<stat_prefix>.fault.',
    counters: ['aborts_injected', 'delays_injected', 'faults_overflow', 'response_rl_injected', '<downstream_cluster>.aborts_injected', '<downstream_cluster>.delays_injected'],
    gauges: ['active_faults'],
  },
};
