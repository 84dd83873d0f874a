// Runs translated resources through weft's own proxy decoders, the way the
// xDS client does, so tests can assert that everything translation emits is
// accepted (zero errors). Test support only.
//
// Upstream TLS (UpstreamTlsContext, transport_socket_matches) and the
// translation that emits it are built side by side. Until the proxy's
// decoders take it, PROXY_UPSTREAM_TLS_SKIP says why, decodeWithProxy leaves
// the clusters' transport sockets out (so everything else is still checked)
// and the tests of TLS decoding skip with that reason; once the decoders
// take it the probe passes and everything is decoded.
import { ConfigErrors } from '../../common/errors.js';
import { decodeCluster, decodeLoadAssignment, type ClusterConfig } from '../../proxy/config/cluster.js';
import { decodeListener, type ListenerConfig } from '../../proxy/config/listener.js';
import { decodeRouteConfiguration } from '../../proxy/route/decode-route-config.js';
import type { RouteTable } from '../../proxy/route/route-table.js';
import type { ProxyResources } from '../model/types.js';
import type {
  envoy_config_cluster_v3_Cluster,
  envoy_config_endpoint_v3_ClusterLoadAssignment,
  envoy_config_listener_v3_Listener,
  envoy_config_route_v3_RouteConfiguration,
} from '../../xds/gen/types.js';

export interface DecodedProxy {
  readonly listeners: Map<string, ListenerConfig>;
  readonly routes: Map<string, RouteTable>;
  readonly clusters: Map<string, ClusterConfig>;
  readonly errors: string[];
  readonly warnings: string[];
}

/**
 * Why weft's proxy cannot decode the upstream TLS translation emits (probed
 * with an auto mTLS cluster), or false when it can.
 */
export const PROXY_UPSTREAM_TLS_SKIP: string | false = probeUpstreamTls();

function probeUpstreamTls(): string | false {
  const errs = new ConfigErrors();
  const sds = { name: 'default', sds_config: { api_config_source: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'sds-grpc' } }] }, resource_api_version: 'V3' } };
  const tls = { name: 'envoy.transport_sockets.tls', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext', common_tls_context: { tls_certificate_sds_secret_configs: [sds] }, sni: 'probe' } };
  const raw = { name: 'envoy.transport_sockets.raw_buffer', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer' } };
  decodeCluster({
    name: 'probe', type: 'STATIC', load_assignment: { cluster_name: 'probe' },
    transport_socket_matches: [{ name: 'tlsMode-istio', match: { tlsMode: 'istio' }, transport_socket: tls }, { name: 'tlsMode-disabled', match: {}, transport_socket: raw }],
  } as envoy_config_cluster_v3_Cluster, 'probe', errs);
  if (errs.errors.length === 0) return false;
  return `weft's proxy on this branch does not decode upstream TLS yet (${errs.errors[0]!.path}: ${errs.errors[0]!.message})`;
}

/** A cluster without its transport sockets (only while the proxy cannot decode them). */
function withoutUpstreamTls(c: envoy_config_cluster_v3_Cluster): envoy_config_cluster_v3_Cluster {
  const { transport_socket_matches: _m, transport_socket: _s, ...rest } = c;
  return rest;
}

/** Decodes every resource; `errors` lists every refusal as `path: message`. */
export function decodeWithProxy(r: ProxyResources): DecodedProxy {
  const errs = new ConfigErrors();
  const listeners = new Map<string, ListenerConfig>();
  const routes = new Map<string, RouteTable>();
  const clusters = new Map<string, ClusterConfig>();
  for (const l of r.listeners as envoy_config_listener_v3_Listener[]) {
    const c = decodeListener(l, `listener[${l.name}]`, errs, { allowRds: true });
    if (c) listeners.set(c.name, c);
  }
  for (const rc of r.routes as envoy_config_route_v3_RouteConfiguration[]) {
    routes.set(rc.name ?? '', decodeRouteConfiguration(rc, `route[${rc.name}]`, errs));
  }
  for (const raw of r.clusters as envoy_config_cluster_v3_Cluster[]) {
    const c = PROXY_UPSTREAM_TLS_SKIP ? withoutUpstreamTls(raw) : raw;
    const cc = decodeCluster(c, `cluster[${c.name}]`, errs);
    if (cc) clusters.set(cc.name, cc);
  }
  for (const la of r.endpoints as envoy_config_endpoint_v3_ClusterLoadAssignment[]) {
    decodeLoadAssignment(la, `endpoints[${la.cluster_name}]`, errs, false);
  }
  const fmt = (i: { path: string; message: string }) => `${i.path}: ${i.message}`;
  return { listeners, routes, clusters, errors: errs.errors.map(fmt), warnings: errs.warnings.map(fmt) };
}
