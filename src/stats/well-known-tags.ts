// Envoy's default tag extractors (the `envoy.*` tag names of its
// well_known_names), re-expressed for weft. Only families that weft's proxy
// emits, or that are common on Envoy dashboards, are listed; each entry says
// which stat shape it reads. The order matters: it is the order tags appear as
// Prometheus labels, and it is Envoy's (regex extractors first, then token
// extractors, each in list order; see TagProducer).

/** Tag names, as Envoy spells them (they become Prometheus label names with '.' → '_'). */
export const TagNames = {
  CLUSTER_NAME: 'envoy.cluster_name',
  LISTENER_ADDRESS: 'envoy.listener_address',
  HTTP_CONN_MANAGER_PREFIX: 'envoy.http_conn_manager_prefix',
  HTTP_USER_AGENT: 'envoy.http_user_agent',
  SSL_CIPHER: 'envoy.ssl_cipher',
  SSL_CIPHER_SUITE: 'cipher_suite',
  RATELIMIT_PREFIX: 'envoy.ratelimit_prefix',
  LOCAL_HTTP_RATELIMIT_PREFIX: 'envoy.local_http_ratelimit_prefix',
  LOCAL_NETWORK_RATELIMIT_PREFIX: 'envoy.local_network_ratelimit_prefix',
  TCP_PREFIX: 'envoy.tcp_prefix',
  UDP_PREFIX: 'envoy.udp_prefix',
  FAULT_DOWNSTREAM_CLUSTER: 'envoy.fault_downstream_cluster',
  GRPC_BRIDGE_SERVICE: 'envoy.grpc_bridge_service',
  GRPC_BRIDGE_METHOD: 'envoy.grpc_bridge_method',
  VIRTUAL_HOST: 'envoy.virtual_host',
  VIRTUAL_CLUSTER: 'envoy.virtual_cluster',
  RESPONSE_CODE: 'envoy.response_code',
  RESPONSE_CODE_CLASS: 'envoy.response_code_class',
  RDS_ROUTE_CONFIG: 'envoy.rds_route_config',
  ROUTE: 'envoy.route',
  WORKER_ID: 'envoy.worker_id',
  RBAC_PREFIX: 'envoy.rbac_prefix',
  RBAC_HTTP_PREFIX: 'envoy.rbac_http_prefix',
  RBAC_POLICY_NAME: 'envoy.rbac_policy_name',
} as const;

export type DefaultTagDescriptor =
  | { readonly kind: 'regex'; readonly name: string; readonly regex: string; readonly substr?: string; readonly negativeMatch?: string }
  | { readonly kind: 'tokens'; readonly name: string; readonly pattern: string };

/** A segment that is one tag value: anything but a dot. */
const VALUE = '[^.]+';
/** A listener address as Envoy writes it in stat names: `0.0.0.0_80`, `[__1]_80`. */
const ADDRESS = '(?:(?:\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}|\\[[a-fA-F_\\d]+\\])_\\d+)';
/** A TLS cipher name: letters, digits, '-' and '_'. */
const CIPHER = '[\\w-]+';
/** An RDS route config name may contain dots and slashes. */
const ROUTE_CONFIG_NAME = '[\\w\\-./]+';

const T = TagNames;

