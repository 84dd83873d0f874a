// What the access log knows about one HTTP request or one TCP connection. The
// connection manager and the tcp proxy fill one per request/connection as it
// goes; formatters only read it. A plain class with every field initialised in
// the constructor keeps one hidden class for all instances, so both filling
// and reading stay cheap.
import type { HeaderMap } from '../http/headers.js';
import type { TlsConnectionInfo } from '../tls/tls-connection-info.js';

export class StreamInfo {
  /** Wall-clock start, ms since the epoch (Clock.wallNow()); %START_TIME%. */
  startTime = 0;
  /** Monotonic start (Clock.now()); lets the filler compute the durations below. */
  startMonotonic = 0;

  /** Request pseudo-headers. They never live in requestHeaders (see HeaderMap). */
  method: string | undefined = undefined;
  path: string | undefined = undefined;
  authority: string | undefined = undefined;
  scheme: string | undefined = undefined;
  /** `HTTP/1.0`, `HTTP/1.1`, `HTTP/2`; undefined for TCP. */
  protocol: string | undefined = undefined;

  /** Undefined for TCP (REQ(...) then prints `-`). */
  requestHeaders: HeaderMap | undefined = undefined;
  responseHeaders: HeaderMap | undefined = undefined;
  responseTrailers: HeaderMap | undefined = undefined;

  /** HTTP status sent downstream; 0 when none was sent (Envoy prints 0 too). */
  responseCode = 0;
  /** Envoy's response code details (`via_upstream`, `route_not_found`, …). */
  responseCodeDetails: string | undefined = undefined;
  connectionTerminationDetails: string | undefined = undefined;
  /** Bitmask of the constants in response-flags.ts. */
  responseFlags = 0;

  /** Body bytes (HTTP) or payload bytes (TCP) received from / sent to downstream. */
  bytesReceived = 0;
  bytesSent = 0;

  /** Milliseconds from start to the end of the stream; undefined while unknown. */
  duration: number | undefined = undefined;
  /** Start to last downstream request byte received. */
  requestDuration: number | undefined = undefined;
  /** Start to first upstream response byte received. */
  responseDuration: number | undefined = undefined;
  /**
   * Time the upstream took, in ms, as the router measures it for the
   * x-envoy-upstream-service-time header. %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%
   * reads the header, as Envoy does; this field is for metrics and filters.
   */
  upstreamServiceTime: number | undefined = undefined;

  /** `ip:port` of the upstream host chosen (last attempt). */
  upstreamHost: string | undefined = undefined;
  upstreamCluster: string | undefined = undefined;
  /** `ip:port` of the local side of the upstream connection. */
  upstreamLocalAddress: string | undefined = undefined;
  /** Why the upstream connection failed (TLS handshake or verification), for %UPSTREAM_TRANSPORT_FAILURE_REASON%. */
  upstreamTransportFailureReason: string | undefined = undefined;
  /** URI SANs of the upstream server's certificate (TLS upstreams), for %UPSTREAM_PEER_URI_SAN%. */
  upstreamPeerUriSans: readonly string[] | undefined = undefined;
  /** URI SANs of the certificate this proxy presented upstream (Istio's source_principal on the client side). */
  upstreamLocalUriSans: readonly string[] | undefined = undefined;
  /** Subject (RFC 2253) of the upstream server's certificate, for %UPSTREAM_PEER_SUBJECT%. */
  upstreamPeerSubject: string | undefined = undefined;
  /** TLS version of the upstream connection ("TLSv1.3"), for %UPSTREAM_TLS_VERSION%. */
  upstreamTlsVersion: string | undefined = undefined;

  /** `ip:port` (`[v6]:port` for IPv6) of the downstream peer, after XFF/proxy-protocol. */
  downstreamRemoteAddress: string | undefined = undefined;
  downstreamLocalAddress: string | undefined = undefined;
  /** `ip:port` of the socket peer itself, never rewritten. */
  downstreamDirectRemoteAddress: string | undefined = undefined;

  /** The downstream TLS connection, when the listener terminated TLS (%DOWNSTREAM_PEER_URI_SAN%, …). */
  downstreamTls: TlsConnectionInfo | undefined = undefined;
  /** SNI of the downstream TLS connection. */
  requestedServerName: string | undefined = undefined;
  routeName: string | undefined = undefined;
  /** Downstream connection id; 0 when unknown (Envoy prints 0 too). */
  connectionId = 0;
  /** The x-weft-error detail of a response the proxy made itself. */
  weftError: string | undefined = undefined;
  /** Upstream attempts made (1 + retries); 0 when no upstream was tried. */
  attemptCount = 0;
  /** Set by the health check filter; not_health_check_filter skips such requests. */
  healthCheck = false;
  /**
   * Envoy's dynamic metadata: namespace → key → value, set by filters
   * (header_to_metadata) during the stream; %DYNAMIC_METADATA(ns:key)% reads it.
   */
  dynamicMetadata: Record<string, Record<string, unknown>> | undefined = undefined;

  /** Sets one dynamic metadata value (a filter's output). */
  setDynamicMetadata(namespace: string, key: string, value: unknown): void {
    const all = (this.dynamicMetadata ??= {});
    (all[namespace] ??= {})[key] = value;
  }

  /** Adds one response flag (a constant from response-flags.ts). */
  setResponseFlag(flag: number): void {
    this.responseFlags |= flag;
  }

  hasResponseFlag(flag: number): boolean {
    return (this.responseFlags & flag) !== 0;
  }
}
