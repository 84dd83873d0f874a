// Defaults of istio.metadata_exchange, each with its reason.

/** How Istio names the filter in every sidecar HCM. */
export const PEER_METADATA_FILTER_NAME = 'istio.metadata_exchange';

/** The config type, carried in an xds.type.v3.TypedStruct as Istio's control plane sends it. */
export const PEER_METADATA_TYPE_URL = 'type.googleapis.com/io.istio.http.peer_metadata.Config';

/**
 * Distinct peer header values decoded and kept per filter config. A mesh has
 * a handful of peers per workload; the bound only matters for a client that
 * invents values, and then costs a re-decode, not memory.
 */
export const PEER_CACHE_SIZE = 1024;

/** Longer values are not decoded (a sidecar's metadata is a few hundred bytes). */
export const MAX_PEER_HEADER_LENGTH = 8192;
