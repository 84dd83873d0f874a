// The one way an upstream connection is made (HTTP/1.1 and HTTP/2 pools,
// tcp_proxy, health checks): plaintext net.connect, or tls.connect with the
// options of the host's transport socket followed by the server check. A TLS
// failure (handshake error, refused certificate, secret not ready) ends the
// attempt exactly like a refused connect, with Envoy's transport failure
// reason, so pools, retries (connect-failure) and outlier detection treat
// both the same.
//
// The caller keeps its connect timer (Envoy's connect_timeout covers the TLS
// handshake, since "connected" is raised only after it) and cancels it in
// onConnected.
import net from 'node:net';
import tls from 'node:tls';
import type { Counter } from '../../stats/index.js';
import type { ClientTlsProvider } from '../tls/client-tls.js';
import { serverCertificate } from '../tls/client-tls-provider.js';
import { certificateFacts, uriSansOf } from '../tls/peer-certificate.js';
import type { UpstreamSslStats } from './upstream-ssl-stats.js';
import type { UpstreamConnectionInfo } from './types.js';

/** The transport socket a host's connections use (the cluster's, or the transport_socket_matches entry it matched). */
export interface UpstreamTransport {
  /** The match's name, or "default" for the cluster's transport_socket. */
  readonly name: string;
  /** Position among the cluster's transports: part of a pool key, so hosts never share a connection across transports. */
  readonly index: number;
  /** Undefined for raw_buffer. */
  readonly tls: ClientTlsProvider | undefined;
  /** cluster.<name>.ssl.*; set when `tls` is. */
  readonly ssl: UpstreamSslStats | undefined;
  /** cluster.<name>.<match name>.total_match_count (per connection, as Envoy counts it); undefined for the default. */
  readonly matchCount: Counter | undefined;
}

/** The plaintext transport (raw_buffer). */
export const PLAINTEXT_TRANSPORT: UpstreamTransport = { name: 'default', index: -1, tls: undefined, ssl: undefined, matchCount: undefined };

export interface UpstreamConnectTarget {
  readonly address: string;
  readonly port: number;
  /** The endpoint's hostname (config), for the provider. */
  readonly hostname: string;
}

export interface UpstreamConnectOptions {
  readonly transport: UpstreamTransport;
  /** auto_sni: the SNI (the request's host) that overrides the configured one. */
  readonly serverName?: string;
  /** ALPN offered when the TLS context has no alpn_protocols. */
  readonly alpnFallback?: readonly string[];
  readonly allowHalfOpen?: boolean;
}

/** Why a connection attempt failed. */
export interface UpstreamConnectFailure {
  /** Short cause for x-weft-error (errno code, or the TLS reason). */
  readonly detail: string;
  /** Envoy's upstream_transport_failure_reason; set for TLS failures. */
  readonly transportFailureReason?: string;
}

export interface UpstreamConnectCallbacks {
  /** Connected (and, over TLS, handshake done and server accepted). ALPN: `(socket as TLSSocket).alpnProtocol`. */
  onConnected(socket: net.Socket): void;
  /** Called at most once, and never after onConnected. The socket is destroyed. */
  onFailed(failure: UpstreamConnectFailure): void;
}

/** Envoy's reason for a transport socket whose secret has not arrived (NotReadySslSocket). */
export const SECRET_NOT_READY_REASON = 'TLS_error:_Secret_is_not_supplied_by_SDS';

/**
 * Starts a connection. Always returns a socket the caller may listen on (for
 * data and close after onConnected); when no connection can be attempted
 * (secret not ready) it is an unconnected socket that is destroyed right after
 * onFailed.
 */
