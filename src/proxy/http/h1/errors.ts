// Typed codec errors. Every rejection carries a stable code (asserted by tests,
// used in x-weft-error and access logs) and the HTTP status the connection
// manager answers with. Messages are for humans and may change; codes may not.

/** Stable codes for every way the HTTP/1.1 codec refuses bytes. */
export type H1ErrorCode =
  | 'H1_BAD_REQUEST_LINE'
  | 'H1_BAD_METHOD'
  | 'H1_BAD_TARGET'
  | 'H1_BAD_VERSION'
  | 'H1_UNSUPPORTED_VERSION'
  | 'H1_BAD_STATUS_LINE'
  | 'H1_BARE_LF'
  | 'H1_BARE_CR'
  | 'H1_OBS_FOLD'
  | 'H1_WHITESPACE_BEFORE_COLON'
  | 'H1_BAD_HEADER_NAME'
  | 'H1_BAD_HEADER_VALUE'
  | 'H1_CL_TE_CONFLICT'
  | 'H1_BAD_CONTENT_LENGTH'
  | 'H1_UNSUPPORTED_TE'
  | 'H1_TE_IN_HTTP10'
  | 'H1_BODY_NOT_ALLOWED'
  | 'H1_BAD_CHUNK'
  | 'H1_HEADERS_TOO_LARGE'
  | 'H1_TOO_MANY_HEADERS'
  | 'H1_MISSING_HOST'
  | 'H1_BAD_HOST'
  | 'H1_DATA_AFTER_CLOSE'
  | 'H1_INCOMPLETE_MESSAGE'
  | 'H1_UNSOLICITED_RESPONSE'
  | 'H1_UNREQUESTED_UPGRADE';

/** Every code, for tests and docs that enumerate them. */
export const H1_ERROR_CODES: readonly H1ErrorCode[] = [
  'H1_BAD_REQUEST_LINE',
  'H1_BAD_METHOD',
  'H1_BAD_TARGET',
  'H1_BAD_VERSION',
  'H1_UNSUPPORTED_VERSION',
  'H1_BAD_STATUS_LINE',
  'H1_BARE_LF',
  'H1_BARE_CR',
  'H1_OBS_FOLD',
  'H1_WHITESPACE_BEFORE_COLON',
  'H1_BAD_HEADER_NAME',
  'H1_BAD_HEADER_VALUE',
  'H1_CL_TE_CONFLICT',
  'H1_BAD_CONTENT_LENGTH',
  'H1_UNSUPPORTED_TE',
  'H1_TE_IN_HTTP10',
  'H1_BODY_NOT_ALLOWED',
  'H1_BAD_CHUNK',
  'H1_HEADERS_TOO_LARGE',
  'H1_TOO_MANY_HEADERS',
  'H1_MISSING_HOST',
  'H1_BAD_HOST',
  'H1_DATA_AFTER_CLOSE',
  'H1_INCOMPLETE_MESSAGE',
  'H1_UNSOLICITED_RESPONSE',
  'H1_UNREQUESTED_UPGRADE',
];

/** Which side of the proxy the bytes came from; decides the answer status. */
export type H1Side = 'request' | 'response';

/**
 * Status to answer a client whose request broke a rule. Anything an upstream
 * gets wrong is answered with 502 instead (see `h1Error`), because the client
 * did nothing wrong.
 */
const REQUEST_STATUS: Readonly<Record<H1ErrorCode, number>> = {
  H1_BAD_REQUEST_LINE: 400,
  H1_BAD_METHOD: 400,
  H1_BAD_TARGET: 400,
  H1_BAD_VERSION: 400,
  H1_UNSUPPORTED_VERSION: 505,
  H1_BAD_STATUS_LINE: 400,
  H1_BARE_LF: 400,
  H1_BARE_CR: 400,
  H1_OBS_FOLD: 400,
  H1_WHITESPACE_BEFORE_COLON: 400,
  H1_BAD_HEADER_NAME: 400,
  H1_BAD_HEADER_VALUE: 400,
  H1_CL_TE_CONFLICT: 400,
  H1_BAD_CONTENT_LENGTH: 400,
  H1_UNSUPPORTED_TE: 501,
  H1_TE_IN_HTTP10: 400,
  H1_BODY_NOT_ALLOWED: 400,
  H1_BAD_CHUNK: 400,
  H1_HEADERS_TOO_LARGE: 431,
  H1_TOO_MANY_HEADERS: 431,
  H1_MISSING_HOST: 400,
  H1_BAD_HOST: 400,
  H1_DATA_AFTER_CLOSE: 400,
  H1_INCOMPLETE_MESSAGE: 400,
  H1_UNSOLICITED_RESPONSE: 400,
  H1_UNREQUESTED_UPGRADE: 400,
};

/** Status a proxy answers downstream when its upstream sent a bad response. */
export const UPSTREAM_PROTOCOL_ERROR_STATUS = 502;

/**
 * A protocol violation. After throwing one, a parser is dead: the connection
 * manager answers `status` (when the side is `request` and nothing was sent
 * yet) and closes the connection, since the framing can no longer be trusted.
 */
export class H1Error extends Error {
  readonly code: H1ErrorCode;
  /** HTTP status to answer downstream with. */
  readonly status: number;
  readonly side: H1Side;

  constructor(code: H1ErrorCode, detail: string, side: H1Side) {
    super(`${code}: ${detail}`);
    this.name = 'H1Error';
    this.code = code;
    this.side = side;
    this.status = side === 'request' ? REQUEST_STATUS[code] : UPSTREAM_PROTOCOL_ERROR_STATUS;
  }
}

/** Status the codec answers for `code` on the request side. */
export function requestStatusFor(code: H1ErrorCode): number {
  return REQUEST_STATUS[code];
}
