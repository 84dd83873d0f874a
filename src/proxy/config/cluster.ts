// Cluster decoding: envoy.config.cluster.v3.Cluster → ClusterConfig.
import { ConfigErrors, joinPath } from '../../common/errors.js';
import type {
  AnyMessage,
  envoy_config_cluster_v3_Cluster,
  envoy_config_core_v3_Http2ProtocolOptions,
  envoy_config_core_v3_HttpProtocolOptions,
  envoy_config_endpoint_v3_ClusterLoadAssignment,
  envoy_extensions_upstreams_http_v3_HttpProtocolOptions,
} from '../../xds/gen/types.js';
import { decodeLbConfig, type LbOptions } from '../lb/index.js';
import { decodeSocketAddress } from './address.js';
import { checkSupported, durationMs, wrapped } from './support.js';
import { decodeCircuitBreakers, type CircuitBreakerLimits } from '../upstream/circuit-breaker-config.js';
import { decodeOutlierDetection, type OutlierConfig } from '../upstream/outlier-config.js';
import { decodeHealthChecks, type HealthCheckConfig } from '../upstream/health-check-config.js';
import { decodeOriginalDst, type OriginalDstConfig } from '../upstream/original-dst.js';
import { decodeH2Keepalive, type H2KeepaliveConfig } from '../upstream/h2-keepalive.js';
import { decodeClusterTransportSockets, socketMatchLabels, type SocketMatchMetadata, type TransportSocketMatchConfig } from '../upstream/transport-socket-match.js';
import type { TransportSocketConfig } from '../tls/tls-config.js';
import { UPSTREAM_NETWORK_FILTERS } from '../extensions/upstream-network-filters.js';
import type { TcpMetadataExchangeConfig } from '../filters/tcp-metadata-exchange/decode.js';

/** Defaults, each as Envoy documents it. */
export const CLUSTER_DEFAULTS = {
  /** Envoy's default connect_timeout. */
  connectTimeoutMs: 5000,
  /** Envoy's default dns_refresh_rate. */
  dnsRefreshRateMs: 5000,
  /** Envoy's default upstream idle_timeout for HTTP connection pools (1 hour). */
  idleTimeoutMs: 3_600_000,
  /** Envoy's default overprovisioning factor (140%). */
  overprovisioningFactor: 140,
};

export type DiscoveryType = 'STATIC' | 'STRICT_DNS' | 'LOGICAL_DNS' | 'EDS' | 'ORIGINAL_DST';

export interface EndpointConfig {
  host: string;
  port: number;
  /** Endpoint hostname (for auto_host_rewrite); defaults to the address. */
  hostname: string;
  weight: number;
  priority: number;
  locality: string;
  /** health_status from EDS: only HEALTHY/UNKNOWN are routable. */
  healthy: boolean;
  /** The endpoint's and its locality's envoy.transport_socket_match labels (transport_socket_matches). */
  socketMatch?: SocketMatchMetadata;
}

