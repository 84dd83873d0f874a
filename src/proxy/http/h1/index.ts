// weft's HTTP/1.1 codec: strict incremental parsers and serializers over raw
// bytes, driven by the connection manager. See docs/architecture/http1-codec.md.

export { H1Error, H1_ERROR_CODES, UPSTREAM_PROTOCOL_ERROR_STATUS, requestStatusFor, type H1ErrorCode, type H1Side } from './errors.js';
export {
  DEFAULT_MAX_CHUNK_EXTENSION_BYTES,
  DEFAULT_MAX_HEADER_BYTES,
  DEFAULT_MAX_HEADERS,
  type H1ParserOptions,
} from './defaults.js';
export { isValidFieldName, isValidFieldValue } from './chars.js';
export { REGISTERED_METHODS } from './methods.js';
export { H1MessageParser, type H1Framing, type H1MessageSink, type H1Version } from './message-parser.js';
export { H1RequestHead, H1RequestParser, type H1RequestHandler } from './request-parser.js';
export { H1ResponseHead, H1ResponseParser, type H1ResponseHandler } from './response-parser.js';
export { reasonPhrase, serializeRequestHead, serializeResponseHead } from './serialize-head.js';
export { CHUNK_END, LAST_CHUNK, chunkHeader, encodeChunk, encodeLastChunk } from './chunk-encoding.js';
export { buildLocalReply, type LocalReplyInit } from './local-reply.js';
