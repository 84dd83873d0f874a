// The bootstrap's `node`, as the proxy keeps it: a leaf module, so filters
// that read the node (peer metadata, Istio stats) do not import the bootstrap
// decoder and, through it, every registry.
import type { envoy_config_core_v3_Locality } from '../../xds/gen/types.js';

export interface NodeIdentity {
  id: string;
  cluster: string;
  metadata: Record<string, unknown>;
  /** Sent to xDS and HDS servers as given. */
  locality?: envoy_config_core_v3_Locality;
}
