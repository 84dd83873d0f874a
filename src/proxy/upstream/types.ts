// The contract between the router and an upstream connection pool.
import type { HeaderMap } from '../http/headers.js';

/** Why an upstream stream ended without a complete response. */
export type ResetReason =
  | 'connection_failure'
  | 'connection_timeout'
  | 'overflow'
  | 'remote_reset'
  | 'connection_termination'
  | 'protocol_error'
  | 'local_reset';

/** What the access log learns about the upstream connection a request went out on. */
export interface UpstreamConnectionInfo {
  readonly localAddress: string;
  /** Set over TLS: the server's URI SANs, subject, and the TLS version (e.g. "TLSv1.3"). */
  readonly tls?: { readonly peerUriSans: readonly string[]; readonly peerSubject: string; readonly version: string; /** URI SANs of the certificate this side presented (source_principal). */ readonly localUriSans: readonly string[] };
}

/** Events of one upstream request; called at most once each except onData. */
export interface UpstreamCallbacks {
  /** The pool has a connection and the request went out (for timing, upstream_local_address and the upstream TLS fields). */
  onPoolReady?(conn: UpstreamConnectionInfo): void;
  onHeaders(status: number, headers: HeaderMap, end: boolean): void;
  onData(chunk: Buffer, end: boolean): void;
  onTrailers(trailers: HeaderMap): void;
  /**
   * The request failed. `transportFailureReason` is set when a TLS connect
   * failed (Envoy's upstream_transport_failure_reason).
   */
  onReset(reason: ResetReason, detail: string, transportFailureReason?: string): void;
}

export interface UpstreamRequestHead {
  method: string;
  path: string;
  authority: string;
  scheme: string;
  headers: HeaderMap;
  /** True when no body follows. */
  end: boolean;
  /**
   * The caller will end the request with its last data, never with trailers
   * (a unary gRPC call the proxy makes itself, e.g. ext_authz's Check): over
   * HTTP/2 the stream then ends with the DATA frame, without the empty
   * trailing HEADERS frame a proxied gRPC request needs.
   */
  noTrailers?: boolean;
  /** For upgrades (WebSocket): the Upgrade token; the connection becomes a tunnel after 101. */
  upgrade?: string;
}

/** One request on an upstream connection. */
export interface UpstreamRequest {
  /** Returns false when the upstream is slow: stop feeding until `onDrain` is called. */
  sendData(chunk: Buffer, end: boolean): boolean;
  /** Set by the router; called when sendData may be called again. */
  onDrain?: (() => void) | undefined;
  sendTrailers(trailers: HeaderMap): void;
  /** Aborts the request; the pool closes or recycles the connection as needed. No callbacks follow. */
  reset(): void;
  /** Flow control of the response body. */
  pauseResponse(): void;
  resumeResponse(): void;
  /** After a 101 response: raw tunnel to the upstream socket. */
  takeOverForUpgrade?(onData: (chunk: Buffer) => void, onEnd: () => void): { write(chunk: Buffer): boolean; end(): void; destroy(): void; pause(): void; resume(): void };
}
