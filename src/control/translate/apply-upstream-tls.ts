// DestinationRule tls. weft's proxy has no TLS transport socket yet, so only
// DISABLE (plaintext) can be honoured; any other mode is reported and the
// cluster stays plaintext, rather than silently pretending to encrypt.
import type { ClientTLSSettings } from '../../api/networking.js';
import { MESSAGE_CODES, type MessageCollector } from './messages.js';

export function applyUpstreamTls(tls: ClientTLSSettings | undefined, messages: MessageCollector, key: string, path: string, hostname: string): void {
  const mode = tls?.mode;
  if (!mode || mode === 'DISABLE') return;
  messages.warn(MESSAGE_CODES.TLS_UNSUPPORTED, key, `${path}.mode`, `tls mode ${mode} not yet supported by weft; traffic to ${hostname} is sent in plaintext`);
}