/** Default extractors, in Envoy's order. */
export const DEFAULT_TAG_DESCRIPTORS: readonly DefaultTagDescriptor[] = [
  // --- regex extractors ---
  // <any>_rq_<code>: upstream_rq_200 → upstream_rq + response_code=200
  { kind: 'regex', name: T.RESPONSE_CODE, regex: '_rq(_(\\d{3}))$', substr: '_rq_' },
  // <any>_rq_<class>xx: downstream_rq_2xx → downstream_rq_xx + response_code_class=2
  { kind: 'regex', name: T.RESPONSE_CODE_CLASS, regex: '_rq_((\\d))xx$', substr: '_rq_' },
  // listener.<address>.ssl.ciphers.<cipher>
  { kind: 'regex', name: T.SSL_CIPHER, regex: `^listener\\..*?\\.ssl\\.ciphers(\\.(${CIPHER}))$`, substr: '.ssl.ciphers.' },
  // cluster.<name>.ssl.ciphers.<cipher>
  { kind: 'regex', name: T.SSL_CIPHER_SUITE, regex: `^cluster\\.${VALUE}\\.ssl\\.ciphers(\\.(${CIPHER}))$`, substr: '.ssl.ciphers.' },
  // listener.<address>.http.<stat_prefix>.<stat>
  { kind: 'regex', name: T.HTTP_CONN_MANAGER_PREFIX, regex: `^listener\\..*?\\.http\\.((${VALUE})\\.)`, substr: '.http.' },
  // listener.<address>.worker_<n>.<stat>, server.worker_<n>.<stat>, listener_manager.worker_<n>.<stat>
  {
    kind: 'regex',
    name: T.WORKER_ID,
    regex: `^(?:listener\\.(?:${ADDRESS}|${VALUE})|server|listener_manager|thread_local_cluster_manager)\\.worker_((\\d+)\\.)`,
  },
  // listener.<address or stat_prefix>.<stat>, except the admin listener
  { kind: 'regex', name: T.LISTENER_ADDRESS, regex: `^listener\\.((${ADDRESS}|${VALUE})\\.)`, negativeMatch: 'admin' },
  // http.<stat_prefix>.rds.<route_config>.<stat>
  { kind: 'regex', name: T.RDS_ROUTE_CONFIG, regex: `^http\\.${VALUE}\\.rds\\.((${ROUTE_CONFIG_NAME})\\.)\\w+?$`, substr: '.rds.' },
  // http.<stat_prefix>.rbac.[<rules_prefix>.]policy.<policy>.(allowed|denied|shadow_*)
  {
    kind: 'regex',
    name: T.RBAC_POLICY_NAME,
    regex: `^http\\.${VALUE}\\.rbac\\.(?:${VALUE}\\.)?policy\\.((${VALUE})\\.)(allowed|shadow_allowed|denied|shadow_denied)$`,
  },
  // http.<stat_prefix>.rbac.<rules_prefix>.<stat>, but not the policy segment
  { kind: 'regex', name: T.RBAC_HTTP_PREFIX, regex: `^http\\.${VALUE}\\.rbac\\.((${VALUE})\\.).*?`, negativeMatch: 'policy' },

  // --- token extractors ---
  // cluster.<name>.grpc.<service>.<method>.<stat>
  { kind: 'tokens', name: T.GRPC_BRIDGE_METHOD, pattern: 'cluster.*.grpc.*.$.**' },
  // http.<stat_prefix>.user_agent.<agent>.<stat>
  { kind: 'tokens', name: T.HTTP_USER_AGENT, pattern: 'http.*.user_agent.$.**' },
  // vhost.<vhost>.vcluster.<vcluster>.<stat>
  { kind: 'tokens', name: T.VIRTUAL_CLUSTER, pattern: 'vhost.*.vcluster.$.**' },
  // http.<stat_prefix>.fault.<downstream_cluster>.<stat>
  { kind: 'tokens', name: T.FAULT_DOWNSTREAM_CLUSTER, pattern: 'http.*.fault.$.**' },
  // cluster.<name>.grpc.<service>.<stat>
  { kind: 'tokens', name: T.GRPC_BRIDGE_SERVICE, pattern: 'cluster.*.grpc.$.**' },
  // tcp.<stat_prefix>.<stat>
  { kind: 'tokens', name: T.TCP_PREFIX, pattern: 'tcp.$.**' },
  // udp.<stat_prefix>.<stat>
  { kind: 'tokens', name: T.UDP_PREFIX, pattern: 'udp.$.**' },
  // ratelimit.<stat_prefix>.<stat>
  { kind: 'tokens', name: T.RATELIMIT_PREFIX, pattern: 'ratelimit.$.**' },
  // cluster.<name>.<stat>
  { kind: 'tokens', name: T.CLUSTER_NAME, pattern: 'cluster.$.**' },
  // http.<stat_prefix>.<stat>
  { kind: 'tokens', name: T.HTTP_CONN_MANAGER_PREFIX, pattern: 'http.$.**' },
  // vhost.<vhost>.<stat>
  { kind: 'tokens', name: T.VIRTUAL_HOST, pattern: 'vhost.$.**' },
  // vhost.<vhost>.route.<route_stat_prefix>.<stat>
  { kind: 'tokens', name: T.ROUTE, pattern: 'vhost.*.route.$.**' },
  // <stat_prefix>.http_local_rate_limit.<stat>
  { kind: 'tokens', name: T.LOCAL_HTTP_RATELIMIT_PREFIX, pattern: '$.http_local_rate_limit.**' },
  // local_rate_limit.<stat_prefix>.<stat>
  { kind: 'tokens', name: T.LOCAL_NETWORK_RATELIMIT_PREFIX, pattern: 'local_rate_limit.$.**' },
  // <stat_prefix>.rbac.<stat> (network RBAC filter)
  { kind: 'tokens', name: T.RBAC_PREFIX, pattern: '$.rbac.**' },
];
