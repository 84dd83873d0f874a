// The node an xDS client sends in its requests (ADS, SDS): the bootstrap's
// node as given, with user_agent_* replaced by weft's as Envoy replaces them
// with its own.
import { WEFT_VERSION } from '../../common/version.js';
import type { envoy_config_core_v3_Node } from '../../xds/gen/types.js';
import type { NodeIdentity } from '../config/node-identity.js';

export function nodeProto(n: NodeIdentity): envoy_config_core_v3_Node {
  return {
    id: n.id,
    cluster: n.cluster,
    ...(Object.keys(n.metadata).length ? { metadata: n.metadata } : {}),
    ...(n.locality ? { locality: n.locality } : {}),
    user_agent_name: 'weft',
    user_agent_version: WEFT_VERSION,
  } as envoy_config_core_v3_Node;
}
