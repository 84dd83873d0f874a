// The transport sockets weft implements (filter_chains[].transport_socket,
// clusters[].transport_socket). One line each.
import { rawBufferRegistration } from '../transport-socket/raw-buffer.js';
import { tlsTransportSocketRegistration } from '../tls/tls-registration.js';
import type { TransportSocketPosition, TransportSocketRegistration } from './transport-socket-registration.js';
import { ExtensionRegistry } from './registration.js';
import { ConfigErrors, joinPath } from '../../common/errors.js';
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
 * reported) when it cannot be used.
 */
export function decodeTransportSocket(
  ts: envoy_config_core_v3_TransportSocket,
  path: string,
  errs: ConfigErrors,
  position: TransportSocketPosition = 'cluster',
  nowMs?: number,
): TransportSocketConfig | undefined {
  checkSupported(ts, path, errs, ['name', 'typed_config']);
  const r = TRANSPORT_SOCKETS.lookup(ts.typed_config, path, errs, ts.name);
  return r?.decode(ts.typed_config!, joinPath(path, 'typed_config'), errs, { position, ...(nowMs !== undefined ? { nowMs } : {}) });
}
