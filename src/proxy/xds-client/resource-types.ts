// One entry per xDS resource type the proxy consumes: its type URL, whether
// it is subscribed by wildcard, how to name a resource, and how to decode and
// validate it into runtime config (all errors collected, with paths).
import { CFG, ConfigErrors, joinPath } from '../../common/errors.js';
import { hasPipeEndpoint } from '../config/address.js';
import { isUnknownAny, unsupportedTypeMessage } from '../../xds/codec.js';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE_URL, CLUSTER_TYPE_URL, LISTENER_TYPE_URL, ROUTE_CONFIGURATION_TYPE_URL, SECRET_TYPE_URL } from '../../xds/type-urls.js';
import type {
  AnyMessage,
  envoy_config_cluster_v3_Cluster,
  envoy_config_endpoint_v3_ClusterLoadAssignment,
  envoy_config_listener_v3_Listener,
  envoy_config_route_v3_RouteConfiguration,
  envoy_extensions_transport_sockets_tls_v3_Secret,
} from '../../xds/gen/types.js';
import { decodeCluster, decodeLoadAssignment, type ClusterConfig, type EndpointConfig } from '../config/cluster.js';
import { decodeListener, type ListenerConfig } from '../config/listener.js';
import { checkAdsConfigSource } from '../config/dynamic-resources.js';
import { decodeRouteConfiguration } from '../route/decode-route-config.js';
import type { RouteTable } from '../route/route-table.js';

export type XdsKind = 'LDS' | 'CDS' | 'RDS' | 'EDS' | 'SDS';

/**
 * Envoy's stat prefix of each subscription (update_attempt, update_success,
 * update_rejected, …). SDS counts per secret (`sds.<name>`, tls/sds/sds-stats.ts);
 * its bare prefix here is only a fallback.
 */
export function statPrefix(kind: XdsKind): string {
  return kind === 'LDS' ? 'listener_manager.lds' : kind === 'CDS' ? 'cluster_manager.cds' : kind === 'RDS' ? 'http.rds' : kind === 'EDS' ? 'cluster_manager.eds' : 'sds';
}

export interface Endpoints {
  endpoints: EndpointConfig[];
  overprovisioningFactor: number;
}

export interface DecodedResource<T> {
  name: string;
  value: T;
  source: unknown;
}

export interface ResourceType<T> {
  readonly kind: XdsKind;
  readonly typeUrl: string;
  /** LDS and CDS are subscribed by wildcard; RDS and EDS by name. */
  readonly wildcard: boolean;
  nameOf(res: AnyMessage): string;
  decode(res: AnyMessage, path: string, errs: ConfigErrors): T | undefined;
}

function checkType(res: AnyMessage, url: string, path: string, errs: ConfigErrors): boolean {
  if (isUnknownAny(res)) {
    errs.error(path, unsupportedTypeMessage(res['@type']));
    return false;
  }
  if (res['@type'] !== url) {
    errs.error(joinPath(path, '@type'), `expected ${url}, got ${res['@type']}`);
    return false;
  }
  return true;
}

export const LDS: ResourceType<ListenerConfig> = {
  kind: 'LDS',
  typeUrl: LISTENER_TYPE_URL,
  wildcard: true,
  nameOf: (r) => (r as envoy_config_listener_v3_Listener).name ?? '',
  decode(r, path, errs) {
    if (!checkType(r, LISTENER_TYPE_URL, path, errs)) return undefined;
    const { '@type': _t, ...l } = r;
    return decodeListener(l as envoy_config_listener_v3_Listener, path, errs, { allowRds: true });
  },
};

export const CDS: ResourceType<ClusterConfig> = {
  kind: 'CDS',
  typeUrl: CLUSTER_TYPE_URL,
  wildcard: true,
  nameOf: (r) => (r as envoy_config_cluster_v3_Cluster).name ?? '',
  decode(r, path, errs) {
    if (!checkType(r, CLUSTER_TYPE_URL, path, errs)) return undefined;
    const { '@type': _t, ...c } = r;
    const cluster = c as envoy_config_cluster_v3_Cluster;
    const cfg = decodeCluster(cluster, path, errs);
    // Pipe endpoints are for the bootstrap's gRPC service clusters (sds-grpc); proxied traffic goes to IPs.
    if (cfg && hasPipeEndpoint(cfg.endpoints)) errs.error(joinPath(path, 'load_assignment'), 'pipe (Unix socket) endpoints are supported only in static_resources clusters used for gRPC services (xDS, SDS)', CFG.UNSUPPORTED_VALUE);
    if (cfg?.type === 'EDS') checkAdsConfigSource(cluster.eds_cluster_config?.eds_config, joinPath(path, 'eds_cluster_config.eds_config'), errs);
    return cfg;
  },
};

export const RDS: ResourceType<RouteTable> = {
  kind: 'RDS',
  typeUrl: ROUTE_CONFIGURATION_TYPE_URL,
  wildcard: false,
  nameOf: (r) => (r as envoy_config_route_v3_RouteConfiguration).name ?? '',
  decode(r, path, errs) {
    if (!checkType(r, ROUTE_CONFIGURATION_TYPE_URL, path, errs)) return undefined;
    const { '@type': _t, ...rc } = r;
    return decodeRouteConfiguration(rc as envoy_config_route_v3_RouteConfiguration, path, errs);
  },
};

export const EDS: ResourceType<Endpoints> = {
  kind: 'EDS',
  typeUrl: CLUSTER_LOAD_ASSIGNMENT_TYPE_URL,
  wildcard: false,
  nameOf: (r) => (r as envoy_config_endpoint_v3_ClusterLoadAssignment).cluster_name ?? '',
  decode(r, path, errs) {
    if (!checkType(r, CLUSTER_LOAD_ASSIGNMENT_TYPE_URL, path, errs)) return undefined;
    const { '@type': _t, ...cla } = r;
    const la = decodeLoadAssignment(cla as envoy_config_endpoint_v3_ClusterLoadAssignment, path, errs, false);
    if (hasPipeEndpoint(la.endpoints)) errs.error(joinPath(path, 'endpoints'), 'pipe (Unix socket) endpoints are not supported in EDS: proxied traffic goes to IP addresses', CFG.UNSUPPORTED_VALUE);
    return la;
  },
};

/**
 * Secrets (SDS), subscribed by name. Decoding into TLS material happens in
 * the SDS manager (tls/sds/), which knows which secret each source was asked
 * for; here a Secret is only checked for its type and passed on as received.
 */
export const SDS: ResourceType<envoy_extensions_transport_sockets_tls_v3_Secret> = {
  kind: 'SDS',
  typeUrl: SECRET_TYPE_URL,
  wildcard: false,
  nameOf: (r) => (r as envoy_extensions_transport_sockets_tls_v3_Secret).name ?? '',
  decode(r, path, errs) {
    if (!checkType(r, SECRET_TYPE_URL, path, errs)) return undefined;
    const { '@type': _t, ...secret } = r;
    return secret as envoy_extensions_transport_sockets_tls_v3_Secret;
  },
};

/** The types the xDS client's per-type machinery handles (SDS goes to the SDS manager). */
export const RESOURCE_TYPES = [CDS, EDS, LDS, RDS] as const;
