// envoy.filters.listener.tls_inspector and envoy.filters.listener.http_inspector
// (listener/inspectors.ts runs them). Neither has a setting weft implements,
// so any field set in typed_config is refused by name.
import type { ListenerFilterRegistration } from '../extensions/listener-filter-registration.js';
import { checkSupported } from '../config/support.js';

export const tlsInspectorRegistration: ListenerFilterRegistration = {
  name: 'envoy.filters.listener.tls_inspector',
  typeUrls: ['type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector'],
  decode: (cfg, path, errs) => {
    checkSupported(cfg, path, errs, []);
    return 'tls_inspector';
  },
};

export const httpInspectorRegistration: ListenerFilterRegistration = {
  name: 'envoy.filters.listener.http_inspector',
  typeUrls: ['type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector'],
  decode: (cfg, path, errs) => {
    checkSupported(cfg, path, errs, []);
    return 'http_inspector';
  },
};
