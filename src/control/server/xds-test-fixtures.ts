// Small xDS resources in weft's canonical shape for the server's tests and
// benchmark: an HCM listener on RDS, a route to a cluster, an EDS cluster
// and its endpoints.
import { typeUrl } from '../../xds/type-urls.js';

export const HCM_TYPE_URL = typeUrl('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager');
export const ROUTER_TYPE_URL = typeUrl('envoy.extensions.filters.http.router.v3.Router');

/** A listener whose HTTP connection manager loads `routeName` over ADS. */
export function listener(name: string, routeName: string, port = 15001): object {
  return {
    name,
    address: { socket_address: { address: '0.0.0.0', port_value: port } },
    filter_chains: [{
      filters: [{
        name: 'envoy.filters.network.http_connection_manager',
        typed_config: {
          '@type': HCM_TYPE_URL,
          stat_prefix: name,
          rds: { route_config_name: routeName, config_source: { ads: {}, resource_api_version: 'V3' } },
          http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER_TYPE_URL } }],
        },
      }],
    }],
  };
}

/** A route configuration sending everything to `cluster`. */
export function route(name: string, cluster: string): object {
  return {
    name,
    virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster } }] }],
  };
}

/** An EDS cluster fed over ADS. */
export function edsCluster(name: string, serviceName?: string): object {
  const c: Record<string, unknown> = {
    name,
    type: 'EDS',
    connect_timeout: { seconds: 1, nanos: 0 },
    eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } },
  };
  if (serviceName) (c.eds_cluster_config as Record<string, unknown>).service_name = serviceName;
  return c;
}

/** A load assignment with one locality of `hosts` ("ip:port"). */
export function endpoints(clusterName: string, hosts: string[]): object {
  return {
    cluster_name: clusterName,
    endpoints: [{
      lb_endpoints: hosts.map((h) => {
        const i = h.lastIndexOf(':');
        return { endpoint: { address: { socket_address: { address: h.slice(0, i), port_value: Number(h.slice(i + 1)) } } } };
      }),
    }],
  };
}
