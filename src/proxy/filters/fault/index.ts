// envoy.filters.http.fault. Importing this module registers the filter.
import { registerHttpFilter } from '../registry.js';
import { FAULT_TYPE_URL } from './defaults.js';
import { decodeHttpFaultFilter } from './fault-filter.js';

registerHttpFilter(FAULT_TYPE_URL, decodeHttpFaultFilter);

export { FAULT_TYPE_URL } from './defaults.js';
export { decodeHttpFault, type FaultSettings } from './decode.js';
export { decodeHttpFaultFilter, decodeHttpFaultPerRoute, FaultFilterFactory } from './fault-filter.js';
