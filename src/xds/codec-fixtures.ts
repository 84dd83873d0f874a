// Realistic resources in proto3 JSON, shared by the codec's tests and its
// benchmark: shaped like what Istio's control plane sends a sidecar.

/** The v3 front-proxy bootstrap from the seed's examples. */
export const FRONT_PROXY_BOOTSTRAP_YAML = `
static_resources:
  listeners:
  - name: listener_0
    address: { socket_address: { address: 0.0.0.0, port_value: 80 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: ingress_http
          route_config:
            name: route
            virtual_hosts:
            - name: backend
              domains: ["*"]
              routes:
              - match: { prefix: "/" }
                route: { cluster: service1 }
          http_filters:
          - name: envoy.filters.http.router
            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
  clusters:
  - name: service1
    connect_timeout: 0.25s
    type: STRICT_DNS
    lb_policy: ROUND_ROBIN
    load_assignment:
      cluster_name: service1
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: service1, port_value: 80 } } }
admin:
  address: { socket_address: { address: 127.0.0.1, port_value: 9901 } }
`;

/** An Istio-style outbound EDS cluster with mTLS, circuit breakers and outlier detection. */
export function istioCluster(i: number): Record<string, unknown> {
  const host = `svc-${i}.default.svc.cluster.local`;
  return {
    name: `outbound|9080|v1|${host}`,
    type: 'EDS',
    eds_cluster_config: { eds_config: { ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3' }, service_name: `outbound|9080|v1|${host}` },
    connect_timeout: '10s',
    lb_policy: 'LEAST_REQUEST',
    circuit_breakers: {
      thresholds: [{ max_connections: 4294967295, max_pending_requests: 4294967295, max_requests: 4294967295, max_retries: 4294967295, track_remaining: true }],
    },
    outlier_detection: { consecutive_5xx: 5, interval: '10s', base_ejection_time: '30s', max_ejection_percent: 100 },
    common_lb_config: { locality_weighted_lb_config: {} },
    metadata: {
      filter_metadata: {
        istio: { services: [{ host, name: `svc-${i}`, namespace: 'default' }], default_original_port: 9080, subset: 'v1' },
      },
    },
    typed_extension_protocol_options: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
        common_http_protocol_options: { idle_timeout: '3600s', max_requests_per_connection: 1024 },
        use_downstream_protocol_config: { http_protocol_options: {}, http2_protocol_options: { max_concurrent_streams: 1073741824 } },
      },
    },
    transport_socket: {
      name: 'envoy.transport_sockets.tls',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
        common_tls_context: {
          tls_params: { tls_minimum_protocol_version: 'TLSv1_2', tls_maximum_protocol_version: 'TLSv1_3' },
          alpn_protocols: ['istio-peer-exchange', 'istio'],
          tls_certificate_sds_secret_configs: [{ name: 'default', sds_config: { api_config_source: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'sds-grpc' } }], set_node_on_first_message_only: true }, resource_api_version: 'V3', initial_fetch_timeout: '0s' } }],
          combined_validation_context: {
            default_validation_context: { match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { exact: `spiffe://cluster.local/ns/default/sa/svc-${i}` } }] },
            validation_context_sds_secret_config: { name: 'ROOTCA', sds_config: { api_config_source: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'sds-grpc' } }], set_node_on_first_message_only: true }, resource_api_version: 'V3', initial_fetch_timeout: '0s' } },
          },
        },
        sni: `outbound_.9080_.v1_.${host}`,
      },
    },
  };
}

/** A Listener with an HttpConnectionManager (RDS) and a few HTTP filters, as proto3 JSON. */
export const LISTENER_JSON = {
  name: '0.0.0.0_9080',
  address: { socket_address: { address: '0.0.0.0', port_value: 9080 } },
  traffic_direction: 'OUTBOUND',
  bind_to_port: false,
  listener_filters: [{ name: 'envoy.filters.listener.tls_inspector', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector' } }],
  listener_filters_timeout: '0s',
  continue_on_listener_filters_timeout: true,
  filter_chains: [{
    filter_chain_match: { transport_protocol: 'raw_buffer', application_protocols: ['http/1.1', 'h2c'] },
    filters: [{
      name: 'envoy.filters.network.http_connection_manager',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
        stat_prefix: 'outbound_0.0.0.0_9080',
        rds: { config_source: { ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3' }, route_config_name: '9080' },
        use_remote_address: false,
        stream_idle_timeout: '0s',
        normalize_path: true,
        path_with_escaped_slashes_action: 'KEEP_UNCHANGED',
        access_log: [{ name: 'envoy.access_loggers.file', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog', path: '/dev/stdout', log_format: { text_format_source: { inline_string: '[%START_TIME%] "%REQ(:METHOD)%" %RESPONSE_CODE% %RESPONSE_FLAGS%\n' } } } }],
        http_filters: [
          { name: 'envoy.filters.http.fault', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault' } },
          { name: 'envoy.filters.http.cors', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors' } },
          { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router', suppress_envoy_headers: true } },
        ],
        tracing: { client_sampling: { value: 100 }, random_sampling: { value: 1 }, overall_sampling: { value: 100 } },
        upgrade_configs: [{ upgrade_type: 'websocket' }],
      },
    }],
  }],
};

/** A RouteConfiguration with weighted clusters, retries, header matches and a fault override. */
export const ROUTE_CONFIGURATION_JSON = {
  name: '9080',
  virtual_hosts: [{
    name: 'reviews.default.svc.cluster.local:9080',
    domains: ['reviews.default.svc.cluster.local', 'reviews', 'reviews:9080'],
    routes: [
      {
        name: 'jason',
        match: { prefix: '/', headers: [{ name: 'end-user', string_match: { exact: 'jason' } }] },
        route: { cluster: 'outbound|9080|v2|reviews.default.svc.cluster.local', timeout: '0s', max_grpc_timeout: '0s' },
        typed_per_filter_config: {
          'envoy.filters.http.fault': {
            '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
            delay: { fixed_delay: '7s', percentage: { numerator: 100, denominator: 'HUNDRED' } },
          },
        },
      },
      {
        name: 'default',
        match: { prefix: '/' },
        route: {
          weighted_clusters: { clusters: [
            { name: 'outbound|9080|v1|reviews.default.svc.cluster.local', weight: 90 },
            { name: 'outbound|9080|v3|reviews.default.svc.cluster.local', weight: 10 },
          ] },
          retry_policy: { retry_on: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes', num_retries: 2, retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate' } }], host_selection_retry_max_attempts: '5', retriable_status_codes: [503] },
          timeout: '1.5s',
        },
        decorator: { operation: 'reviews.default.svc.cluster.local:9080/*' },
      },
    ],
    include_request_attempt_count: true,
  }],
  validate_clusters: false,
};