export interface ClusterConfig {
  readonly name: string;
  /** Name used for stats (`alt_stat_name` or the name). */
  readonly statName: string;
  readonly type: DiscoveryType;
  readonly connectTimeoutMs: number;
  readonly dnsRefreshRateMs: number;
  readonly dnsLookupFamily: 'AUTO' | 'V4_ONLY' | 'V6_ONLY' | 'V4_PREFERRED' | 'ALL';
  readonly respectDnsTtl: boolean;
  readonly endpoints: EndpointConfig[];
  /** EDS service name (EDS clusters only). */
  readonly edsServiceName?: string;
  readonly lb: LbOptions;
  /**
   * Upstream protocol: 'http1', 'http2', 'downstream' (use the downstream's),
   * or 'auto' (auto_config: HTTP/2 when TLS ALPN picks h2, else HTTP/1.1).
   */
  readonly protocol: 'http1' | 'http2' | 'downstream' | 'auto';
  /** transport_socket (raw_buffer when unset). */
  readonly transportSocket: TransportSocketConfig;
  /** transport_socket_matches, in order: the first whose labels match an endpoint wins. */
  readonly transportSocketMatches: readonly TransportSocketMatchConfig[];
  /** upstream_http_protocol_options (HttpProtocolOptions): SNI from the request's host, and the server's SAN checked against it. */
  readonly upstreamHttp: { readonly autoSni: boolean; readonly autoSanValidation: boolean; readonly overrideAutoSniHeader?: string };
  readonly idleTimeoutMs: number;
  /** 0 means unlimited. */
  readonly maxRequestsPerConnection: number;
  readonly http2: { maxConcurrentStreams: number; initialStreamWindowSize?: number; initialConnectionWindowSize?: number; keepalive?: H2KeepaliveConfig };
  readonly circuitBreakers: CircuitBreakerLimits;
  readonly outlierDetection?: OutlierConfig;
  readonly healthChecks: HealthCheckConfig[];
  readonly overprovisioningFactor: number;
  /** ORIGINAL_DST clusters: where hosts come from and when they go. */
  readonly originalDst?: OriginalDstConfig;
  /**
   * Cluster.filters (upstream network filters), run on the connections
   * tcp_proxy opens to this cluster. HTTP pools do not run them: their
   * connections negotiate an HTTP ALPN, never the exchange's.
   */
  readonly upstreamFilters: { readonly metadataExchange?: TcpMetadataExchangeConfig };
  /** The proto, for config_dump. */
  readonly source: envoy_config_cluster_v3_Cluster;
}

const CLUSTER_FIELDS = [
  'name', 'alt_stat_name', 'type', 'connect_timeout', 'lb_policy', 'load_assignment', 'dns_refresh_rate', 'dns_lookup_family',
  'typed_extension_protocol_options', 'http2_protocol_options', 'http_protocol_options',
  'common_http_protocol_options', 'max_requests_per_connection', 'circuit_breakers', 'outlier_detection', 'health_checks',
  'common_lb_config', 'least_request_lb_config', 'ring_hash_lb_config', 'maglev_lb_config', 'round_robin_lb_config',
  'eds_cluster_config', 'per_connection_buffer_limit_bytes', 'upstream_connection_options',
  'close_connections_on_host_health_failure', 'ignore_health_on_host_removal', 'metadata', 'cleanup_interval',
  'wait_for_warm_on_init', 'protocol_selection', 'original_dst_lb_config', 'transport_socket', 'transport_socket_matches', 'filters',
] as const;

const HTTP_PROTOCOL_OPTIONS_URL = 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

