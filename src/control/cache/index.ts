// The xDS snapshot cache: immutable versioned snapshots per proxy group, each
// resource encoded once. See docs/architecture/xds-server.md.
export { CachedResource } from './cached-resource.js';
export { TypeResources } from './type-resources.js';
export { Snapshot, type SnapshotInput, type SnapshotConsistency } from './snapshot.js';
export { SnapshotCache, nodeIdHash, type NodeHash, type SnapshotWatcher, type SnapshotCacheOptions } from './snapshot-cache.js';
export { SnapshotError, SnapshotInconsistentError } from './snapshot-errors.js';
export { sotwResponseBytes, deltaResponseBytes } from './response-bytes.js';
export { listenerRouteNames, clusterEdsName } from './references.js';
export { resourceName } from './resource-name.js';
