// envoy.transport_sockets.raw_buffer: plain TCP, what a filter chain or a
// cluster without transport_socket uses. Accepted so configs that spell it
// out (as many of Envoy's examples do) start.
import type { TransportSocketRegistration } from '../extensions/transport-socket-registration.js';
import { checkSupported } from '../config/support.js';
import type { TransportSocketConfig } from '../tls/tls-config.js';

export const RAW_BUFFER_TYPE_URL = 'type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer';

export const RAW_BUFFER: TransportSocketConfig = { kind: 'raw_buffer' };

export const rawBufferRegistration: TransportSocketRegistration = {
  name: 'envoy.transport_sockets.raw_buffer',
  typeUrls: [RAW_BUFFER_TYPE_URL],
  decode: (cfg, path, errs) => {
    checkSupported(cfg, path, errs, []);
    return RAW_BUFFER;
  },
};
