// envoy.filters.http.fault (registered in src/proxy/extensions/http-filters.ts).
export { FAULT_TYPE_URL } from './defaults.js';
export { decodeHttpFault, type FaultSettings } from './decode.js';
export { decodeHttpFaultPerRoute, FaultFilterFactory } from './fault-filter.js';
export { faultRegistration } from './registration.js';
