// Type URLs name the message inside a google.protobuf.Any and the resource
// type of an xDS stream. Envoy and every xDS client use the
// `type.googleapis.com/` prefix; only the part after the last `/` matters.

/** Prefix weft writes into every type URL it produces. */
export const TYPE_URL_PREFIX = 'type.googleapis.com/';

/** Type URL for a full protobuf type name, e.g. `envoy.config.listener.v3.Listener`. */
export function typeUrl(typeName: string): string {
  return TYPE_URL_PREFIX + typeName;
}

/**
 * Full type name from a type URL: the part after the last `/` (protobuf's own
 * rule, so any host prefix is accepted). A string without `/` is returned as
 * is; callers that must refuse it check for the slash themselves.
 */
export function typeNameFromUrl(url: string): string {
  return url.slice(url.lastIndexOf('/') + 1);
}

/** LDS resources. */
export const LISTENER_TYPE_URL = typeUrl('envoy.config.listener.v3.Listener');
/** RDS resources. */
export const ROUTE_CONFIGURATION_TYPE_URL = typeUrl('envoy.config.route.v3.RouteConfiguration');
/** CDS resources. */
export const CLUSTER_TYPE_URL = typeUrl('envoy.config.cluster.v3.Cluster');
/** EDS resources. */
export const CLUSTER_LOAD_ASSIGNMENT_TYPE_URL = typeUrl('envoy.config.endpoint.v3.ClusterLoadAssignment');
/** SDS resources. */
export const SECRET_TYPE_URL = typeUrl('envoy.extensions.transport_sockets.tls.v3.Secret');

/** The resource types an ADS stream carries, in Envoy's warming order (CDS before EDS, LDS before RDS). */
export const XDS_RESOURCE_TYPE_URLS: readonly string[] = [
  CLUSTER_TYPE_URL,
  CLUSTER_LOAD_ASSIGNMENT_TYPE_URL,
  LISTENER_TYPE_URL,
  ROUTE_CONFIGURATION_TYPE_URL,
  SECRET_TYPE_URL,
];
