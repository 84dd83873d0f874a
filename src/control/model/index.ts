// The control plane's model: types, the PushContext and ProxyInfo decoding.
export * from './types.js';
export { buildPushContext, IndexedPushContext, nextPushVersion, type PushContextInput } from './push-context.js';
export { proxyInfoFromNode, NODE_METADATA } from './proxy-info.js';
export { resolveHostName, hostCovers, hostsOverlap } from './host-names.js';
export { resolveGatewayName } from './gateway-name.js';
export { parseProtocol, portProtocol } from './protocol.js';
export { configKey, keyOf, namespaceOf } from './config-key.js';
export { isVisibleFrom, normalizeExportTo } from './export-to.js';
export { selectorMatches } from './labels.js';
export type { ModelNote } from './destination-rule-index.js';
export type { RegistryView } from './service-index.js';
export { MODEL_DEFAULTS } from './defaults.js';
