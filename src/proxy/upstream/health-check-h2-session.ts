// One lazily opened, reusable h2c session to a host, for the HTTP/2 and gRPC
// health checkers. The session never keeps the process alive.
import http2 from 'node:http2';
import { formatAddr } from '../config/address.js';
import { probeConnect, type ProbeTarget } from './health-check-probe.js';

export class HcH2Session {
  private session: http2.ClientHttp2Session | undefined;

  constructor(private readonly target: ProbeTarget) {}

  /** The open session, or a new one. Errors surface on the streams opened on it. */
  get(): http2.ClientHttp2Session {
    const s = this.session;
    if (s && !s.closed && !s.destroyed) return s;
    const tls = this.target.transport?.tls !== undefined;
    // Over TLS the session waits for the handshake (and the server check) of the seam's socket.
    const next = http2.connect(`${tls ? 'https' : 'http'}://${formatAddr(this.target.address, this.target.port)}`, {
      createConnection: () => probeConnect(this.target, ['h2']),
    });
    next.unref();
    // Stream errors report the failure; the session's own error only retires it.
    next.on('error', () => {
      if (this.session === next) this.session = undefined;
    });
    next.on('goaway', () => {
      if (this.session === next) this.session = undefined;
    });
    next.on('close', () => {
      if (this.session === next) this.session = undefined;
    });
    this.session = next;
    return next;
  }

  /** Drops the session (timeout, reuse_connection false, or close). */
  close(): void {
    const s = this.session;
    this.session = undefined;
    s?.destroy();
  }
}
