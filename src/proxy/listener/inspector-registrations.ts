// envoy.filters.listener.tls_inspector and envoy.filters.listener.http_inspector
// (listener/inspectors.ts runs them), and envoy.filters.listener.original_dst
// (it marks the listener; see upstream/original-dst.ts for what it recovers). Neither has a setting weft implements,
// so any field set in typed_config is refused by name.
import type { ListenerFilterKind, ListenerFilterRegistration } from '../extensions/listener-filter-registration.js';
import { checkSupported } from '../config/support.js';

function inspector(kind: ListenerFilterKind, typeName: string): ListenerFilterRegistration {
  return {
    name: `envoy.filters.listener.${kind}`,
    typeUrls: [`type.googleapis.com/${typeName}`],
    decode: (cfg, path, errs) => {
      checkSupported(cfg, path, errs, []);
      return kind;
    },
  };
}

export const tlsInspectorRegistration = inspector('tls_inspector', 'envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector');
export const httpInspectorRegistration = inspector('http_inspector', 'envoy.extensions.filters.listener.http_inspector.v3.HttpInspector');
export const originalDstRegistration = inspector('original_dst', 'envoy.extensions.filters.listener.original_dst.v3.OriginalDst');
