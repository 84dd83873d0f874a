// What an upstream connection needs to originate TLS to one host: built from
// a cluster's UpstreamTlsConfig (or the transport_socket_matches entry that
// matched the host) and the current secrets. Connection pools, tcp_proxy and
// health checkers call it for every new connection, so a rotated certificate
// is used from the next connection on.
import type tls from 'node:tls';

export type ClientTlsOptions =
  | {
      readonly ok: true;
      /** Options for tls.connect (secureContext, servername, ALPNProtocols, min/max versions, session). */
      readonly options: tls.ConnectionOptions;
      /**
       * Checks the server once the handshake is done (chain when trusted_ca is set,
       * SAN matchers, pins). Returns undefined when accepted, or the failure.
       */
      readonly verify: (socket: tls.TLSSocket) => ClientVerifyFailure | undefined;
    }
  | {
      readonly ok: false;
      /** Why no connection can be made now, e.g. "secret default not ready" (counted; the request fails UF). */
      readonly reason: string;
    };

/** Why the server's certificate was refused. */
export interface ClientVerifyFailure {
  /**
   * Envoy's failure reason (e.g. "TLS_error:|268435581:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED",
   * or weft's "verify_san_failed") for UF's upstream_transport_failure_reason.
   */
  readonly reason: string;
  /** The stat to count it under, relative to ssl. (fail_verify_san, fail_verify_error, fail_verify_no_cert, fail_verify_cert_hash). */
  readonly stat: string;
}

export interface ClientTlsProvider {
  /**
   * Options for a connection to `host`. `overrides.serverName` is auto_sni's
   * name (the request's host), sent instead of `sni` and, with
   * auto_san_validation, the only SAN accepted. `overrides.alpnFallback` is
   * offered when the context sets no alpn_protocols (Envoy offers the
   * cluster's HTTP protocol: h2, http/1.1).
   */
  connectOptions(
    host: { readonly address: string; readonly hostname: string },
    overrides?: { readonly serverName?: string; readonly alpnFallback?: readonly string[] },
  ): ClientTlsOptions;
  /** Stats under cluster.<name>.ssl.* for this cluster's TLS. */
  readonly statPrefix: string;
  /** Releases secret subscriptions when the cluster goes away. */
  close(): void;
}
