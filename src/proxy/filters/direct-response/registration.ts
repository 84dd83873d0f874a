// envoy.filters.network.direct_response.
import type { NetworkFilterRegistration } from '../../extensions/network-filter-registration.js';
import { decodeDirectResponse, DIRECT_RESPONSE_TYPE_URL, type DirectResponseConfig } from './direct-response.js';

export const directResponseRegistration: NetworkFilterRegistration<DirectResponseConfig> = {
  name: 'envoy.filters.network.direct_response',
  typeUrls: [DIRECT_RESPONSE_TYPE_URL],
  terminal: true,
  decode: (cfg, path, errs) => decodeDirectResponse(cfg, path, errs),
  factory: (direct) => ({ terminal: { kind: 'direct', direct } }),
};
