// Names one xDS resource makes the proxy fetch by name: the route
// configurations an HTTP connection manager loads over RDS, and the load
// assignment an EDS cluster loads. A snapshot is consistent when all exist.

const HCM_TYPE_URL_SUFFIX = '/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined);
const asArr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function addHcmRoute(typedConfig: unknown, out: Set<string>): void {
  const tc = asObj(typedConfig);
  if (!tc || typeof tc['@type'] !== 'string' || !tc['@type'].endsWith(HCM_TYPE_URL_SUFFIX)) return;
  const name = asObj(tc.rds)?.route_config_name;
  if (typeof name === 'string') out.add(name);
}

function addChain(chain: unknown, out: Set<string>): void {
  for (const f of asArr(asObj(chain)?.filters)) addHcmRoute(asObj(f)?.typed_config, out);
}

/** Route configuration names a Listener (canonical shape) loads over RDS: filter chains, the default chain, an API listener. */
export function listenerRouteNames(listener: object, out = new Set<string>()): Set<string> {
  const l = listener as Obj;
  for (const chain of asArr(l.filter_chains)) addChain(chain, out);
  if (l.default_filter_chain) addChain(l.default_filter_chain, out);
  addHcmRoute(asObj(l.api_listener)?.api_listener, out);
  return out;
}

/** The ClusterLoadAssignment name an EDS Cluster (canonical shape) loads, or undefined for other discovery types. */
export function clusterEdsName(cluster: object): string | undefined {
  const c = cluster as Obj;
  if (c.type !== 'EDS') return undefined;
  const service = asObj(c.eds_cluster_config)?.service_name;
  return typeof service === 'string' && service ? service : typeof c.name === 'string' ? c.name : undefined;
}
