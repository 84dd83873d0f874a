// Pilot's translation: pure functions from (proxy, PushContext) to Envoy xDS
// resources with Istio's names and shapes. See docs/architecture/translation.md.
export { translateProxy, buildClusters, buildEndpoints, buildListeners, buildRoutes, type Translated } from './translate-proxy.js';
export { MESSAGE_CODES, MessageCollector, type TranslationMessage } from './messages.js';
export { TRANSLATE_DEFAULTS, DEFAULT_RETRY, NAMES, METADATA_KEYS } from './defaults.js';
export { outboundClusterName, inboundClusterName, parseClusterName } from './names.js';
