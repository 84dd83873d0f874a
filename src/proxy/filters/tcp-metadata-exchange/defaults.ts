// Defaults and wire constants of Istio's TCP metadata exchange
// (envoy.filters.network.metadata_exchange), each with its reason.

/** The downstream (listener) filter's canonical name in istio/proxy. */
export const TCP_MX_NETWORK_NAME = 'envoy.filters.network.metadata_exchange';

/** The upstream (Cluster.filters) twin's canonical name in istio/proxy. */
export const TCP_MX_UPSTREAM_NAME = 'envoy.filters.network.upstream.metadata_exchange';

/** The config type, carried in an xds.type.v3.TypedStruct as Istio's control plane sends it. */
export const TCP_MX_TYPE_URL = 'type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange';

/** The ALPN value Istio's sidecars offer (first) on mesh mTLS to say "both sides run the exchange". */
export const ISTIO_PEER_EXCHANGE_ALPN = 'istio-peer-exchange';

/** First word of the frame (network byte order): istio/proxy's MetadataExchangeInitialHeader magic. */
export const MX_MAGIC = 0x3d230467;

/** The frame's header: magic (u32 BE) then the payload length (u32 BE). */
export const MX_HEADER_BYTES = 8;

/** The payload is a google.protobuf.Any of this type, holding a Struct. */
export const STRUCT_TYPE_URL = 'type.googleapis.com/google.protobuf.Struct';

/** Keys of the exchanged Struct: the node metadata and the node id (the HTTP exchange's header names). */
export const MX_METADATA_KEY = 'x-envoy-peer-metadata';
export const MX_METADATA_ID_KEY = 'x-envoy-peer-metadata-id';

/**
 * Largest payload read. A sidecar's metadata is a few hundred bytes; Istio
 * sets no bound and would buffer whatever length a peer announces. Past this
 * the exchange is abandoned (header_not_found) and the bytes pass on.
 */
export const MAX_MX_PAYLOAD_BYTES = 16 * 1024;

/** Distinct payloads decoded and kept: peers send the same bytes on every connection. */
export const MX_PEER_CACHE_SIZE = 1024;

/** Istio's stats of the filter (both directions share them), under `metadata_exchange.`. */
export const MX_STAT_PREFIX = 'metadata_exchange.';
export const MX_COUNTERS = ['alpn_protocol_not_found', 'alpn_protocol_found', 'initial_header_not_found', 'header_not_found', 'metadata_added'] as const;
export type MxCounter = (typeof MX_COUNTERS)[number];
