// The Envoy v3 bootstrap of one workload's sidecar in local mode: its node
// identity (Istio's conventions, so the control plane treats it like an
// Istio sidecar), its admin port, and ADS to the local control plane.
import { METADATA_KEYS } from '../control/translate/index.js';
import { ISTIO_TLS } from '../control/translate/istio-tls.js';
import { ISTIO_TEXT_LOG_FORMAT } from '../control/translate/telemetry-access-log.js';
import { istioStatsConfig } from './istio-stats-tags.js';
import { UP_DEFAULTS } from './up-defaults.js';
import type { Workload } from './workloads.js';

/**
 * The access log format of `weft up --access-log`: Istio's default text
 * format (mesh config accessLogFormat unset) followed by the peers'
 * identities, which Istio's format leaves out: %DOWNSTREAM_PEER_URI_SAN%
 * (the client's SPIFFE ID on a sidecar's inbound side) and
 * %UPSTREAM_PEER_URI_SAN% (the server's, on the outbound side); `-` on a
 * plaintext hop. Then whether an AuthorizationPolicy AUDIT rule matched the
 * request: %DYNAMIC_METADATA(envoy.common:access_log_hint)%, which the RBAC
 * filter's LOG action sets (`true`/`false`; `-` where no AUDIT policy applies).
 */
export const UP_ACCESS_LOG_FORMAT = `${ISTIO_TEXT_LOG_FORMAT.trimEnd()} %DOWNSTREAM_PEER_URI_SAN% %UPSTREAM_PEER_URI_SAN% %DYNAMIC_METADATA(envoy.common:access_log_hint)%\n`;

/** Envoy's stdout access logger in weft up's format (the edge proxies' own bootstrap). */
export const STDOUT_ACCESS_LOG = {
  name: 'envoy.access_loggers.stdout',
  typed_config: {
    '@type': 'type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog',
    log_format: { text_format_source: { inline_string: UP_ACCESS_LOG_FORMAT } },
  },
} as const;

export interface SidecarOptions {
  /** Address the inbound listeners bind. */
  bind: string;
  /** Address other sidecars dial this workload on (INSTANCE_IPS). */
  dialAddress: string;
  accessLog: boolean;
  /** Istio's stats_config (stats_tags); weft up sets it, tests that need a bare bootstrap leave it out. */
  istioStatsTags?: boolean;
  /**
   * Istio's `sds-grpc` cluster at this Unix socket: where the proxy's TLS
   * contexts fetch `default` and `ROOTCA` (the in-process node agent answers
   * for it). Omitted: no mesh mTLS (`weft up --no-mtls`).
   */
  sdsSocket?: string;
}

/** A static bootstrap cluster for a gRPC service (HTTP/2) at one address, as Istio's bootstrap writes xds-grpc and sds-grpc. */
function grpcCluster(name: string, address: object): object {
  return {
    name,
    type: 'STATIC',
    connect_timeout: '1s',
    typed_extension_protocol_options: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
        explicit_http_config: { http2_protocol_options: {} },
      },
    },
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address } }] }] },
  };
}

/** Istio's bootstrap cluster for the node agent's SDS server: HTTP/2 over a pipe. */
export function sdsGrpcCluster(socketPath: string): object {
  return grpcCluster(ISTIO_TLS.sdsCluster, { pipe: { path: socketPath } });
}

export interface SidecarPorts {
  admin: number;
  /** Outbound HTTP proxy listener (the app's HTTP_PROXY). */
  outbound: number;
  /** The merged metrics endpoint (Istio's 15020 /stats/prometheus), when weft up gives the sidecar one. */
  metrics?: number;
  /** Service port → port the sidecar's inbound listener binds. */
  inbound: Record<number, number>;
  /** Service port → port the app listens on (127.0.0.1). */
  app: Record<number, number>;
}

export function sidecarNodeId(w: Workload, ip = '127.0.0.1'): string {
  return `sidecar~${ip}~${w.name}.${w.namespace}~${w.namespace}.svc.cluster.local`;
}

export function sidecarBootstrap(w: Workload, ports: SidecarPorts, xdsPort: number, o: SidecarOptions = { bind: '127.0.0.1', dialAddress: '127.0.0.1', accessLog: false }): object {
  return {
    node: {
      id: sidecarNodeId(w, o.dialAddress),
      cluster: `${w.service}.${w.namespace}`,
      metadata: {
        NAMESPACE: w.namespace,
        LABELS: { ...w.labels },
        INSTANCE_IPS: o.dialAddress,
        SERVICE_ACCOUNT: w.serviceAccount,
        WORKLOAD_NAME: w.name,
        // Istio's default cluster name: the *_cluster labels of Istio's metrics.
        CLUSTER_ID: UP_DEFAULTS.clusterId,
        // weft's keys (METADATA_KEYS): the control plane builds the local-mode listeners from them.
        [METADATA_KEYS.outboundHttpProxyPort]: String(ports.outbound),
        [METADATA_KEYS.inboundPorts]: JSON.stringify(ports.inbound),
        [METADATA_KEYS.appPorts]: JSON.stringify(ports.app),
        [METADATA_KEYS.inboundBindAddress]: o.bind,
        // Like Istio's mesh config accessLogFile and accessLogFormat.
        ...(o.accessLog ? { [METADATA_KEYS.accessLogFile]: '/dev/stdout', [METADATA_KEYS.accessLogFormat]: UP_ACCESS_LOG_FORMAT } : {}),
      },
    },
    ...(o.istioStatsTags ? { stats_config: istioStatsConfig() } : {}),
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: ports.admin } } },
    dynamic_resources: {
      ads_config: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds-grpc' } }] },
      lds_config: { ads: {}, resource_api_version: 'V3' },
      cds_config: { ads: {}, resource_api_version: 'V3' },
    },
    static_resources: {
      clusters: [
        grpcCluster('xds-grpc', { socket_address: { address: '127.0.0.1', port_value: xdsPort } }),
        ...(o.sdsSocket ? [sdsGrpcCluster(o.sdsSocket)] : []),
      ],
    },
  };
}
