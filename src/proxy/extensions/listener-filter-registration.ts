// How a listener filter registers (listeners[].listener_filters[]): it
// inspects the first bytes before a filter chain is chosen.
import type { ExtensionRegistration } from './registration.js';

export type ListenerFilterKind = 'tls_inspector' | 'http_inspector' | 'original_dst';

export type ListenerFilterRegistration = ExtensionRegistration<ListenerFilterKind>;
