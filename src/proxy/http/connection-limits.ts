// Limits that bound what one downstream connection can make the proxy hold or
// do, with Envoy's defaults and the reason for each. The codecs take them as a
// constructor parameter, so runtime keys (Envoy's `overload.premature_reset_*`,
// `http.max_requests_per_io_cycle`) can be wired to them in one place.

import { DEFAULT_PREMATURE_RESET_MIN_STREAM_LIFETIME_SECONDS, DEFAULT_PREMATURE_RESET_TOTAL_STREAM_COUNT } from '../runtime/known-keys.js';

export interface ConnectionLimits {
  /**
   * A stream closed without a response within this many ms of its start is a
   * premature reset. Envoy's runtime key
   * `overload.premature_reset_min_stream_lifetime_seconds` (default 1 s).
   */
  readonly prematureResetMinStreamLifetimeMs: number;
  /**
   * Closed streams on one connection after which the premature-reset check
   * applies to their share: past it, a connection with more than half of its
   * streams reset prematurely is closed; before it, a connection is closed as
   * soon as its premature resets reach half of this count (it could never get
   * under the ratio). Envoy's `overload.premature_reset_total_stream_count`
   * (default 500).
   */
  readonly prematureResetTotalStreamCount: number;
  /**
   * New HTTP/2 streams started per connection per event-loop turn; the rest
   * wait for the next turn, so one connection cannot starve the others.
   * Envoy's `http.max_requests_per_io_cycle`: 0 (the default) means no limit.
   * Streams always start one turn after their HEADERS, so a stream reset in
   * the same read as its HEADERS never reaches an upstream.
   */
  readonly maxRequestsPerIoCycle: number;
  /**
   * HTTP/1.1: bytes of pipelined requests read ahead while a request is in
   * flight; past this the socket is not read until the response is out.
   * Envoy's listener `per_connection_buffer_limit_bytes` default (1 MiB).
   */
  readonly pipelineBufferLimitBytes: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = Object.freeze({
  prematureResetMinStreamLifetimeMs: DEFAULT_PREMATURE_RESET_MIN_STREAM_LIFETIME_SECONDS * 1000,
  prematureResetTotalStreamCount: DEFAULT_PREMATURE_RESET_TOTAL_STREAM_COUNT,
  maxRequestsPerIoCycle: 0,
  pipelineBufferLimitBytes: 1024 * 1024,
});

/**
 * Envoy's rule for closing a connection whose clients reset streams early
 * (CVE-2023-44487 rapid reset; CVE-2025-8671 "MadeYouReset" counts streams
 * the server reset too): `closed` streams so far, `premature` of them reset
 * prematurely.
 */
export function tooManyPrematureResets(limits: ConnectionLimits, closed: number, premature: number): boolean {
  if (premature === 0) return false;
  const total = limits.prematureResetTotalStreamCount;
  if (closed < total) return premature * 2 >= total;
  return premature * 2 >= closed;
}
