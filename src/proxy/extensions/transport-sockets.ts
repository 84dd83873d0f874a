// The transport sockets weft implements (filter_chains[].transport_socket,
// clusters[].transport_socket). One line each; TLS joins with mTLS.
import { rawBufferRegistration } from '../transport-socket/raw-buffer.js';
import type { TransportSocketKind, TransportSocketRegistration } from './transport-socket-registration.js';
import { ExtensionRegistry } from './registration.js';
import { ConfigErrors, joinPath } from '../../common/errors.js';
import { checkSupported } from '../config/support.js';
import type { envoy_config_core_v3_TransportSocket } from '../../xds/gen/types.js';

export const TRANSPORT_SOCKETS = new ExtensionRegistry<TransportSocketRegistration>('transport socket', [
  rawBufferRegistration,
]);

/** Decodes a TransportSocket message; undefined (and errors reported) when it cannot be used. */
export function decodeTransportSocket(ts: envoy_config_core_v3_TransportSocket, path: string, errs: ConfigErrors): TransportSocketKind | undefined {
  checkSupported(ts, path, errs, ['name', 'typed_config']);
  const r = TRANSPORT_SOCKETS.lookup(ts.typed_config, path, errs, ts.name);
  return r?.decode(ts.typed_config!, joinPath(path, 'typed_config'), errs, undefined);
}
