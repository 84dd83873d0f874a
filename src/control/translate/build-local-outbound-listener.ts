// Local mode (`weft up`): apps reach other services through HTTP_PROXY, so the
// sidecar has one outbound listener, `weft_outbound_http` on 127.0.0.1, whose
// route table (same name) has a virtual host per service and port. Built only
// when node metadata WEFT_OUTBOUND_HTTP_PROXY_PORT is set.
import type { envoy_config_listener_v3_Listener } from '../../xds/gen/types.js';
import { listenerTelemetry } from './access-log.js';
import { hcmFilter, outboundHttpFilters } from './build-hcm.js';
import { NAMES } from './defaults.js';
import { socketAddress } from './locality-endpoints.js';
import type { TranslateContext } from './translate-context.js';

export function buildLocalOutboundListener(ctx: TranslateContext): envoy_config_listener_v3_Listener[] {
  const port = ctx.options.outboundHttpProxyPort;
  if (port === undefined) return [];
  return [{
    name: NAMES.localOutboundHttp,
    address: socketAddress('127.0.0.1', port),
    traffic_direction: 'OUTBOUND',
    filter_chains: [{
      filters: [hcmFilter({ statPrefix: NAMES.localOutboundHttp, rds: NAMES.localOutboundHttp, filters: outboundHttpFilters(), useRemoteAddress: false, allowAbsoluteUrl: true, ...listenerTelemetry(ctx) })],
    }],
  }];
}
