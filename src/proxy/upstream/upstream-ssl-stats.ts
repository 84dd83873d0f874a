// cluster.<name>.ssl.*: the upstream TLS stats, under Envoy's names
// (ssl.handshake, ssl.connection_error, ssl.fail_verify_*, ssl.session_reused,
// ssl.versions.<v>, ssl.ciphers.<c>).
import type tls from 'node:tls';
import type { Counter, StatsStore } from '../../stats/index.js';

export class UpstreamSslStats {
  readonly handshake: Counter;
  readonly connectionError: Counter;
  readonly sessionReused: Counter;
  private readonly byName = new Map<string, Counter>();

  /** @param prefix e.g. `cluster.backend.ssl.` */
  constructor(private readonly store: StatsStore, readonly prefix: string) {
    this.handshake = this.counter('handshake');
    this.connectionError = this.counter('connection_error');
    this.sessionReused = this.counter('session_reused');
    // Declared up front so they read 0 rather than absent, as Envoy's do.
    for (const n of ['fail_verify_san', 'fail_verify_error', 'fail_verify_no_cert', 'fail_verify_cert_hash', 'no_certificate']) this.counter(n);
  }

  /** A counter under ssl.<name>. */
  counter(name: string): Counter {
    let c = this.byName.get(name);
    if (!c) {
      c = this.store.counter(this.prefix + name);
      this.byName.set(name, c);
    }
    return c;
  }

  /** A completed handshake: ssl.handshake, session reuse, version and cipher. */
  onHandshake(sock: tls.TLSSocket): void {
    this.handshake.inc();
    if (sock.isSessionReused()) this.sessionReused.inc();
    const v = sock.getProtocol();
    if (v) this.counter(`versions.${v}`).inc();
    const c = sock.getCipher();
    if (c?.name) this.counter(`ciphers.${c.name}`).inc();
  }
}
