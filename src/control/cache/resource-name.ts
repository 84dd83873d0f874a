// Which field names an xDS resource: Envoy and every client key resources of
// a type by this field, so the cache must key them the same way.
import {
  CLUSTER_LOAD_ASSIGNMENT_TYPE_URL, CLUSTER_TYPE_URL, LISTENER_TYPE_URL, ROUTE_CONFIGURATION_TYPE_URL, SECRET_TYPE_URL,
} from '../../xds/type-urls.js';

const NAME_FIELD: Record<string, string> = {
  [LISTENER_TYPE_URL]: 'name',
  [ROUTE_CONFIGURATION_TYPE_URL]: 'name',
  [CLUSTER_TYPE_URL]: 'name',
  [CLUSTER_LOAD_ASSIGNMENT_TYPE_URL]: 'cluster_name',
  [SECRET_TYPE_URL]: 'name',
};

/** The resource's name (ClusterLoadAssignment: `cluster_name`, every other type: `name`); '' when unset. */
export function resourceName(typeUrl: string, message: object): string {
  const v = (message as Record<string, unknown>)[NAME_FIELD[typeUrl] ?? 'name'];
  return typeof v === 'string' ? v : '';
}