export function decodeCluster(c: envoy_config_cluster_v3_Cluster, path: string, errs: ConfigErrors): ClusterConfig | undefined {
  checkSupported(c, path, errs, CLUSTER_FIELDS);
  const sockets = decodeClusterTransportSockets(c, path, errs);
  const name = c.name ?? '';
  if (!name) errs.required(joinPath(path, 'name'), 'name is required');
  const type = (c.type ?? 'STATIC') as DiscoveryType;
  if (c.cluster_type) errs.unsupported(joinPath(path, 'cluster_type'));
  const originalDst = decodeOriginalDst(c, path, errs);
  const isDns = type === 'STRICT_DNS' || type === 'LOGICAL_DNS';

  let endpoints: EndpointConfig[] = [];
  let overprovisioningFactor = CLUSTER_DEFAULTS.overprovisioningFactor;
  if (type === 'EDS') {
    if (c.load_assignment) errs.error(joinPath(path, 'load_assignment'), 'EDS clusters take endpoints from EDS, not load_assignment');
    const eds = c.eds_cluster_config;
    if (eds) checkSupported(eds, joinPath(path, 'eds_cluster_config'), errs, ['eds_config', 'service_name']);
  } else {
    if (c.eds_cluster_config) errs.error(joinPath(path, 'eds_cluster_config'), 'only valid for type EDS');
    if (c.load_assignment && type !== 'ORIGINAL_DST') {
      const la = decodeLoadAssignment(c.load_assignment, joinPath(path, 'load_assignment'), errs, isDns);
      endpoints = la.endpoints;
      overprovisioningFactor = la.overprovisioningFactor;
    }
    if (type === 'LOGICAL_DNS' && endpoints.length !== 1) {
      errs.error(joinPath(path, 'load_assignment'), 'LOGICAL_DNS clusters must have exactly one endpoint');
    }
  }

  // Upstream protocol, chosen as Envoy does: HttpProtocolOptions in
  // typed_extension_protocol_options wins; the deprecated cluster-level
  // http2_protocol_options still selects HTTP/2.
  let protocol: ClusterConfig['protocol'] = 'http1';
  let h2opts: envoy_config_core_v3_Http2ProtocolOptions | undefined = c.http2_protocol_options;
  if (h2opts) protocol = 'http2';
  if (c.protocol_selection === 'USE_DOWNSTREAM_PROTOCOL') protocol = 'downstream';
  let common: envoy_config_core_v3_HttpProtocolOptions | undefined = c.common_http_protocol_options;
  let upstreamHttp: ClusterConfig['upstreamHttp'] = { autoSni: false, autoSanValidation: false };
  const tepo = c.typed_extension_protocol_options ?? {};
  for (const [key, any] of Object.entries(tepo)) {
    const p = joinPath(path, `typed_extension_protocol_options["${key}"]`);
    errs.claimExtension(p);
    if (any['@type'] !== HTTP_PROTOCOL_OPTIONS_URL) {
      errs.unsupported(p, `protocol options type "${any['@type']}"`);
      continue;
    }
    if (key !== 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions') {
      errs.error(p, 'key must be "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"');
    }
    const hpo = any as AnyMessage & envoy_extensions_upstreams_http_v3_HttpProtocolOptions;
    checkSupported(hpo, p, errs, ['common_http_protocol_options', 'explicit_http_config', 'use_downstream_protocol_config', 'auto_config', 'upstream_http_protocol_options']);
    if (hpo.common_http_protocol_options) common = hpo.common_http_protocol_options;
    const uhpo = hpo.upstream_http_protocol_options;
    if (uhpo) {
      const up = joinPath(p, 'upstream_http_protocol_options');
      checkSupported(uhpo, up, errs, ['auto_sni', 'auto_san_validation', 'override_auto_sni_header']);
      const header = uhpo.override_auto_sni_header?.toLowerCase();
      if (header && !uhpo.auto_sni) errs.error(joinPath(up, 'override_auto_sni_header'), 'only used with auto_sni');
      upstreamHttp = { autoSni: uhpo.auto_sni === true, autoSanValidation: uhpo.auto_san_validation === true, ...(header ? { overrideAutoSniHeader: header } : {}) };
    }
    const chosen = [hpo.explicit_http_config && 'explicit_http_config', hpo.use_downstream_protocol_config && 'use_downstream_protocol_config', hpo.auto_config && 'auto_config'].filter(Boolean);
    if (chosen.length === 0) errs.required(p, 'one of explicit_http_config, use_downstream_protocol_config or auto_config is required');
    if (hpo.explicit_http_config) {
      const e = hpo.explicit_http_config;
      const ep = joinPath(p, 'explicit_http_config');
      checkSupported(e, ep, errs, ['http_protocol_options', 'http2_protocol_options']);
      if (e.http2_protocol_options) {
        protocol = 'http2';
        h2opts = e.http2_protocol_options;
      } else if (e.http_protocol_options) protocol = 'http1';
      else errs.required(ep, 'one of http_protocol_options or http2_protocol_options is required');
    } else if (hpo.use_downstream_protocol_config) {
      protocol = 'downstream';
      h2opts = hpo.use_downstream_protocol_config.http2_protocol_options ?? h2opts;
    } else if (hpo.auto_config) {
      // ALPN picks the protocol per connection over TLS; plaintext is HTTP/1.1 (as Envoy does without ALPN).
      const ap = joinPath(p, 'auto_config');
      checkSupported(hpo.auto_config, ap, errs, ['http_protocol_options', 'http2_protocol_options']);
      protocol = 'auto';
      h2opts = hpo.auto_config.http2_protocol_options ?? h2opts;
    }
  }
  if (common) {
    checkSupported(common, joinPath(path, 'common_http_protocol_options'), errs, ['idle_timeout', 'max_requests_per_connection', 'max_connection_duration', 'max_headers_count']);
  }
  if (h2opts) checkSupported(h2opts, joinPath(path, 'http2_protocol_options'), errs, ['max_concurrent_streams', 'initial_stream_window_size', 'initial_connection_window_size', 'hpack_table_size', 'allow_connect', 'connection_keepalive']);
  const keepalive = h2opts?.connection_keepalive ? decodeH2Keepalive(h2opts.connection_keepalive, joinPath(path, 'http2_protocol_options.connection_keepalive'), errs) : undefined;
  const maxReqPerConn = wrapped(common?.max_requests_per_connection, wrapped(c.max_requests_per_connection, 0));

  const connectTimeoutMs = durationMs(c.connect_timeout, CLUSTER_DEFAULTS.connectTimeoutMs);
  if (connectTimeoutMs <= 0) errs.error(joinPath(path, 'connect_timeout'), 'must be greater than 0');
  const lb = decodeLbConfig(c, path, errs);
  const circuitBreakers = decodeCircuitBreakers(c.circuit_breakers, joinPath(path, 'circuit_breakers'), errs);
  const outlierDetection = c.outlier_detection ? decodeOutlierDetection(c.outlier_detection, joinPath(path, 'outlier_detection'), errs) : undefined;
  const healthChecks = decodeHealthChecks(c.health_checks ?? [], joinPath(path, 'health_checks'), errs);

  const upstreamFilters = decodeUpstreamFilters(c, path, errs);

  const family = c.dns_lookup_family ?? 'AUTO';
  return {
    name,
    statName: c.alt_stat_name || name,
    type,
    connectTimeoutMs,
    dnsRefreshRateMs: durationMs(c.dns_refresh_rate, CLUSTER_DEFAULTS.dnsRefreshRateMs),
    dnsLookupFamily: family as ClusterConfig['dnsLookupFamily'],
    respectDnsTtl: false,
    endpoints,
    ...(type === 'EDS' ? { edsServiceName: c.eds_cluster_config?.service_name || name } : {}),
    lb,
    protocol,
    transportSocket: sockets.transportSocket,
    transportSocketMatches: sockets.transportSocketMatches,
    upstreamHttp,
    idleTimeoutMs: durationMs(common?.idle_timeout, CLUSTER_DEFAULTS.idleTimeoutMs),
    maxRequestsPerConnection: maxReqPerConn,
    http2: {
      maxConcurrentStreams: wrapped(h2opts?.max_concurrent_streams, 2147483647),
      ...(h2opts?.initial_stream_window_size ? { initialStreamWindowSize: h2opts.initial_stream_window_size.value ?? 65535 } : {}),
      ...(h2opts?.initial_connection_window_size ? { initialConnectionWindowSize: h2opts.initial_connection_window_size.value ?? 65535 } : {}),
      ...(keepalive ? { keepalive } : {}),
    },
    circuitBreakers,
    ...(outlierDetection ? { outlierDetection } : {}),
    healthChecks,
    overprovisioningFactor,
    ...(originalDst ? { originalDst } : {}),
    upstreamFilters,
    source: c,
  };
}

