// Names and defaults of envoy.filters.http.ext_authz, each as Envoy has it.

export const EXT_AUTHZ_NAME = 'envoy.filters.http.ext_authz';
export const EXT_AUTHZ_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz';
export const EXT_AUTHZ_PER_ROUTE_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute';

/** envoy.service.auth.v3.Authorization/Check, the gRPC method the filter calls. */
export const CHECK_METHOD_PATH = '/envoy.service.auth.v3.Authorization/Check';

/** Envoy's DefaultTimeout for the check call when grpc_service.timeout is unset (ms). */
export const DEFAULT_TIMEOUT_MS = 200;

/** status_on_error when unset: 403 Forbidden, as Envoy. */
export const DEFAULT_STATUS_ON_ERROR = 403;

/** A denial without denied_response.status (or with an unknown one) answers 403, as Envoy. */
export const DEFAULT_DENIED_STATUS = 403;

/** Added to the request when failure_mode_allow let it through and failure_mode_allow_header_add is set. */
export const FAILURE_MODE_ALLOWED_HEADER = 'x-envoy-auth-failure-mode-allowed';

/** Sent to the authorizer with a buffered body: whether the body was cut at max_request_bytes. */
export const PARTIAL_BODY_HEADER = 'x-envoy-auth-partial-body';

/** An HTTP authorizer lists request headers to remove in this response header (comma separated). */
export const HEADERS_TO_REMOVE_HEADER = 'x-envoy-auth-headers-to-remove';

/** Response code details, as Envoy names them. */
export const DETAILS_DENIED = 'ext_authz_denied';
export const DETAILS_ERROR = 'ext_authz_error';

/**
 * Request headers an HTTP authorizer always gets (Envoy: Host, Method, Path,
 * Content-Length and Authorization are added to the user's allowed_headers).
 */
export const HTTP_DEFAULT_REQUEST_HEADERS = [':authority', 'host', ':method', ':path', 'content-length', 'authorization'] as const;

/**
 * Added to allowed_client_headers when that list is set (Envoy: Path, Status,
 * Content-Length, WWW-Authenticate and Location).
 */
export const HTTP_DEFAULT_CLIENT_HEADERS = [':path', ':status', 'content-length', 'www-authenticate', 'location'] as const;
