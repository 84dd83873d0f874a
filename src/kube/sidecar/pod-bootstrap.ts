// The Envoy v3 bootstrap of an injected sidecar, written from its pod's
// environment as Istio's pilot-agent writes envoy-rev.json: Istio's node id
// and metadata (so the control plane treats it as an Istio sidecar), admin on
// loopback, ADS to the control plane's xDS (a DNS name: LOGICAL_DNS), and the
// node agent's SDS cluster.
import { ISTIO_TLS } from '../../control/translate/istio-tls.js';
import type { PodEnvironment } from './pod-environment.js';

export const SIDECAR_RUNTIME_DEFAULTS = {
  /** Envoy's admin port in Istio's sidecar, loopback only. */
  adminPort: 15000,
  /** Where the bootstrap is written (the istio-envoy emptyDir). */
  bootstrapFile: '/etc/istio/proxy/envoy-rev.json',
  /** The downward API labels file (the istio-podinfo volume). */
  labelsFile: '/etc/istio/pod/labels',
  /** The node agent's SDS socket (the workload-socket emptyDir). */
  sdsSocket: '/var/run/secrets/workload-spiffe-uds/socket',
} as const;

function grpcCluster(name: string, type: 'STATIC' | 'LOGICAL_DNS', address: object): object {
  return {
    name,
    type,
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

export function podSidecarBootstrap(p: PodEnvironment, o: { adminPort?: number; sdsSocket?: string } = {}): object {
  const [host, port] = [p.discoveryAddress.slice(0, p.discoveryAddress.lastIndexOf(':')), Number(p.discoveryAddress.slice(p.discoveryAddress.lastIndexOf(':') + 1))];
  const isIp = /^[\d.]+$/.test(host) || host.includes(':');
  return {
    node: {
      id: `sidecar~${p.instanceIp}~${p.podName}.${p.namespace}~${p.namespace}.svc.cluster.local`,
      cluster: `${p.workloadName}.${p.namespace}`,
      metadata: {
        NAMESPACE: p.namespace,
        NAME: p.podName,
        LABELS: p.labels,
        INSTANCE_IPS: p.instanceIp,
        SERVICE_ACCOUNT: p.serviceAccount,
        WORKLOAD_NAME: p.workloadName,
        CLUSTER_ID: p.clusterId,
        MESH_ID: p.meshId,
        INTERCEPTION_MODE: 'REDIRECT',
        APP_CONTAINERS: p.appContainers.join(','),
        POD_PORTS: JSON.stringify(p.podPorts),
        PROXY_CONFIG: p.proxyConfig,
      },
    },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: o.adminPort ?? SIDECAR_RUNTIME_DEFAULTS.adminPort } } },
    dynamic_resources: {
      ads_config: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds-grpc' } }] },
      lds_config: { ads: {}, resource_api_version: 'V3' },
      cds_config: { ads: {}, resource_api_version: 'V3' },
    },
    static_resources: {
      clusters: [
        grpcCluster('xds-grpc', isIp ? 'STATIC' : 'LOGICAL_DNS', { socket_address: { address: host, port_value: port } }),
        ...(o.sdsSocket ? [grpcCluster(ISTIO_TLS.sdsCluster, 'STATIC', { pipe: { path: o.sdsSocket } })] : []),
      ],
    },
  };
}
