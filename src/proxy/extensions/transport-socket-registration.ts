// How a transport socket registers (filter_chains[].transport_socket,
// clusters[].transport_socket).
import type { ExtensionRegistration } from './registration.js';

export type TransportSocketKind = 'raw_buffer';

export type TransportSocketRegistration = ExtensionRegistration<TransportSocketKind>;
