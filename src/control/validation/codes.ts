// The stable message codes of config validation and analysis. Codes never
// change meaning once released; tests and users (scripts, dashboards) match
// on them, never on message text. Ranges:
//   WEFT00xx  input, schema and kind problems (per document)
//   WEFT01xx  semantic rules per object (Istio's Validate* functions)
//   WEFT02xx  deprecated fields that still work (always warnings)
//   WEFT03xx  cross-resource analysis (Istio's analyzers, IST0xxx)
// docs/config-validation.md prints this table; keep the two in step.

export type Severity = 'error' | 'warning' | 'info';

export interface CodeInfo {
  readonly severity: Severity;
  /** What the code means, one line. */
  readonly meaning: string;
}

export const CODES = {
  // ---- input, schema, kinds ----
  WEFT0001: { severity: 'error', meaning: 'the input cannot be read or parsed as YAML/JSON' },
  WEFT0002: { severity: 'error', meaning: 'a document is not a Kubernetes-style object (apiVersion, kind, metadata)' },
  WEFT0003: { severity: 'error', meaning: 'an Istio kind that weft does not support yet (never silently ignored)' },
  WEFT0004: { severity: 'warning', meaning: 'a kind that is not Istio networking config (e.g. a Kubernetes Service); skipped' },
  WEFT0005: { severity: 'error', meaning: 'apiVersion is not one weft reads for this kind' },
  WEFT0006: { severity: 'error', meaning: 'metadata is invalid (name missing or not a DNS-1123 name, bad namespace)' },
  WEFT0010: { severity: 'error', meaning: 'unknown field (strict schema, as Istio)' },
  WEFT0011: { severity: 'error', meaning: 'a field has the wrong type' },
  WEFT0012: { severity: 'error', meaning: 'a required field is missing' },
  WEFT0013: { severity: 'error', meaning: 'a value is not one of the enum values' },
  WEFT0014: { severity: 'error', meaning: 'a duration is not well formed (e.g. "1.5s", "100ms", "5m", "1h")' },
  WEFT0015: { severity: 'error', meaning: 'more than one field of a one-of group is set' },
  WEFT0016: { severity: 'error', meaning: 'an Istio field that weft does not support yet' },
  // ---- semantic, per object ----
  WEFT0101: { severity: 'error', meaning: 'invalid host name (FQDN, wildcard, short name or namespace/host rules)' },
  WEFT0102: { severity: 'error', meaning: 'a number is out of range (ports, percentages, weights, status codes, counts)' },
  WEFT0103: { severity: 'error', meaning: 'a regular expression is not valid RE2 (or longer than 1024)' },
  WEFT0104: { severity: 'error', meaning: 'invalid header name or header value' },
  WEFT0105: { severity: 'error', meaning: 'invalid labels or label selector' },
  WEFT0106: { severity: 'error', meaning: 'fields that cannot be used together' },
  WEFT0107: { severity: 'error', meaning: 'required content is missing (e.g. a route, a host, a server)' },
  WEFT0108: { severity: 'error', meaning: 'duplicate entries (subset names, ports, hosts, exportTo)' },
  WEFT0109: { severity: 'error', meaning: 'invalid name (subset, port name, gateway reference, namespace)' },
  WEFT0110: { severity: 'error', meaning: 'invalid retry policy (retryOn values, attempts)' },
  WEFT0111: { severity: 'error', meaning: 'a duration is out of range (below 1ms, or finer than ms precision)' },
  WEFT0112: { severity: 'error', meaning: 'ServiceEntry resolution rules (endpoints, addresses, hosts per resolution)' },
  WEFT0113: { severity: 'error', meaning: 'TLS settings are inconsistent' },
  WEFT0114: { severity: 'error', meaning: 'invalid IP address, CIDR block or unix socket path' },
  WEFT0115: { severity: 'error', meaning: 'unknown port protocol' },
  WEFT0116: { severity: 'error', meaning: 'a value Istio itself refuses (e.g. HTTP/2 error aborts, exponential delay)' },
  WEFT0117: { severity: 'error', meaning: 'Sidecar listener rules (catch-all egress placement, unique ports)' },
  WEFT0150: { severity: 'warning', meaning: 'a route can never match (earlier catch-all or identical matches), as IST0130' },
  WEFT0151: { severity: 'warning', meaning: 'a match is shadowed by an identical earlier match, as IST0131' },
  WEFT0152: { severity: 'warning', meaning: 'valid but probably not what was meant (Istio validation warnings)' },
  WEFT0153: { severity: 'info', meaning: 'a VirtualService without hosts only takes effect as a delegate of another one' },
  // ---- deprecated fields (still work) ----
  WEFT0201: { severity: 'warning', meaning: 'fault delay.percent (integer) is deprecated; use delay.percentage.value' },
  WEFT0202: { severity: 'warning', meaning: 'outlierDetection.consecutiveErrors is deprecated; use consecutiveGatewayErrors / consecutive5xxErrors' },
  WEFT0203: { severity: 'warning', meaning: 'mirrorPercent is deprecated; use mirrorPercentage.value' },
  WEFT0204: { severity: 'warning', meaning: 'corsPolicy.allowOrigin is deprecated; use allowOrigins (string matches)' },
  WEFT0205: { severity: 'warning', meaning: 'consistentHash.minimumRingSize is deprecated; use consistentHash.ringHash.minimumRingSize' },
  WEFT0206: { severity: 'warning', meaning: 'legacy gateway reference "name.namespace"; use "namespace/name"' },
  // ---- cross-resource analysis ----
  WEFT0301: { severity: 'warning', meaning: 'a route destination host is not defined by any ServiceEntry or registry service (IST0101)' },
  WEFT0302: { severity: 'error', meaning: 'a route references a subset that no DestinationRule for the host defines (IST0101)' },
  WEFT0303: { severity: 'warning', meaning: 'route weights do not sum to 100 (weft and Istio 1.20+ split in proportion)' },
  WEFT0304: { severity: 'warning', meaning: 'several VirtualServices for the same host conflict (IST0109)' },
  WEFT0305: { severity: 'warning', meaning: 'a DestinationRule subset selects no known workload (IST0173)' },
  WEFT0306: { severity: 'warning', meaning: 'a Sidecar hides a host that a VirtualService in its namespace routes to' },
  WEFT0307: { severity: 'error', meaning: 'a VirtualService references a Gateway that does not exist (IST0101)' },
  WEFT0308: { severity: 'error', meaning: 'the same object (kind, namespace, name) is defined more than once' },
  WEFT0309: { severity: 'warning', meaning: 'a destination port is not a port of the service, or a port is needed (IST0101, IST0112)' },
  WEFT0310: { severity: 'error', meaning: 'an HTTP route delegates to a VirtualService that does not exist' },
} as const satisfies Record<string, CodeInfo>;

export type Code = keyof typeof CODES;
