// Gateway references in a VirtualService, as Istio resolves them
// (ResolveGatewayName): "mesh" stays; "ns/name" stays ("./name" → own
// namespace); a short "name" is in the VirtualService's namespace; the legacy
// FQDN form "name.ns.svc.cluster.local" (or "name.ns") becomes "ns/name".
import { MODEL_DEFAULTS } from './defaults.js';

/** The canonical "ns/name" form of a gateway reference made from `namespace` ("mesh" unchanged). */
export function resolveGatewayName(ref: string, namespace: string): string {
  if (ref === MODEL_DEFAULTS.meshGateway) return ref;
  const slash = ref.indexOf('/');
  if (slash >= 0) return ref.slice(0, slash) === '.' ? `${namespace}/${ref.slice(slash + 1)}` : ref;
  const dot = ref.indexOf('.');
  if (dot < 0) return `${namespace}/${ref}`;
  const rest = ref.slice(dot + 1);
  const next = rest.indexOf('.');
  return `${next < 0 ? rest : rest.slice(0, next)}/${ref.slice(0, dot)}`;
}
