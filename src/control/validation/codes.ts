// The stable message codes of config validation and analysis. Codes never
// change meaning once released; tests and users (scripts, dashboards) match
// on them, never on message text. Ranges:
//   WEFT00xx  input, schema and kind problems (per document)
//   WEFT01xx  semantic rules per object (Istio's Validate* functions)
//   WEFT02xx  deprecated fields that still work (always warnings)
//   WEFT03xx  cross-resource analysis (Istio's analyzers, IST0xxx)
// docs/config-validation.md prints this table; keep the two in step. Each
// message shows Istio's code beside weft's when there is one: WEFT0302 (IST0101).

export type Severity = 'error' | 'warning' | 'info';

export interface CodeInfo {
  readonly severity: Severity;
  /** What the code means, one line. */
  readonly meaning: string;
  /**
   * The code `istioctl analyze` gives the same finding (pkg/config/analysis/msg/messages.yaml),
   * printed beside weft's own so people can search what they know. Validation
   * errors are Istio's SchemaValidationError (IST0106) as a whole.
   */
  readonly istio?: string;
}

export const CODES = {
  // ---- input, schema, kinds ----
  WEFT0001: { severity: 'error', meaning: 'the input cannot be read or parsed as YAML/JSON' },
  WEFT0002: { severity: 'error', meaning: 'a document is not a Kubernetes-style object (apiVersion, kind, metadata)', istio: 'IST0106' },
  WEFT0003: { severity: 'error', meaning: 'an Istio kind that weft does not support yet (never silently ignored)' },
  WEFT0004: { severity: 'warning', meaning: 'a kind that is not Istio networking config (e.g. a Kubernetes Service); skipped' },
  WEFT0005: { severity: 'error', meaning: 'apiVersion is not one weft reads for this kind', istio: 'IST0106' },
  WEFT0006: { severity: 'error', meaning: 'metadata is invalid (name missing or not a DNS-1123 name, bad namespace)', istio: 'IST0106' },
  WEFT0010: { severity: 'error', meaning: 'unknown field (strict schema, as Istio)', istio: 'IST0106' },
  WEFT0011: { severity: 'error', meaning: 'a field has the wrong type', istio: 'IST0106' },
  WEFT0012: { severity: 'error', meaning: 'a required field is missing', istio: 'IST0106' },
  WEFT0013: { severity: 'error', meaning: 'a value is not one of the enum values', istio: 'IST0106' },
  WEFT0014: { severity: 'error', meaning: 'a duration is not well formed (e.g. "1.5s", "100ms", "5m", "1h")', istio: 'IST0106' },
  WEFT0015: { severity: 'error', meaning: 'more than one field of a one-of group is set', istio: 'IST0106' },
  WEFT0016: { severity: 'error', meaning: 'an Istio field that weft does not support yet' },
  // ---- semantic, per object ----
  WEFT0101: { severity: 'error', meaning: 'invalid host name (FQDN, wildcard, short name or namespace/host rules)', istio: 'IST0106' },
  WEFT0102: { severity: 'error', meaning: 'a number is out of range (ports, percentages, weights, status codes, counts)', istio: 'IST0106' },
  WEFT0103: { severity: 'error', meaning: 'a regular expression is not valid RE2 (or longer than 1024)', istio: 'IST0106' },
  WEFT0104: { severity: 'error', meaning: 'invalid header name or header value', istio: 'IST0106' },
  WEFT0105: { severity: 'error', meaning: 'invalid labels or label selector', istio: 'IST0106' },
  WEFT0106: { severity: 'error', meaning: 'fields that cannot be used together', istio: 'IST0106' },
  WEFT0107: { severity: 'error', meaning: 'required content is missing (e.g. a route, a host, a server)', istio: 'IST0106' },
  WEFT0108: { severity: 'error', meaning: 'duplicate entries (subset names, ports, hosts, exportTo)', istio: 'IST0106' },
  WEFT0109: { severity: 'error', meaning: 'invalid name (subset, port name, gateway reference, namespace)', istio: 'IST0106' },
  WEFT0110: { severity: 'error', meaning: 'invalid retry policy (retryOn values, attempts)', istio: 'IST0106' },
  WEFT0111: { severity: 'error', meaning: 'a duration is out of range (below 1ms, or finer than ms precision)', istio: 'IST0106' },
  WEFT0112: { severity: 'error', meaning: 'ServiceEntry resolution rules (endpoints, addresses, hosts per resolution)', istio: 'IST0106' },
  WEFT0113: { severity: 'error', meaning: 'TLS settings are inconsistent', istio: 'IST0106' },
  WEFT0114: { severity: 'error', meaning: 'invalid IP address, CIDR block or unix socket path', istio: 'IST0106' },
  WEFT0115: { severity: 'error', meaning: 'unknown port protocol', istio: 'IST0106' },
  WEFT0116: { severity: 'error', meaning: 'a value Istio itself refuses (e.g. HTTP/2 error aborts, exponential delay)', istio: 'IST0106' },
  WEFT0117: { severity: 'error', meaning: 'Sidecar listener rules (catch-all egress placement, unique ports)', istio: 'IST0106' },
  WEFT0118: { severity: 'error', meaning: 'a Telemetry expression (tag value, access log filter) or custom metric outside what weft evaluates; the message lists what is supported' },
  WEFT0125: { severity: 'error', meaning: 'a RequestAuthentication JWT rule\'s jwksUri is not an http(s) URL, or its jwks does not parse as a JWK Set', istio: 'IST0106' },
  WEFT0119: { severity: 'error', meaning: 'an AuthorizationPolicy `when` key Istio does not know, refuses (source.user) or that is not written key[name]', istio: 'IST0106' },
  WEFT0150: { severity: 'warning', meaning: 'a route can never match (earlier catch-all or identical matches), as IST0130', istio: 'IST0130' },
  WEFT0151: { severity: 'warning', meaning: 'a match is shadowed by an identical earlier match, as IST0131', istio: 'IST0131' },
  WEFT0152: { severity: 'warning', meaning: 'valid but probably not what was meant (Istio validation warnings)', istio: 'IST0133' },
  WEFT0162: { severity: 'warning', meaning: 'Sidecar outboundTrafficPolicy.egressProxy: accepted (as Istio) but not honoured: unknown destinations are not sent to the egress proxy' },
  WEFT0163: { severity: 'warning', meaning: 'a field Istio accepts that weft reads but does not honour yet (named in the message): DestinationRule workloadSelector, match statPrefix, Sidecar ingress and egress port/bind/captureMode' },
  WEFT0164: { severity: 'warning', meaning: 'Telemetry metrics reportingInterval: accepted (as Istio) but not honoured: weft reports when a request or connection ends' },
  WEFT0153: { severity: 'info', meaning: 'a VirtualService without hosts only takes effect as a delegate of another one' },
  // ---- deprecated fields (still work) ----
  WEFT0201: { severity: 'warning', meaning: 'fault delay.percent (integer) is deprecated; use delay.percentage.value', istio: 'IST0002' },
  WEFT0202: { severity: 'warning', meaning: 'outlierDetection.consecutiveErrors is deprecated; use consecutiveGatewayErrors / consecutive5xxErrors', istio: 'IST0002' },
  WEFT0203: { severity: 'warning', meaning: 'mirrorPercent is deprecated; use mirrorPercentage.value', istio: 'IST0002' },
  WEFT0204: { severity: 'warning', meaning: 'corsPolicy.allowOrigin is deprecated; use allowOrigins (string matches)', istio: 'IST0002' },
  WEFT0205: { severity: 'warning', meaning: 'consistentHash.minimumRingSize is deprecated; use consistentHash.ringHash.minimumRingSize', istio: 'IST0002' },
  WEFT0206: { severity: 'warning', meaning: 'legacy gateway reference "name.namespace"; use "namespace/name"', istio: 'IST0002' },
  // ---- cross-resource analysis ----
  WEFT0301: { severity: 'warning', meaning: 'a route destination host is not defined by any ServiceEntry or registry service (IST0101)', istio: 'IST0101' },
  WEFT0302: { severity: 'error', meaning: 'a route references a subset that no DestinationRule for the host defines (IST0101)', istio: 'IST0101' },
  WEFT0303: { severity: 'warning', meaning: 'route weights do not sum to 100 (weft and Istio 1.20+ split in proportion)' },
  WEFT0304: { severity: 'warning', meaning: 'several VirtualServices for the same host conflict (IST0109)', istio: 'IST0109' },
  WEFT0305: { severity: 'warning', meaning: 'a DestinationRule subset selects no known workload (IST0173)', istio: 'IST0173' },
  WEFT0306: { severity: 'warning', meaning: 'a Sidecar hides a host that a VirtualService in its namespace routes to' },
  WEFT0307: { severity: 'error', meaning: 'a VirtualService references a Gateway that does not exist (IST0101)', istio: 'IST0101' },
  WEFT0308: { severity: 'error', meaning: 'the same object (kind, namespace, name) is defined more than once' },
  WEFT0309: { severity: 'warning', meaning: 'a destination port is not a port of the service, or a port is needed (IST0101, IST0112)', istio: 'IST0101' },
  WEFT0310: { severity: 'error', meaning: 'an HTTP route delegates to a VirtualService that does not exist', istio: 'IST0101' },
  WEFT0311: { severity: 'error', meaning: 'Gateways with the same workload selector, port and an overlapping host conflict', istio: 'IST0145' },
  WEFT0312: { severity: 'warning', meaning: 'a ServiceEntry with a TCP port (or a port without protocol) and no addresses: TCP traffic cannot tell its hosts apart', istio: 'IST0134' },
  WEFT0313: { severity: 'warning', meaning: 'ServiceEntries define one host and port with different protocols; only one can apply' },
  WEFT0314: { severity: 'warning', meaning: 'a workloadSelector selects no known workload', istio: 'IST0127' },
  WEFT0315: { severity: 'error', meaning: 'several Sidecars select the same workload', istio: 'IST0110' },
  WEFT0316: { severity: 'error', meaning: 'several Sidecars in one namespace have no workloadSelector', istio: 'IST0111' },
  WEFT0317: { severity: 'warning', meaning: 'a VirtualService host is covered by another one\'s wildcard host: requests to it use only the more specific VirtualService' },
  WEFT0319: { severity: 'error', meaning: 'a VirtualService references a Gateway that exists but was rejected (invalid), so it binds nothing', istio: 'IST0101' },
  WEFT0330: { severity: 'warning', meaning: 'several PeerAuthentications without selector in one namespace (mesh-wide in the root namespace): only the oldest applies' },
  WEFT0331: { severity: 'warning', meaning: 'a PeerAuthentication with a selector in the root namespace applies to no workload (Istio ignores it)' },
  WEFT0332: { severity: 'warning', meaning: 'several PeerAuthentications select the same workload: only the oldest applies' },
  WEFT0340: { severity: 'error', meaning: 'several Telemetries without workload selector in one namespace: only the oldest applies', istio: 'IST0160' },
  WEFT0341: { severity: 'error', meaning: 'several Telemetries select the same workload: only the oldest applies', istio: 'IST0159' },
  WEFT0333: { severity: 'error', meaning: 'a DestinationRule with tls DISABLE or SIMPLE towards a workload port that PeerAuthentication makes STRICT: every request fails', istio: 'IST0113' },
  WEFT0334: { severity: 'error', meaning: 'a DestinationRule with tls ISTIO_MUTUAL towards a workload port that PeerAuthentication makes DISABLE: every request fails', istio: 'IST0113' },
  WEFT0335: { severity: 'warning', meaning: 'a workload port that PeerAuthentication makes STRICT in a namespace whose mode is DISABLE: auto mTLS follows the namespace and sends it plaintext' },
  WEFT0350: { severity: 'warning', meaning: 'an AuthorizationPolicy selector matches no known workload', istio: 'IST0127' },
  WEFT0351: { severity: 'warning', meaning: 'an AuthorizationPolicy matches peer identities (principals, namespaces, source.principal, source.namespace) on a workload whose PeerAuthentication is DISABLE: plaintext peers have no identity, so those rules never match' },
  WEFT0352: { severity: 'warning', meaning: 'an AuthorizationPolicy principal is not in the form <trust domain>/ns/<namespace>/sa/<service account> (or a * pattern): it can match no workload identity' },
  WEFT0360: { severity: 'info', meaning: 'a namespace is not enabled for Istio injection (neither istio-injection nor istio.io/rev)', istio: 'IST0102' },
  WEFT0361: { severity: 'warning', meaning: 'a pod in an injected namespace is missing the Istio proxy', istio: 'IST0103' },
  WEFT0362: { severity: 'warning', meaning: 'a Gateway server port that no Service of the gateway\'s pods exposes', istio: 'IST0104' },
  WEFT0363: { severity: 'error', meaning: 'a Gateway selector that matches no pod among the inputs', istio: 'IST0101' },
  WEFT0364: { severity: 'warning', meaning: 'a namespace has both the istio-injection and the istio.io/rev label', istio: 'IST0123' },
  WEFT0320: { severity: 'error', meaning: 'a Gateway credentialName the secrets folder cannot serve: missing, invalid, without cert and key, or without the CA bundle MUTUAL needs', istio: 'IST0161' },
} as const satisfies Record<string, CodeInfo>;

export type Code = keyof typeof CODES;

/**
 * Codes weft no longer emits, with what they meant. A retired number is never
 * given a new meaning, so a script that matched it stays correct (it just
 * never fires); docs/config-validation.md lists them.
 */
export const RETIRED_CODES: Readonly<Record<string, string>> = {
  WEFT0160: 'DestinationRule tls ISTIO_MUTUAL accepted but not honoured (no mesh mTLS); retired when mesh mTLS arrived',
  WEFT0161: 'DestinationRule tls SIMPLE/MUTUAL accepted but not honoured (no TLS origination); retired when TLS origination arrived',
};
