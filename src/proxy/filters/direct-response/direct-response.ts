// envoy.filters.network.direct_response: a terminal network filter that
// writes its configured bytes to every new connection and closes it once they
// are flushed, whatever the client sends (Envoy's FlushWrite close).
import type net from 'node:net';
import type { ConfigErrors } from '../../../common/errors.js';
import { checkSupported } from '../../config/support.js';
import { joinPath } from '../../../common/errors.js';
import type { AnyMessage, envoy_extensions_filters_network_direct_response_v3_Config } from '../../../xds/gen/types.js';
import { readDataSourceBytes } from '../common/data-source.js';

export const DIRECT_RESPONSE_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.network.direct_response.v3.Config';

export interface DirectResponseConfig {
  /** Written to every connection, then the connection closes; may be empty. */
  readonly response: Buffer;
}

export function decodeDirectResponse(cfg: AnyMessage, path: string, errs: ConfigErrors): DirectResponseConfig | undefined {
  const c = cfg as envoy_extensions_filters_network_direct_response_v3_Config;
  const before = errs.errors.length;
  checkSupported(c, path, errs, ['response']);
  const response = c.response ? readDataSourceBytes(c.response, joinPath(path, 'response'), errs) : Buffer.alloc(0);
  if (errs.errors.length > before || !response) return undefined;
  return { response };
}

/** Answers one accepted connection. */
export function serveDirectResponse(cfg: DirectResponseConfig, socket: net.Socket): void {
  // Whatever the client sends is read and dropped, so its writes never block.
  socket.on('data', () => {});
  socket.on('error', () => socket.destroy());
  socket.end(cfg.response);
}
