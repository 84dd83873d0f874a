// Replies the proxy makes itself. Each carries Envoy's status and response
// flag, and weft's `x-weft-error` header: a stable code, the cause, and the
// config object responsible, so a user never has to guess why a 503 happened.

/** Stable error codes carried in `x-weft-error`; never renamed once shipped. */
export type WeftErrorCode =
  | 'WEFT_NO_ROUTE'
  | 'WEFT_NO_CLUSTER'
  | 'WEFT_NO_HEALTHY_UPSTREAM'
  | 'WEFT_UPSTREAM_CONNECT_FAILURE'
  | 'WEFT_UPSTREAM_CONNECT_TIMEOUT'
  /** TLS to the upstream failed: handshake error, server certificate refused, or client secret not ready (UF). */
  | 'WEFT_UPSTREAM_TLS_FAILURE'
  | 'WEFT_UPSTREAM_RESET'
  | 'WEFT_UPSTREAM_PROTOCOL_ERROR'
  | 'WEFT_UPSTREAM_TIMEOUT'
  | 'WEFT_UPSTREAM_OVERFLOW'
  | 'WEFT_RETRY_LIMIT'
  | 'WEFT_BAD_REQUEST'
  | 'WEFT_HEADERS_TOO_LARGE'
  | 'WEFT_NOT_IMPLEMENTED'
  | 'WEFT_REQUEST_TIMEOUT'
  | 'WEFT_STREAM_IDLE_TIMEOUT'
  | 'WEFT_FAULT_ABORT'
  | 'WEFT_RATE_LIMITED'
  | 'WEFT_CSRF_DENIED'
  /** envoy.filters.http.rbac denied the request (403); the cause names the policy that matched, if any. */
  | 'WEFT_RBAC_DENIED'
  /** envoy.filters.http.ext_authz: the external authorizer denied the request (its status, body and headers; flag UAEX). */
  | 'WEFT_EXT_AUTHZ_DENIED'
  /** envoy.filters.http.ext_authz: the check failed (authorizer down, slow, 5xx or malformed) and failure_mode_allow is off: status_on_error, flag UAEX. */
  | 'WEFT_EXT_AUTHZ_ERROR'
  | 'WEFT_REQUEST_TOO_LARGE'
  | 'WEFT_DRAINING'
  | 'WEFT_OVERLOADED'
  | 'WEFT_INTERNAL';

export interface LocalReply {
  status: number;
  code: WeftErrorCode;
  /** Envoy's response flag bit (NR, UH, UF, … from access-log/response-flags), or 0. */
  flag: number;
  /** Human-readable cause; goes into the header and, by default, the body. */
  cause: string;
  /** The config object responsible, e.g. `cluster=service1` or `route_config=local_route`. */
  source?: string;
  /** Body to send; defaults to Envoy's wording for the flag, or the cause. */
  body?: string;
  /** Response code details as Envoy names them (route_not_found, no_healthy_upstream, …). */
  details: string;
}

/** `x-weft-error` value: `<code> <cause>; <source>`. Header-safe (no CR/LF). */
export function weftErrorHeader(r: LocalReply): string {
  const v = r.source ? `${r.code} ${r.cause}; ${r.source}` : `${r.code} ${r.cause}`;
  return v.replace(/[\r\n\0]/g, ' ');
}

/** Envoy's HTTP → gRPC status mapping for local replies to gRPC callers. */
export function grpcStatusForHttp(status: number): number {
  switch (status) {
    case 400: return 13; // INTERNAL
    case 401: return 16; // UNAUTHENTICATED
    case 403: return 7; // PERMISSION_DENIED
    case 404: return 12; // UNIMPLEMENTED
    case 429: case 502: case 503: case 504: return 14; // UNAVAILABLE
    default: return 2; // UNKNOWN
  }
}

/** gRPC requests are recognised by content-type, as Envoy does. */
export function isGrpcContentType(ct: string | undefined): boolean {
  return ct !== undefined && ct.startsWith('application/grpc');
}