/** Cluster.filters: each entry's typed_config from the upstream network filter registry. */
function decodeUpstreamFilters(c: envoy_config_cluster_v3_Cluster, path: string, errs: ConfigErrors): ClusterConfig['upstreamFilters'] {
  let metadataExchange: TcpMetadataExchangeConfig | undefined;
  (c.filters ?? []).forEach((f, i) => {
    const p = joinPath(joinPath(path, 'filters'), i);
    checkSupported(f, p, errs, ['name', 'typed_config']);
    const reg = UPSTREAM_NETWORK_FILTERS.lookup(f.typed_config, p, errs, f.name);
    if (!reg) return;
    const cfg = reg.decode(f.typed_config!, joinPath(p, 'typed_config'), errs, undefined);
    if (cfg === undefined) return;
    const spec = reg.factory(cfg);
    if (metadataExchange) errs.error(p, `${reg.name} appears twice in the cluster's filters`);
    metadataExchange = spec.metadataExchange;
  });
  return metadataExchange ? { metadataExchange } : {};
}

/** Decodes a ClusterLoadAssignment (static load_assignment or an EDS resource). */
export function decodeLoadAssignment(
  la: envoy_config_endpoint_v3_ClusterLoadAssignment,
  path: string,
  errs: ConfigErrors,
  allowHostnames: boolean,
): { endpoints: EndpointConfig[]; overprovisioningFactor: number } {
  checkSupported(la, path, errs, ['cluster_name', 'endpoints', 'policy']);
  let overprovisioningFactor = CLUSTER_DEFAULTS.overprovisioningFactor;
  if (la.policy) {
    checkSupported(la.policy, joinPath(path, 'policy'), errs, ['overprovisioning_factor', 'weighted_priority_health']);
    overprovisioningFactor = wrapped(la.policy.overprovisioning_factor, overprovisioningFactor);
    if (overprovisioningFactor <= 0) errs.error(joinPath(path, 'policy.overprovisioning_factor'), 'must be greater than 0');
  }
  const endpoints: EndpointConfig[] = [];
  (la.endpoints ?? []).forEach((lle, i) => {
    const lp = joinPath(joinPath(path, 'endpoints'), i);
    checkSupported(lle, lp, errs, ['locality', 'lb_endpoints', 'load_balancing_weight', 'priority', 'metadata']);
    const priority = lle.priority ?? 0;
    if (priority > 127) errs.error(joinPath(lp, 'priority'), 'priority must be at most 127');
    const loc = lle.locality ? [lle.locality.region ?? '', lle.locality.zone ?? '', lle.locality.sub_zone ?? ''].join('/') : '';
    const localityLabels = socketMatchLabels(lle.metadata);
    (lle.lb_endpoints ?? []).forEach((lbe, j) => {
      const ep = joinPath(joinPath(lp, 'lb_endpoints'), j);
      checkSupported(lbe, ep, errs, ['endpoint', 'health_status', 'load_balancing_weight', 'metadata']);
      if (!lbe.endpoint) {
        errs.required(joinPath(ep, 'endpoint'), 'endpoint is required');
        return;
      }
      checkSupported(lbe.endpoint, joinPath(ep, 'endpoint'), errs, ['address', 'hostname', 'health_check_config']);
      const addr = decodeSocketAddress(lbe.endpoint.address, joinPath(ep, 'endpoint.address'), errs, { allowHostname: allowHostnames, allowPipe: true });
      if (!addr) return;
      const weight = wrapped(lbe.load_balancing_weight, 1);
      if (weight < 1) errs.error(joinPath(ep, 'load_balancing_weight'), 'must be at least 1');
      const hs = lbe.health_status ?? 'UNKNOWN';
      const endpointLabels = socketMatchLabels(lbe.metadata);
      endpoints.push({
        ...(endpointLabels || localityLabels ? { socketMatch: { ...(endpointLabels ? { endpoint: endpointLabels } : {}), ...(localityLabels ? { locality: localityLabels } : {}) } } : {}),
        host: addr.host,
        port: addr.port,
        hostname: lbe.endpoint.hostname || addr.host,
        weight,
        priority,
        locality: loc,
        healthy: hs === 'UNKNOWN' || hs === 'HEALTHY',
      });
    });
  });
  return { endpoints, overprovisioningFactor };
}
