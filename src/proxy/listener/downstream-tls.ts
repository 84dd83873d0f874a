// Downstream TLS termination for one filter chain: wraps an accepted socket
// (with any bytes tls_inspector peeked pushed back first) in a server
// TLSSocket using the chain's current SecureContext, and hands it on once the
// handshake and Envoy's peer checks passed. A failed handshake or a peer that
// fails verification closes the connection, counted under
// listener.<stat_prefix>.ssl.* and logged at debug with the reason and peer.
import type net from 'node:net';
import tls from 'node:tls';
import type { ProxyContext } from '../context.js';
import type { Counter } from '../../stats/index.js';
import { SecureContextSource } from '../tls/secure-context.js';
import { verifyPeer, type VerifyFailureStat } from '../tls/peer-verify.js';
import { TlsConnectionInfo } from '../tls/tls-connection-info.js';
import type { DownstreamTlsConfig } from '../tls/tls-config.js';

type SslCounter = 'handshake' | 'connection_error' | 'no_certificate' | 'session_reused' | VerifyFailureStat;
const SSL_COUNTERS: readonly SslCounter[] = [
  'handshake', 'connection_error', 'no_certificate', 'session_reused', 'fail_verify_no_cert', 'fail_verify_error', 'fail_verify_san', 'fail_verify_cert_hash',
];

/** A TLS connection ready for the chain's terminal filter. */
export interface TerminatedTls {
  readonly socket: tls.TLSSocket;
  readonly info: TlsConnectionInfo;
  /** The negotiated ALPN protocol, if any. */
  readonly alpn: string | undefined;
}

export class DownstreamTls {
  private readonly source: SecureContextSource;
  private readonly counters: Record<SslCounter, Counter>;
  private readonly prefix: string;

  constructor(private readonly config: DownstreamTlsConfig, private readonly ctx: ProxyContext, statPrefix: string, private readonly chainName: string) {
    this.source = new SecureContextSource(config.common, ctx.secrets, 'server', {
      ...(config.sessionTimeoutS !== undefined ? { sessionTimeoutS: config.sessionTimeoutS } : {}),
      disableStatelessSessionResumption: config.disableStatelessSessionResumption,
    });
    this.prefix = `listener.${statPrefix}.ssl.`;
    this.counters = Object.fromEntries(SSL_COUNTERS.map((n) => [n, ctx.stats.counter(this.prefix + n)])) as Record<SslCounter, Counter>;
  }

  /**
   * Starts the handshake on `socket`; `onReady` gets the TLS socket once it is
   * established and verified. On any failure the connection is closed here.
   */
  terminate(socket: net.Socket, peeked: Buffer | undefined, clientAlpn: readonly string[] | undefined, onReady: (t: TerminatedTls) => void): void {
    const r = this.source.current();
    if (!r.ok) {
      this.fail(socket, `no TLS context: ${r.reason}`);
      return;
    }
    // node's TLSSocket takes over bytes already buffered on the socket.
    if (peeked && peeked.length) socket.unshift(peeked);
    const cfg = this.config;
    const requestCert = cfg.requireClientCertificate || r.validation !== undefined;
    // Envoy carries on without ALPN when the client's list shares nothing with
    // ours; node's server would end the handshake with a fatal alert. When the
    // tls_inspector saw the client's list, offer ALPN only if there is a match
    // (Istio's mesh clients send istio-peer-exchange/istio to an h2/http1.1 server).
    const alpn = clientAlpn && !cfg.common.alpnProtocols.some((p) => clientAlpn.includes(p)) ? [] : cfg.common.alpnProtocols;
    const t = new tls.TLSSocket(socket, {
      isServer: true,
      secureContext: r.context,
      requestCert,
      // Verification is ours (peer-verify.ts), so each failure gets Envoy's stat.
      rejectUnauthorized: false,
      ...(alpn.length ? { ALPNProtocols: [...alpn] } : {}),
    });
    let done = false;
    // The TLS socket owns the connection now; the listener counts the raw one, so close it too.
    t.once('close', () => socket.destroy());
    t.on('error', (e) => {
      if (done) return;
      done = true;
      this.fail(t, `TLS handshake failed: ${(e as NodeJS.ErrnoException).code ?? ''} ${e.message.split('\n')[0]}`, socket);
    });
    t.once('secure', () => {
      if (done) return;
      // tls.Server clears this when it accepts a socket; node:http2 waits for
      // 'secureConnect' (never emitted on a server socket) while it is set.
      (t as unknown as { secureConnecting: boolean }).secureConnecting = false;
      if (cfg.requireSni && !t.servername) {
        done = true;
        this.fail(t, 'require_sni is set and the client sent no SNI', socket);
        return;
      }
      const f = verifyPeer(t, r.validation, cfg.requireClientCertificate);
      if (f) {
        done = true;
        this.counters[f.stat].inc();
        this.log(`peer certificate refused (${f.stat}): ${f.reason}`, socket);
        t.destroy();
        return;
      }
      done = true;
      const info = new TlsConnectionInfo(t);
      this.counters.handshake.inc();
      if (!t.getPeerX509Certificate()) this.counters.no_certificate.inc();
      if (t.isSessionReused()) this.counters.session_reused.inc();
      if (info.cipher) this.ctx.stats.counter(`${this.prefix}ciphers.${info.cipher}`).inc();
      if (info.version) this.ctx.stats.counter(`${this.prefix}versions.${info.version}`).inc();
      onReady({ socket: t, info, alpn: t.alpnProtocol || undefined });
    });
  }

  /** Releases the secret subscriptions (the chain was replaced or removed). */
  close(): void {
    this.source.close();
  }

  private fail(s: net.Socket, reason: string, raw: net.Socket = s): void {
    this.counters.connection_error.inc();
    this.log(reason, raw);
    s.destroy();
  }

  private log(reason: string, raw: net.Socket): void {
    this.ctx.log.debug(`TLS connection from ${raw.remoteAddress}:${raw.remotePort} closed on filter chain ${this.chainName}: ${reason}`);
  }
}
