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
       * SAN matchers, pins). Returns undefined when accepted, or Envoy's failure
       * reason (e.g. "TLS_error:|268435581:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED",
       * or weft's "verify_san_failed") for UF's upstream_transport_failure_reason.
       */
      readonly verify: (socket: tls.TLSSocket) => string | undefined;
      /** The stat to count a verify failure under (ssl.fail_verify_san, ssl.fail_verify_error, …). */
    }
  | {
      readonly ok: false;
      /** Why no connection can be made now, e.g. "secret default not ready" (counted; the request fails UF). */
      readonly reason: string;
    };

export interface ClientTlsProvider {
  /** Options for a connection to `host` (SNI, auto_sni/auto_san_validation use the host name). */
  connectOptions(host: { readonly address: string; readonly hostname: string }): ClientTlsOptions;
  /** Stats under cluster.<name>.ssl.* for this cluster's TLS. */
  readonly statPrefix: string;
  /** Releases secret subscriptions when the cluster goes away. */
  close(): void;
}
