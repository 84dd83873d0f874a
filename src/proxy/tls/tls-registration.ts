// envoy.transport_sockets.tls: DownstreamTlsContext on a filter chain,
// UpstreamTlsContext on a cluster (or a transport_socket_matches entry).
// The other context in either position is refused at its path.
import { CFG } from '../../common/errors.js';
import type {
  envoy_extensions_transport_sockets_tls_v3_DownstreamTlsContext,
  envoy_extensions_transport_sockets_tls_v3_UpstreamTlsContext,
} from '../../xds/gen/types.js';
import type { TransportSocketRegistration } from '../extensions/transport-socket-registration.js';
import { decodeDownstreamTlsContext, decodeUpstreamTlsContext } from './decode-tls-context.js';

export const DOWNSTREAM_TLS_CONTEXT_TYPE_URL = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext';
export const UPSTREAM_TLS_CONTEXT_TYPE_URL = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';

export const tlsTransportSocketRegistration: TransportSocketRegistration = {
  name: 'envoy.transport_sockets.tls',
  typeUrls: [DOWNSTREAM_TLS_CONTEXT_TYPE_URL, UPSTREAM_TLS_CONTEXT_TYPE_URL],
  decode: (cfg, path, errs, ctx) => {
    const downstream = cfg['@type'] === DOWNSTREAM_TLS_CONTEXT_TYPE_URL;
    const opts = ctx.nowMs !== undefined ? { nowMs: ctx.nowMs } : {};
    if (ctx.position === 'filter_chain') {
      if (!downstream) {
        errs.error(path, 'a filter chain\'s transport_socket takes a DownstreamTlsContext, not an UpstreamTlsContext', CFG.INVALID_VALUE);
        return undefined;
      }
      const tls = decodeDownstreamTlsContext(cfg as envoy_extensions_transport_sockets_tls_v3_DownstreamTlsContext, path, errs, opts);
      return tls ? { kind: 'tls_downstream', tls } : undefined;
    }
    if (downstream) {
      errs.error(path, 'a cluster\'s transport_socket takes an UpstreamTlsContext, not a DownstreamTlsContext', CFG.INVALID_VALUE);
      return undefined;
    }
    const tls = decodeUpstreamTlsContext(cfg as envoy_extensions_transport_sockets_tls_v3_UpstreamTlsContext, path, errs, opts);
    return tls ? { kind: 'tls_upstream', tls } : undefined;
  },
  stats: {
    prefix: '<listener.<stat_prefix>|cluster.<name>>.ssl.',
    counters: [
      'handshake', 'connection_error', 'no_certificate', 'fail_verify_no_cert', 'fail_verify_error', 'fail_verify_san',
      'fail_verify_cert_hash', 'session_reused', 'ciphers.<cipher>', 'versions.<version>', 'curves.<curve>',
    ],
  },
};
