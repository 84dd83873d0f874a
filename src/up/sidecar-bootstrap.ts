// The Envoy v3 bootstrap of one workload's sidecar in local mode: its node
// identity (Istio's conventions, so the control plane treats it like an
// Istio sidecar), its admin port, and ADS to the local control plane.
import type { Workload } from './workloads.js';

export interface SidecarPorts {
  admin: number;
  /** Outbound HTTP proxy listener (the app's HTTP_PROXY). */
  outbound: number;
  /** Service port → port the sidecar's inbound listener binds. */
  inbound: Record<number, number>;
  /** Service port → port the app listens on (127.0.0.1). */
  app: Record<number, number>;
}

export function sidecarNodeId(w: Workload): string {
  return `sidecar~127.0.0.1~${w.name}.${w.namespace}~${w.namespace}.svc.cluster.local`;
}

export function sidecarBootstrap(w: Workload, ports: SidecarPorts, xdsPort: number): object {
  return {
    node: {
      id: sidecarNodeId(w),
      cluster: `${w.service}.${w.namespace}`,
      metadata: {
        NAMESPACE: w.namespace,
        LABELS: { ...w.labels },
        INSTANCE_IPS: '127.0.0.1',
        SERVICE_ACCOUNT: w.serviceAccount,
        WORKLOAD_NAME: w.name,
        WEFT_OUTBOUND_HTTP_PROXY_PORT: String(ports.outbound),
        WEFT_INBOUND_PORTS: JSON.stringify(ports.inbound),
        WEFT_APP_PORTS: JSON.stringify(ports.app),
      },
    },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: ports.admin } } },
    dynamic_resources: {
      ads_config: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds-grpc' } }] },
      lds_config: { ads: {}, resource_api_version: 'V3' },
      cds_config: { ads: {}, resource_api_version: 'V3' },
    },
    static_resources: {
      clusters: [{
        name: 'xds-grpc',
        type: 'STATIC',
        connect_timeout: '1s',
        typed_extension_protocol_options: {
          'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
            '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
            explicit_http_config: { http2_protocol_options: {} },
          },
        },
        load_assignment: { cluster_name: 'xds-grpc', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: xdsPort } } } }] }] },
      }],
    },
  };
}
