// What a codec (HTTP/1.1 or HTTP/2) gives the connection manager for one
// request/response exchange. The stream writes its response through it and
// pauses/resumes the request body through it.
import type { HeaderMap } from './headers.js';
import type { TlsConnectionInfo } from '../tls/tls-connection-info.js';

export type HttpProtocol = 'HTTP/1.0' | 'HTTP/1.1' | 'HTTP/2';

export interface DownstreamSink {
  readonly protocol: HttpProtocol;
  /** Sends the response head. `end` means no body follows. */
  writeHeaders(status: number, headers: HeaderMap, end: boolean): void;
  /** Sends body bytes; returns false when the peer is slow (wait for `onDrain`). */
  writeData(chunk: Buffer, end: boolean): boolean;
  /** Ends the response with trailers (HTTP/2 and chunked HTTP/1.1). */
  writeTrailers(trailers: HeaderMap): void;
  /** Aborts the exchange (RST_STREAM, or closing an HTTP/1.1 connection). */
  reset(): void;
  /** Flow control for the request body. */
  pauseRequest(): void;
  resumeRequest(): void;
  /** Set by the stream; called when writeData may be called again. */
  onDrain: (() => void) | undefined;
  /** True once a response head went out. */
  readonly headersSent: boolean;
  /**
   * For an accepted upgrade (WebSocket): hands the raw downstream socket's
   * bytes to `onData` and returns a writer for bytes to it. HTTP/1.1 only.
   */
  takeOverForUpgrade?(onData: (chunk: Buffer) => void, onEnd: () => void): { write(chunk: Buffer): boolean; end(): void; destroy(): void; pause(): void; resume(): void; onDrain?: () => void } ;
}

/** Facts about the downstream connection, fixed for its lifetime. */
export interface ConnectionInfo {
  readonly id: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  /** 'https' when the connection is TLS. */
  readonly scheme: 'http' | 'https';
  readonly serverName?: string;
  /** The original destination restored by envoy.filters.listener.original_dst (on weft: the local address). */
  readonly originalDst?: { ip: string; port: number };
  /** When SO_ORIGINAL_DST restored the destination: the socket's own local address (the capture port). */
  readonly arrivedOn?: { ip: string; port: number };
  /** Set when the listener terminated TLS: version, cipher, both certificates (access log operators). */
  readonly tls?: TlsConnectionInfo;
}
