// Istio's standard metrics: names, labels (in the order Istio's proxies emit
// them) and values, as the "Istio Standard Metrics" reference and
// istio/proxy's stats filter define them. One place for all of them.

/** How Istio names the filter in every sidecar HCM and TCP chain. */
export const ISTIO_STATS_FILTER_NAME = 'istio.stats';
/** Envoy's canonical names of the HTTP and network filters. */
export const ISTIO_STATS_HTTP_NAME = 'envoy.filters.http.istio_stats';
export const ISTIO_STATS_NETWORK_NAME = 'envoy.filters.network.istio_stats';

/** stats.PluginConfig: carried in an xds.type.v3.TypedStruct (Istio's proto is not on npm). */
export const ISTIO_STATS_TYPE_URL = 'type.googleapis.com/stats.PluginConfig';

export const METRICS = {
  requestsTotal: 'istio_requests_total',
  requestDuration: 'istio_request_duration_milliseconds',
  requestBytes: 'istio_request_bytes',
  responseBytes: 'istio_response_bytes',
  requestMessages: 'istio_request_messages_total',
  responseMessages: 'istio_response_messages_total',
  tcpSentBytes: 'istio_tcp_sent_bytes_total',
  tcpReceivedBytes: 'istio_tcp_received_bytes_total',
  tcpOpened: 'istio_tcp_connections_opened_total',
  tcpClosed: 'istio_tcp_connections_closed_total',
} as const;

/** The peer and service labels every metric carries, in Istio's order. */
export const PEER_LABELS = [
  'reporter',
  'source_workload', 'source_canonical_service', 'source_canonical_revision', 'source_workload_namespace',
  'source_principal', 'source_app', 'source_version', 'source_cluster',
  'destination_workload', 'destination_workload_namespace', 'destination_principal', 'destination_app',
  'destination_version', 'destination_service', 'destination_canonical_service', 'destination_canonical_revision',
  'destination_service_name', 'destination_service_namespace', 'destination_cluster',
] as const;

/** HTTP and gRPC metrics: the peer labels, then these. */
export const HTTP_LABELS = [...PEER_LABELS, 'request_protocol', 'response_code', 'grpc_response_status', 'response_flags', 'connection_security_policy'] as const;
/** TCP metrics: the peer labels, then these. */
export const TCP_LABELS = [...PEER_LABELS, 'request_protocol', 'response_flags', 'connection_security_policy'] as const;

export type PeerLabel = (typeof PEER_LABELS)[number];

/** Istio's values for what is not known. */
export const UNKNOWN = 'unknown';
/** canonical_revision of a peer that does not say. */
export const LATEST = 'latest';
export const MUTUAL_TLS = 'mutual_tls';
export const NONE = 'none';

/**
 * Distinct values taken from request data (the Host header fallback for
 * destination_service) per filter config. Past it, new values are reported
 * as `unknown` and counted, so a client cannot grow the metric set without
 * bound. Peer headers are bounded by the peer cache of istio.metadata_exchange.
 */
export const MAX_REQUEST_DERIVED_VALUES = 1000;
/** Longer Host values are cut: a label value is a service name, not a payload. */
export const MAX_LABEL_VALUE_LENGTH = 256;

/** Istio's cluster names that stand for a destination themselves. */
export const SPECIAL_CLUSTERS: ReadonlySet<string> = new Set([
  'BlackHoleCluster', 'PassthroughCluster', 'InboundPassthroughCluster', 'InboundPassthroughClusterIpv4', 'InboundPassthroughClusterIpv6',
]);
