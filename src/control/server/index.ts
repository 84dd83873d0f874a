// weft's xDS server (ADS, per-type services, SotW and delta, HDS) and its
// debug handler. See docs/architecture/xds-server.md.
export { XdsServer, type XdsServerOptions, type XdsServerLimits } from './xds-server.js';
export { createDebugHandler } from './debug-handler.js';
export { XDS_SERVER_DEFAULTS } from './defaults.js';
export type { ProxyStatus, TypeStatus, NackRecord, XdsCounters } from './push-status.js';
export type { XdsServerCallbacks } from './stream-host.js';
export { PUSH_ORDER } from './xds-stream.js';
export { RETAINING_SUFFIX } from './sotw-stream.js';
export { endpointKey, type EndpointHealth, type HealthCheckSpecifier, type EndpointHealthResponse, type HealthReportCallback } from './hds-service.js';
export { DISCOVERY_SERVICES, HDS_SERVICE, type DiscoveryServiceSpec } from './service-definitions.js';
