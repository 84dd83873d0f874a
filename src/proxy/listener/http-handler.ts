// Hands accepted connections to the HTTP codec the connection manager wants:
// HTTP/1.1 (weft's codec), HTTP/2 (node:http2), or AUTO — decided by whether
// the first bytes are the HTTP/2 connection preface, or by TLS ALPN.
import type net from 'node:net';
import type { ConnectionInfo } from '../http/downstream.js';
import { H1Connection } from '../http/h1-connection.js';
import { H2Server } from '../http/h2-connection.js';
import type { HcmRuntime } from '../http/hcm-runtime.js';
import { isH2Preface } from './inspectors.js';

export class HttpHandler {
  private h2: H2Server | undefined;
  private readonly h1Conns = new Set<H1Connection>();
  private readonly infos = new WeakMap<net.Socket, ConnectionInfo>();

  constructor(readonly hcm: HcmRuntime) {}

  private h2Server(): H2Server {
    return (this.h2 ??= new H2Server(this.hcm, this.infos));
  }

  /** `alpn` is the negotiated TLS protocol, when there is TLS. */
  handle(socket: net.Socket, info: ConnectionInfo, alpn?: string): void {
    const codec = this.hcm.config.codecType;
    if (codec === 'HTTP2' || alpn === 'h2') return this.toH2(socket, info);
    if (codec === 'HTTP1' || alpn === 'http/1.1') return this.toH1(socket, info, undefined);
    // AUTO without ALPN: look at the first bytes.
    let buf: Buffer | undefined;
    const onData = (chunk: Buffer) => {
      buf = buf ? Buffer.concat([buf, chunk]) : chunk;
      const h2 = isH2Preface(buf);
      if (h2 === undefined) return;
      socket.removeListener('data', onData);
      socket.removeListener('close', onClose);
      if (h2) {
        socket.pause();
        socket.unshift(buf);
        this.toH2(socket, info);
        socket.resume();
      } else this.toH1(socket, info, buf);
    };
    const onClose = () => socket.removeListener('data', onData);
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.on('error', () => undefined);
  }

  private toH1(socket: net.Socket, info: ConnectionInfo, first: Buffer | undefined): void {
    const c = new H1Connection(socket, this.hcm, info, (x) => this.h1Conns.delete(x));
    this.h1Conns.add(c);
    if (first) c.feed(first);
  }

  private toH2(socket: net.Socket, info: ConnectionInfo): void {
    this.infos.set(socket, info);
    this.h2Server().handle(socket);
  }

  /** Asks every connection to close once its current request is done. */
  drain(): void {
    for (const c of this.h1Conns) c.drain();
    this.h2?.drain();
  }

  get activeConnections(): number {
    return this.h1Conns.size;
  }
}
