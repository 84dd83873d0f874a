// Public surface of the load-balancing module.
export type { LbBuildOptions, LbContext, LbHost, LbOptions, LbPolicy, LoadBalancer, RandomSource } from './types.js';
export { LB_DEFAULTS, DEFAULT_OVERPROVISIONING_FACTOR } from './defaults.js';
export { createLoadBalancer, resolveLbOptions } from './create-load-balancer.js';
export { decodeLbConfig, LB_CLUSTER_FIELDS } from './decode.js';
export { xxHash64, xxHash64Into } from './xxhash64.js';
export { hostHashKey } from './hash-key.js';
