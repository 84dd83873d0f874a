// GET /api/dashboard/explain: what each x-weft-error code means. The codes
// themselves are defined once, by the proxy (WeftErrorCode in
// proxy/http/local-reply.ts); this table is typed `Record<WeftErrorCode, …>`,
// so the compiler refuses a code without an explanation, or an explanation
// for a code the proxy does not have. Config validation and analysis codes
// (WEFT0xxx, in the config page's messages) are explained from their own
// table (validation/codes.ts), the one `weft validate` and the docs use.
import type { WeftErrorCode } from '../../proxy/http/local-reply.js';
import { CODES, type CodeInfo } from '../validation/codes.js';

export interface ErrorExplanation {
  readonly title: string;
  /** The HTTP status the proxy answers with (typical; some are configurable). */
  readonly status: number;
  /** Envoy's response flag in access logs and the response_flags metric label, when there is one. */
  readonly flag?: string;
  readonly meaning: string;
  readonly typicalCauses: readonly string[];
  /** Istio (or Envoy) config kinds that decide this reply. */
  readonly objectKinds: readonly string[];
}

const CATALOGUE = {
  WEFT_NO_ROUTE: {
    title: 'No route matched', status: 404, flag: 'NR',
    meaning: 'No virtual host or route in the proxy\'s route table matched the request (host, path, headers), so the proxy had nowhere to send it.',
    typicalCauses: ['The Host header names no service the sidecar knows (typo, missing port, or a service outside the Sidecar resource\'s egress hosts)', 'A VirtualService\'s http matches cover only some paths or headers and has no catch-all route', 'The VirtualService is bound to a gateway but the request came through the mesh (or the opposite)'],
    objectKinds: ['VirtualService', 'Sidecar', 'ServiceEntry', 'Gateway'],
  },
  WEFT_NO_CLUSTER: {
    title: 'Route names an unknown cluster', status: 503, flag: 'NC',
    meaning: 'The matched route points at an upstream cluster the proxy does not have.',
    typicalCauses: ['A VirtualService routes to a subset that no DestinationRule defines', 'A destination host that no Service or ServiceEntry provides', 'The proxy has not received the cluster yet (config still propagating, or a NACK)'],
    objectKinds: ['VirtualService', 'DestinationRule', 'ServiceEntry'],
  },
  WEFT_NO_HEALTHY_UPSTREAM: {
    title: 'No healthy upstream', status: 503, flag: 'UH',
    meaning: 'The cluster has no endpoint that is healthy and not ejected, so the load balancer could not pick a host.',
    typicalCauses: ['Every instance of the destination is down or not ready', 'Outlier detection ejected all hosts (DestinationRule trafficPolicy.outlierDetection)', 'The subset\'s labels select no running workload', 'Active health checks (HDS) marked the endpoints unhealthy'],
    objectKinds: ['DestinationRule', 'ServiceEntry', 'WorkloadEntry'],
  },
  WEFT_UPSTREAM_CONNECT_FAILURE: {
    title: 'Upstream connection failed', status: 503, flag: 'UF',
    meaning: 'The proxy could not open a connection to the chosen upstream host (refused, unreachable, or reset during connect).',
    typicalCauses: ['The destination app is not listening on its port', 'The endpoint address is stale (the workload moved or restarted)', 'A firewall or a wrong port in the Service / ServiceEntry'],
    objectKinds: ['ServiceEntry', 'WorkloadEntry', 'DestinationRule'],
  },
  WEFT_UPSTREAM_CONNECT_TIMEOUT: {
    title: 'Upstream connect timeout', status: 503, flag: 'UF',
    meaning: 'Connecting to the upstream host took longer than the cluster\'s connect timeout.',
    typicalCauses: ['The host is overloaded or unreachable (packets dropped)', 'DestinationRule connectionPool.tcp.connectTimeout set too low'],
    objectKinds: ['DestinationRule'],
  },
  WEFT_UPSTREAM_TLS_FAILURE: {
    title: 'TLS to the upstream failed', status: 503, flag: 'UF',
    meaning: 'The TLS handshake with the upstream failed: the server certificate was refused, the peer refused ours, or the client certificate was not ready yet.',
    typicalCauses: ['DestinationRule tls mode ISTIO_MUTUAL toward a workload without a sidecar (or DISABLE toward a STRICT one)', 'A SAN or CA mismatch (subjectAltNames, caCertificates, trust domain)', 'The workload certificate has not been issued yet (CA unreachable)'],
    objectKinds: ['DestinationRule', 'PeerAuthentication'],
  },
  WEFT_UPSTREAM_RESET: {
    title: 'Upstream reset the stream', status: 503, flag: 'UR',
    meaning: 'The upstream closed or reset the connection before a complete response arrived.',
    typicalCauses: ['The app crashed or closed the connection mid-request', 'An idle connection closed by the server while the proxy reused it', 'A protocol mismatch (HTTP/2 to an HTTP/1.1-only app: check the port name or appProtocol)'],
    objectKinds: ['DestinationRule', 'ServiceEntry'],
  },
  WEFT_UPSTREAM_PROTOCOL_ERROR: {
    title: 'Upstream protocol error', status: 502, flag: 'UPE',
    meaning: 'The upstream\'s response was not valid HTTP for the protocol in use.',
    typicalCauses: ['The port is declared as HTTP but the app speaks something else (TLS, TCP, gRPC without HTTP/2)', 'A malformed response from the app (bad framing, invalid headers)'],
    objectKinds: ['ServiceEntry', 'DestinationRule'],
  },
  WEFT_UPSTREAM_TIMEOUT: {
    title: 'Upstream request timeout', status: 504, flag: 'UT',
    meaning: 'The upstream did not complete its response within the route\'s timeout (or the per-try timeout of the last retry).',
    typicalCauses: ['A VirtualService http.timeout shorter than the service\'s latency', 'A slow or stuck upstream', 'A delay fault injected further down the call chain'],
    objectKinds: ['VirtualService'],
  },
  WEFT_UPSTREAM_OVERFLOW: {
    title: 'Circuit breaker open', status: 503, flag: 'UO',
    meaning: 'A circuit breaker limit of the cluster was reached (connections, pending requests, requests, or retries), so the request was refused without being sent.',
    typicalCauses: ['DestinationRule connectionPool limits (http1MaxPendingRequests, maxRequestsPerConnection, tcp.maxConnections) set for a load the service receives', 'A slow upstream holding connections while requests queue'],
    objectKinds: ['DestinationRule'],
  },
  WEFT_RETRY_LIMIT: {
    title: 'Retries exhausted', status: 503, flag: 'URX',
    meaning: 'Every attempt allowed by the route\'s retry policy failed; the reply describes the last failure.',
    typicalCauses: ['The upstream fails consistently (the retries could not help)', 'VirtualService http.retries.attempts or retryOn too narrow for the failure'],
    objectKinds: ['VirtualService'],
  },
  WEFT_BAD_REQUEST: {
    title: 'Malformed request', status: 400, flag: 'DPE',
    meaning: 'The downstream request violated HTTP (its framing, headers or target), so the proxy refused it before routing.',
    typicalCauses: ['A client sending invalid HTTP/1.1 (bare LF, conflicting Content-Length and Transfer-Encoding, a bad header name)', 'An HTTP/2 protocol violation by the client'],
    objectKinds: [],
  },
  WEFT_HEADERS_TOO_LARGE: {
    title: 'Request headers too large', status: 431, flag: 'DPE',
    meaning: 'The request\'s headers exceeded the connection manager\'s size or count limit.',
    typicalCauses: ['Very large cookies or tokens', 'A client or proxy loop appending headers'],
    objectKinds: ['EnvoyFilter (max_request_headers_kb)'],
  },
  WEFT_NOT_IMPLEMENTED: {
    title: 'Not implemented', status: 501,
    meaning: 'The request used a feature this proxy does not implement (e.g. an unsupported upgrade or method handling).',
    typicalCauses: ['An Upgrade or CONNECT request the listener does not allow'],
    objectKinds: [],
  },
  WEFT_REQUEST_TIMEOUT: {
    title: 'Downstream request timeout', status: 408,
    meaning: 'The client did not send the complete request (headers, or the whole request) within the connection manager\'s request timeouts.',
    typicalCauses: ['A slow or stalled client upload', 'request_headers_timeout / request_timeout set low'],
    objectKinds: [],
  },
  WEFT_STREAM_IDLE_TIMEOUT: {
    title: 'Stream idle timeout', status: 408, flag: 'SI',
    meaning: 'No bytes moved on the stream in either direction for the idle timeout, so the proxy ended it.',
    typicalCauses: ['A long-poll or streaming call longer than the idle timeout (Istio\'s default 1 h for streams is often lowered)', 'A stuck upstream that accepted the request and never answered'],
    objectKinds: ['DestinationRule (connectionPool.http.idleTimeout)'],
  },
  WEFT_FAULT_ABORT: {
    title: 'Fault injected: abort', status: 503, flag: 'FI',
    meaning: 'A fault injection rule aborted the request on purpose, with the configured status.',
    typicalCauses: ['A VirtualService http.fault.abort left in place after a test (check its percentage)'],
    objectKinds: ['VirtualService'],
  },
  WEFT_RATE_LIMITED: {
    title: 'Rate limited', status: 429, flag: 'RL',
    meaning: 'The local rate limit\'s token bucket was empty, so the request was refused.',
    typicalCauses: ['Traffic above the configured tokens per fill interval', 'A bucket shared by more routes than intended'],
    objectKinds: ['EnvoyFilter (local_ratelimit)'],
  },
  WEFT_CSRF_DENIED: {
    title: 'CSRF check failed', status: 403,
    meaning: 'The CSRF filter refused a state-changing request whose Origin does not match its destination.',
    typicalCauses: ['A browser request from another origin not in additional_origins'],
    objectKinds: ['EnvoyFilter (csrf)'],
  },
  WEFT_RBAC_DENIED: {
    title: 'Denied by authorization policy', status: 403, flag: 'RBAC',
    meaning: 'The RBAC filter denied the request: a DENY policy matched, or ALLOW policies exist and none matched.',
    typicalCauses: ['An AuthorizationPolicy with action ALLOW that does not list this source principal, namespace, method or path', 'A DENY rule matching the request', 'A plaintext caller where the policy needs a principal (mTLS off, so source.principal is empty)'],
    objectKinds: ['AuthorizationPolicy', 'PeerAuthentication'],
  },
  WEFT_JWT_DENIED: {
    title: 'JWT refused', status: 401,
    meaning: 'The request\'s JSON Web Token was missing where required, expired, not signed by a known key, or for the wrong issuer or audience.',
    typicalCauses: ['A RequestAuthentication whose issuer or jwksUri does not match the token', 'An expired token', 'An AuthorizationPolicy requiring requestPrincipals with no token sent'],
    objectKinds: ['RequestAuthentication', 'AuthorizationPolicy'],
  },
  WEFT_JWKS_FETCH_FAILED: {
    title: 'JWKS could not be fetched', status: 401,
    meaning: 'The provider\'s remote JWKS could not be fetched and no cached keys were left, so no token could be verified.',
    typicalCauses: ['The jwksUri host is unreachable from the proxy (or from the control plane when it inlines keys)', 'A jwksUri that returns something other than a JWKS'],
    objectKinds: ['RequestAuthentication'],
  },
  WEFT_EXT_AUTHZ_DENIED: {
    title: 'Denied by external authorizer', status: 403, flag: 'UAEX',
    meaning: 'The external authorization service answered "deny"; its status, headers and body are passed on.',
    typicalCauses: ['The authorizer\'s own policy refused the caller'],
    objectKinds: ['AuthorizationPolicy (action CUSTOM)', 'MeshConfig extensionProviders'],
  },
  WEFT_EXT_AUTHZ_ERROR: {
    title: 'External authorizer failed', status: 403, flag: 'UAEX',
    meaning: 'The external authorization check itself failed (the authorizer was down, slow, or answered malformed) and failure_mode_allow is off.',
    typicalCauses: ['The ext_authz service is unreachable or too slow for its timeout', 'A wrong service/port in the extension provider'],
    objectKinds: ['AuthorizationPolicy (action CUSTOM)', 'MeshConfig extensionProviders'],
  },
  WEFT_REQUEST_TOO_LARGE: {
    title: 'Request body too large', status: 413,
    meaning: 'The request body exceeded what a buffering filter allows.',
    typicalCauses: ['An upload larger than the buffer limit of a filter that must read the whole body (ext_authz with_request_body, fault, …)'],
    objectKinds: ['EnvoyFilter'],
  },
  WEFT_DRAINING: {
    title: 'Proxy draining', status: 503,
    meaning: 'The listener is draining (config change or shutdown) and refused a new request on an old connection.',
    typicalCauses: ['A listener update or proxy shutdown in progress; clients retry on a new connection'],
    objectKinds: ['Sidecar', 'Gateway'],
  },
  WEFT_OVERLOADED: {
    title: 'Proxy overloaded', status: 503, flag: 'OM',
    meaning: 'The overload manager shed the request because the proxy is near a resource limit.',
    typicalCauses: ['Heap or connection limits reached under load'],
    objectKinds: [],
  },
  WEFT_INTERNAL: {
    title: 'Internal proxy error', status: 500,
    meaning: 'A filter failed unexpectedly; the proxy turned the failure into a reply instead of dropping the connection.',
    typicalCauses: ['A bug in weft: the detail says which filter; please report it'],
    objectKinds: [],
  },
} as const satisfies Record<WeftErrorCode, ErrorExplanation>;