export function connectUpstream(target: UpstreamConnectTarget, opts: UpstreamConnectOptions, cb: UpstreamConnectCallbacks): net.Socket {
  const t = opts.transport;
  t.matchCount?.inc();
  let settled = false;
  const fail = (sock: net.Socket, f: UpstreamConnectFailure): void => {
    if (settled) return;
    settled = true;
    sock.destroy();
    cb.onFailed(f);
  };
  if (!t.tls) {
    const sock = net.connect({ host: target.address, port: target.port, noDelay: true, ...(opts.allowHalfOpen ? { allowHalfOpen: true } : {}) });
    sock.once('connect', () => {
      if (settled) return;
      settled = true;
      cb.onConnected(sock);
    });
    sock.on('error', (err: NodeJS.ErrnoException) => fail(sock, { detail: err.code ?? err.message }));
    sock.once('close', () => fail(sock, { detail: 'connection closed' }));
    return sock;
  }
  const ssl = t.ssl!;
  const o = t.tls.connectOptions(target, {
    ...(opts.serverName ? { serverName: opts.serverName } : {}),
    ...(opts.alpnFallback ? { alpnFallback: opts.alpnFallback } : {}),
  });
  if (!o.ok) {
    // Envoy connects and then fails the not-ready transport socket (no context, so no ssl.* stat);
    // weft skips the TCP connect.
    const sock = new net.Socket();
    queueMicrotask(() => fail(sock, { detail: `TLS secret not ready: ${o.reason}`, transportFailureReason: SECRET_NOT_READY_REASON }));
    return sock;
  }
  // tls.connect hands allowHalfOpen to the TLSSocket (node's typings omit it).
  const sock = tls.connect({ ...o.options, host: target.address, port: target.port, ...(opts.allowHalfOpen ? { allowHalfOpen: true } : {}) } as tls.ConnectionOptions);
  sock.setNoDelay(true);
  sock.once('secureConnect', () => {
    if (settled) return;
    const refused = o.verify(sock);
    if (refused) {
      ssl.counter(refused.stat).inc();
      ssl.connectionError.inc();
      fail(sock, { detail: refused.reason, transportFailureReason: refused.reason });
      return;
    }
    ssl.onHandshake(sock);
    settled = true;
    cb.onConnected(sock);
  });
  let tcpConnected = false;
  sock.once('connect', () => (tcpConnected = true));
  sock.on('error', (err: NodeJS.ErrnoException) => {
    if (settled) return;
    // A refused TCP connect is a plain connect failure; anything later is the handshake's.
    if (!tcpConnected && !isTlsError(err)) {
      fail(sock, { detail: err.code ?? err.message });
      return;
    }
    ssl.connectionError.inc();
    const reason = tlsFailureReason(err);
    fail(sock, { detail: reason, transportFailureReason: reason });
  });
  sock.once('close', () => {
    if (settled) return;
    ssl.connectionError.inc();
    const reason = 'TLS_error:|connection closed during the TLS handshake:TLS_error_end';
    fail(sock, { detail: reason, transportFailureReason: reason });
  });
  return sock;
}

function isTlsError(err: NodeJS.ErrnoException): boolean {
  const e = err as NodeJS.ErrnoException & { library?: string };
  return e.library !== undefined || (e.code ?? '').startsWith('ERR_SSL_') || (e.code ?? '').startsWith('ERR_TLS_');
}

/**
 * A handshake error in Envoy's shape (`TLS_error:|<code>:<library>:<reason>:TLS_error_end`),
 * with OpenSSL's error as node reports it.
 */
export function tlsFailureReason(err: NodeJS.ErrnoException): string {
  const e = err as NodeJS.ErrnoException & { library?: string; reason?: string };
  const parts = [e.code ?? 'ERR_TLS', e.library ?? 'SSL routines', e.reason ?? e.message];
  return `TLS_error:|${parts.join(':')}:TLS_error_end`;
}

/** The access log's view of a connected upstream socket (computed once per connection). */
export function connectionInfo(sock: net.Socket): UpstreamConnectionInfo {
  const localAddress = `${sock.localAddress}:${sock.localPort}`;
  if (!(sock instanceof tls.TLSSocket)) return { localAddress };
  const cert = serverCertificate(sock);
  const facts = cert ? certificateFacts(cert) : undefined;
  // Only the URI SANs of our own certificate are needed (no fingerprint, serial or subject).
  const own = sock.getX509Certificate();
  const localUriSans = own ? uriSansOf(own.subjectAltName) : [];
  return { localAddress, tls: { peerUriSans: facts?.uriSans ?? [], peerSubject: facts?.subject ?? '', version: sock.getProtocol() ?? '', localUriSans } };
}
