// Translation messages: what a translator could not express for a proxy, so
// nothing is dropped silently. They go to `weft status`, the dashboard and the
// control plane's log; they never stop a push (the rest of the config is good).

/** One thing translation could not do as the config asked. */
export interface TranslationMessage {
  /** Stable code (WEFT_TR_*), for tests, docs and filtering. */
  readonly code: string;
  readonly severity: 'warning' | 'info';
  /** The config object or service responsible, e.g. "VirtualService reviews.default" or "Service reviews.default.svc.cluster.local". */
  readonly key: string;
  /** Field path inside that object, when one applies (spec.http[0].corsPolicy). */
  readonly path: string;
  readonly message: string;
}

/** Stable message codes; one line each with the reason weft emits them. */
export const MESSAGE_CODES = {
  /** loadBalancer.simple PASSTHROUGH needs ORIGINAL_DST clusters, which weft's proxy refuses. */
  PASSTHROUGH_LB_UNSUPPORTED: 'WEFT_TR_PASSTHROUGH_LB_UNSUPPORTED',
  /** outboundTrafficPolicy ALLOW_ANY needs the ORIGINAL_DST PassthroughCluster. */
  PASSTHROUGH_UNSUPPORTED: 'WEFT_TR_PASSTHROUGH_UNSUPPORTED',
  /** resolution NONE without endpoints: nothing to route to without ORIGINAL_DST. */
  RESOLUTION_NONE: 'WEFT_TR_RESOLUTION_NONE',
  /** A field weft translates to nothing yet (named in the message). */
  FIELD_IGNORED: 'WEFT_TR_FIELD_IGNORED',
  /** A VirtualService for a host already claimed by an older one (sidecars use the first, as Istio). */
  VS_SHADOWED: 'WEFT_TR_VIRTUAL_SERVICE_SHADOWED',
  /** A route destination that is not in the registry: traffic to it fails with 503 (as in Istio). */
  UNKNOWN_DESTINATION: 'WEFT_TR_UNKNOWN_DESTINATION',
  /** A subset named by a route that the DestinationRule does not define. */
  UNKNOWN_SUBSET: 'WEFT_TR_UNKNOWN_SUBSET',
  /** Two services want one outbound TCP port (or HTTP and TCP share it); the first wins. */
  PORT_CONFLICT: 'WEFT_TR_PORT_CONFLICT',
  /** An endpoint EDS cannot carry (a hostname, not an IP). */
  ENDPOINT_SKIPPED: 'WEFT_TR_ENDPOINT_SKIPPED',
  /** Gateway server weft does not serve (a protocol other than HTTP/HTTPS/TLS/TCP, AUTO_PASSTHROUGH) or one without routes. */
  GATEWAY_UNSUPPORTED: 'WEFT_TR_GATEWAY_UNSUPPORTED',
  /** Gateway servers that cannot share a port (HTTP with TLS, TCP with anything, one SNI twice): the first wins, as in Istio. */
  GATEWAY_CONFLICT: 'WEFT_TR_GATEWAY_CONFLICT',
  /** A credentialName whose secret is not in the secrets folder (or is invalid): the proxy waits for it and the listener does not serve. */
  CREDENTIAL_MISSING: 'WEFT_TR_CREDENTIAL_MISSING',
  /** What proxyless gRPC cannot take: a route kind (redirect, direct response), DestinationRule tls. */
  GRPC_UNSUPPORTED: 'WEFT_TR_GRPC_UNSUPPORTED',
  /** Istio mTLS (a STRICT inbound port, a DestinationRule ISTIO_MUTUAL) while the mesh issues no workload certificates: built as written, so connections fail (never a plaintext fallback). */
  MTLS_WITHOUT_CERTIFICATES: 'WEFT_TR_MTLS_WITHOUT_CERTIFICATES',
  /** A Telemetry names a provider that meshConfig.extensionProviders does not define, or one that cannot do what it asks (a prometheus provider for access logs): Istio skips it, so does weft, saying so. */
  TELEMETRY_PROVIDER: 'WEFT_TR_TELEMETRY_PROVIDER',
  /** An AuthorizationPolicy rule uses HTTP-only fields on a TCP port: ALLOW drops the rule, DENY/AUDIT drop the field (as Istio). */
  AUTHZ_HTTP_ONLY_ON_TCP: 'WEFT_TR_AUTHZ_HTTP_ONLY_ON_TCP',
  /** A CUSTOM AuthorizationPolicy that cannot be built (unknown provider, several providers, unknown service): the workload denies everything (fail closed, as Istio). */
  AUTHZ_CUSTOM_DENY_ALL: 'WEFT_TR_AUTHZ_CUSTOM_DENY_ALL',
  /** A CUSTOM AuthorizationPolicy with an HTTP provider does not apply to TCP ports (as Istio). */
  AUTHZ_CUSTOM_TCP: 'WEFT_TR_AUTHZ_CUSTOM_TCP',
  /** Node metadata weft reads that is malformed. */
  BAD_METADATA: 'WEFT_TR_BAD_METADATA',
  /** A RequestAuthentication jwksUri whose keys the control plane does not have (fetch pending or failed): the provider gets a key no token is signed with, so tokens of that issuer get 401 (Istio's behaviour). */
  JWKS_UNAVAILABLE: 'WEFT_TR_JWKS_UNAVAILABLE',
} as const;

/**
 * Collects messages during one translation. Duplicates (same code, key, path
 * and text, e.g. one DestinationRule seen from many ports) are kept once, and
 * `list()` is sorted so output is deterministic.
 */
export class MessageCollector {
  private readonly seen = new Map<string, TranslationMessage>();

  warn(code: string, key: string, path: string, message: string): void {
    this.add({ code, severity: 'warning', key, path, message });
  }

  info(code: string, key: string, path: string, message: string): void {
    this.add({ code, severity: 'info', key, path, message });
  }

  add(m: TranslationMessage): void {
    const k = `${m.code}\0${m.key}\0${m.path}\0${m.message}`;
    if (!this.seen.has(k)) this.seen.set(k, m);
  }

  list(): TranslationMessage[] {
    return [...this.seen.values()].sort((a, b) => cmp(a.key, b.key) || cmp(a.path, b.path) || cmp(a.code, b.code) || cmp(a.message, b.message));
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
