// DestinationRule tls. weft's proxy has no TLS transport socket yet, so only
// DISABLE is honoured as written. The other modes are never downgraded
// quietly (validation warns with WEFT0160/WEFT0161, and so does translation):
// - ISTIO_MUTUAL: weft's own sidecars speak plaintext to each other until
//   mesh mTLS arrives, so traffic flows in plaintext inside the mesh and
//   every push says so (WEFT_TR_TLS_UNSUPPORTED).
// - SIMPLE, MUTUAL: the user asked for TLS to a destination that expects it,
//   often outside the mesh; sending its requests in plaintext would expose
//   them. The cluster is left without endpoints (fail closed: 503 UH) until
//   TLS origination arrives (WEFT_TR_TLS_REFUSED).
import type { ClientTLSSettings } from '../../api/networking.js';
import type { envoy_config_cluster_v3_Cluster } from '../../xds/gen/types.js';
import { MESSAGE_CODES, type MessageCollector } from './messages.js';

export function applyUpstreamTls(c: envoy_config_cluster_v3_Cluster, tls: ClientTLSSettings | undefined, messages: MessageCollector, key: string, path: string, hostname: string): void {
  const mode = tls?.mode;
  if (!mode || mode === 'DISABLE') return;
  if (mode === 'ISTIO_MUTUAL') {
    messages.warn(MESSAGE_CODES.TLS_UNSUPPORTED, key, `${path}.mode`, `tls mode ISTIO_MUTUAL is not yet honoured by weft (no mesh mTLS yet): traffic to ${hostname} between weft sidecars is sent in plaintext`);
    return;
  }
  // Fail closed: a STATIC cluster with no endpoints, so no request leaves in plaintext.
  delete c.eds_cluster_config;
  delete c.dns_lookup_family;
  delete c.dns_refresh_rate;
  c.type = 'STATIC';
  c.load_assignment = { cluster_name: c.name ?? '' };
  messages.warn(MESSAGE_CODES.TLS_REFUSED, key, `${path}.mode`, `tls mode ${mode} (TLS origination) is not yet supported by weft: ${c.name ?? hostname} gets no endpoints, so requests fail (503) instead of going to ${hostname} in plaintext`);
}