export interface ExplainAnswer {
  readonly code: string;
  readonly title: string;
  readonly meaning: string;
  readonly typicalCauses: readonly string[];
  readonly objectKinds: readonly string[];
  /** Local replies: the HTTP status and Envoy's response flag. */
  readonly status?: number;
  readonly flag?: string;
  /** Config messages: their severity and Istio's analyzer code for the same finding. */
  readonly severity?: string;
  readonly istio?: string;
}

/** The explanation of one code (a local reply's, or a config message's), or undefined for a code weft does not have. */
export function explainCode(code: string): ExplainAnswer | undefined {
  if (Object.prototype.hasOwnProperty.call(CATALOGUE, code)) return { code, ...(CATALOGUE as Record<string, ErrorExplanation>)[code]! };
  if (Object.prototype.hasOwnProperty.call(CODES, code)) {
    const c = (CODES as Record<string, CodeInfo>)[code]!;
    return { code, title: c.meaning.charAt(0).toUpperCase() + c.meaning.slice(1), meaning: c.meaning, typicalCauses: [], objectKinds: [], severity: c.severity, ...(c.istio ? { istio: c.istio } : {}) };
  }
  return undefined;
}

/** Every code in the catalogue, sorted. */
export function catalogueCodes(): string[] {
  return Object.keys(CATALOGUE).sort();
}
