// Fields that existed in Envoy's v2 API and are gone from v3. Users paste v2
// configs from old blog posts and from the seed document; a bare "unknown
// field" does not tell them what to write instead, so the JSON decoder asks
// this table first. Each entry is checked in tests to still be absent from v3.

/** Message type → v2 field name → what v3 uses instead (completes "Envoy v3 uses …"). */
const V2_FIELDS = new Map<string, Map<string, string>>();

function hint(typeName: string, field: string, v3: string): void {
  let fields = V2_FIELDS.get(typeName);
  if (!fields) V2_FIELDS.set(typeName, (fields = new Map()));
  fields.set(field, v3);
}

const TYPED_CONFIG = '"typed_config" with an "@type"';
for (const t of [
  'envoy.config.listener.v3.Filter',
  'envoy.config.listener.v3.ListenerFilter',
  'envoy.config.accesslog.v3.AccessLog',
  'envoy.config.core.v3.TransportSocket',
  'envoy.config.core.v3.TypedExtensionConfig',
  'envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter',
]) hint(t, 'config', TYPED_CONFIG);
for (const t of [
  'envoy.config.route.v3.VirtualHost',
  'envoy.config.route.v3.Route',
  'envoy.config.route.v3.WeightedCluster.ClusterWeight',
]) hint(t, 'per_filter_config', '"typed_per_filter_config" (values with an "@type")');
hint('envoy.config.cluster.v3.Cluster', 'hosts', '"load_assignment" (a ClusterLoadAssignment with endpoints[].lb_endpoints[].endpoint.address)');
hint('envoy.config.cluster.v3.Cluster', 'tls_context', '"transport_socket" named "envoy.transport_sockets.tls" with an UpstreamTlsContext');
hint('envoy.config.cluster.v3.Cluster', 'extension_protocol_options', '"typed_extension_protocol_options"');
hint('envoy.config.listener.v3.FilterChain', 'tls_context', '"transport_socket" named "envoy.transport_sockets.tls" with a DownstreamTlsContext');
hint('envoy.config.route.v3.RouteAction', 'request_mirror_policy', '"request_mirror_policies" (a list)');
hint('envoy.config.route.v3.RouteMatch', 'regex', '"safe_regex" ({ regex: "..." })');
hint('envoy.config.route.v3.HeaderMatcher', 'regex_match', '"string_match" with "safe_regex"');
hint('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', 'idle_timeout', '"common_http_protocol_options.idle_timeout"');
hint('envoy.config.bootstrap.v3.Bootstrap', 'runtime', '"layered_runtime"');

/** The message for a v2-only field of `typeName`, or undefined when `field` is not one. */
export function v2FieldHint(typeName: string, field: string): string | undefined {
  const v3 = V2_FIELDS.get(typeName)?.get(field);
  return v3 === undefined ? undefined : `field "${field}" is the v2 form; Envoy v3 uses ${v3}`;
}

/** Every (type, field) in the table, for tests. */
export function v2HintEntries(): Array<[string, string]> {
  return [...V2_FIELDS].flatMap(([t, fs]) => [...fs.keys()].map((f): [string, string] => [t, f]));
}
