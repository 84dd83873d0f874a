// The transport sockets weft implements (filter_chains[].transport_socket,
// clusters[].transport_socket). One line each.
import { rawBufferRegistration } from '../transport-socket/raw-buffer.js';
import { tlsTransportSocketRegistration } from '../tls/tls-registration.js';
import type { TransportSocketPosition, TransportSocketRegistration } from './transport-socket-registration.js';
import { ExtensionRegistry, shortType } from './registration.js';
import { CFG, ConfigErrors, joinPath } from '../../common/errors.js';
import { checkSupported } from '../config/support.js';
import type { TransportSocketConfig } from '../tls/tls-config.js';
import type { envoy_config_core_v3_TransportSocket } from '../../xds/gen/types.js';

export const TRANSPORT_SOCKETS = new ExtensionRegistry<TransportSocketRegistration>('transport socket', [
  rawBufferRegistration,
  tlsTransportSocketRegistration,
]);

/**
 * Decodes a TransportSocket message at `position` (a filter chain takes
 * DownstreamTlsContext, a cluster UpstreamTlsContext); undefined (and errors
 * reported) when it cannot be used. A caller that passes no position is one
 * that cannot use TLS yet: a TLS context there is refused by name instead of
 * being accepted and served as plaintext.
 */
export function decodeTransportSocket(
  ts: envoy_config_core_v3_TransportSocket,
  path: string,
  errs: ConfigErrors,
  position?: TransportSocketPosition,
  nowMs?: number,
): TransportSocketConfig | undefined {
  checkSupported(ts, path, errs, ['name', 'typed_config']);
  const r = TRANSPORT_SOCKETS.lookup(ts.typed_config, path, errs, ts.name);
  const tp = joinPath(path, 'typed_config');
  const cfg = r?.decode(ts.typed_config!, tp, errs, { position: position ?? 'cluster', ...(nowMs !== undefined ? { nowMs } : {}) });
  if (position === undefined && cfg && cfg.kind !== 'raw_buffer') {
    // Worded like an unsupported extension, so tools keyed on the type keep working.
    errs.error(tp, `"${shortType(ts.typed_config!['@type'])}" is not supported by weft here yet (this position does not use TLS)`, CFG.UNSUPPORTED_VALUE);
    return undefined;
  }
  return cfg;
}
