// Defaults of the model layer, each with the reason for its value. They are
// Istio's, so config that works under Istio means the same here.

export const MODEL_DEFAULTS = {
  /** Namespace of an object without metadata.namespace (kubectl's default namespace). */
  namespace: 'default',
  /** exportTo when unset: visible in every namespace (mesh config defaultServiceExportTo etc. default to "*"). */
  exportTo: ['*'] as readonly string[],
  /** ServiceEntry resolution when unset: the proto enum's zero value, NONE. */
  resolution: 'NONE' as const,
  /** ServiceEntry location when unset: the proto enum's zero value, MESH_EXTERNAL. */
  location: 'MESH_EXTERNAL' as const,
  /** Endpoint weight when unset or 0 (Istio treats 0 as "not set" and uses 1). */
  endpointWeight: 1,
  /** Gateway name of the sidecars: a VirtualService without `gateways` binds to it. */
  meshGateway: 'mesh',
} as const;
