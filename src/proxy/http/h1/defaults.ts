// Codec limits, in one place, with the reason for each value.

/**
 * Largest header section (start line, field lines and the closing empty line)
 * in bytes. Envoy's `max_request_headers_kb` defaults to 60 KiB; weft counts the
 * whole head so the check is one comparison on raw bytes.
 */
export const DEFAULT_MAX_HEADER_BYTES = 60 * 1024;

/** Most field lines in one head or trailer section: Envoy's `max_headers_count` default. */
export const DEFAULT_MAX_HEADERS = 100;

/**
 * Most chunk-extension bytes in one message. Extensions carry nothing weft uses;
 * an unbounded amount lets a client burn CPU for free (Node caps them at 16 KiB
 * per message for the same reason, CVE-2024-22019), so weft uses Node's value.
 */
export const DEFAULT_MAX_CHUNK_EXTENSION_BYTES = 16 * 1024;

/** Hex digits allowed in one chunk size, leading zeros included (2^53 needs 14). */
export const MAX_CHUNK_SIZE_DIGITS = 16;

/** Parser settings; every field is optional and falls back to the defaults above. */
export interface H1ParserOptions {
  /** Envoy: `max_request_headers_kb` × 1024 (or the cluster's for responses). */
  maxHeaderBytes?: number;
  /** Envoy: `common_http_protocol_options.max_headers_count`. */
  maxHeaders?: number;
  maxChunkExtensionBytes?: number;
  /**
   * Accept any token as a method, not only the registered ones. Envoy's
   * `http1_protocol_options.allow_custom_methods`, false by default.
   */
  allowCustomMethods?: boolean;
}
