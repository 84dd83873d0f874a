// Hands accepted connections to the HTTP codec the connection manager wants:
// HTTP/1.1 (weft's codec), HTTP/2 (node:http2), or AUTO — decided by whether
// the first bytes are the HTTP/2 connection preface, or by TLS ALPN.
import type net from 'node:net';
import { Duplex } from 'node:stream';
import type { ConnectionInfo } from '../http/downstream.js';
import { H1Connection } from '../http/h1-connection.js';
import { H2Server } from '../http/h2-connection.js';
import type { ConnectionManager } from '../http/stream.js';
import { DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from '../http/connection-limits.js';
import { isH2Preface } from './inspectors.js';

export class HttpHandler {
  private h2: H2Server | undefined;
  private readonly h1Conns = new Set<H1Connection>();

  constructor(readonly hcm: ConnectionManager, private readonly limits: ConnectionLimits = DEFAULT_CONNECTION_LIMITS) {}

  private h2Server(): H2Server {
    return (this.h2 ??= new H2Server(this.hcm, this.limits));
  }

  /**
   * Takes an accepted socket. `peeked` are bytes a listener filter already
   * read (the socket is paused then); `alpn` is the negotiated TLS protocol.
   */
  handle(socket: net.Socket, peeked: Buffer | undefined, info: ConnectionInfo, alpn?: string): void {
    const codec = this.hcm.config.codecType;
    // codec_type AUTO follows TLS ALPN when one was negotiated (Envoy); HTTP1/HTTP2 are fixed.
    if (codec === 'HTTP2' || (codec === 'AUTO' && alpn === 'h2')) return this.toH2(socket, info, peeked);
    if (codec === 'HTTP1' || (codec === 'AUTO' && alpn !== undefined)) return this.toH1(socket, info, peeked);
    // AUTO without ALPN: look at the first bytes.
    let buf = peeked;
    const decide = (): boolean => {
      if (!buf) return false;
      const h2 = isH2Preface(buf);
      if (h2 === undefined) return false;
      socket.removeListener('data', onData);
      socket.removeListener('close', onClose);
      socket.removeListener('end', onEnd);
      timer?.cancel();
      if (h2) this.toH2(socket, info, buf);
      else this.toH1(socket, info, buf);
      return true;
    };
    const onData = (chunk: Buffer) => {
      buf = buf ? Buffer.concat([buf, chunk]) : chunk;
      decide();
    };
    // A connection that sends nothing is closed after the request headers timeout (or idle timeout).
    const cfg = this.hcm.config;
    const waitMs = cfg.requestHeadersTimeoutMs > 0 ? cfg.requestHeadersTimeoutMs : cfg.idleTimeoutMs;
    let timer: { cancel(): void } | undefined;
    const onClose = () => {
      timer?.cancel();
      socket.removeListener('data', onData);
      socket.removeListener('end', onEnd);
    };
    // The peer closed (or half-closed) before the bytes that decide the codec:
    // none will come, so the connection ends with it (sockets are half-open capable).
    const onEnd = () => socket.destroy();
    socket.on('error', () => undefined);
    if (decide()) return;
    if (waitMs > 0) timer = this.hcm.clock.setTimer(waitMs, () => socket.destroy());
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.once('end', onEnd);
    socket.resume();
  }

  private toH1(socket: net.Socket, info: ConnectionInfo, first: Buffer | undefined): void {
    const c = new H1Connection(socket, this.hcm, info, (x) => this.h1Conns.delete(x), this.limits);
    this.h1Conns.add(c);
    if (first) c.feed(first);
    socket.resume();
  }

  /**
   * node:http2 reads the socket's handle directly; bytes already read (the
   * preface the codec was chosen by) go back with unshift(), and node:http2
   * feeds what is buffered on the socket to the session before reading the
   * handle (Node ≥ 14.13). The session then runs on the native handle: a JS
   * Duplex in between costs a JS write and a syscall per frame. A socket
   * without a native handle still goes through the replaying Duplex.
   */
  private toH2(socket: net.Socket, info: ConnectionInfo, first: Buffer | undefined): void {
    // Listener sockets are half-open capable (tcp_proxy needs it); over TLS,
    // node:http2 then never closes a session whose peer is gone: the peer's
    // end is the end of the connection for HTTP/2.
    // The same holds for h2c on the native handle (the replaying Duplex below ends itself).
    if (info.tls || (socket as { _handle?: unknown })._handle) socket.once('end', () => socket.end());
    if (first && first.length && !(socket as { _handle?: unknown })._handle) {
      this.h2Server().handle(replayingSocket(socket, first), info);
      socket.resume();
      return;
    }
    if (first && first.length) {
      // Paused, and not resumed: a flowing socket would hand the bytes to 'data' (nobody) before the session reads them.
      socket.pause();
      socket.unshift(first);
      this.h2Server().handle(socket, info);
      return;
    }
    this.h2Server().handle(socket, info);
    socket.resume();
  }

  /**
   * Asks every connection to close once its current request is done; idle
   * HTTP/1 connections close now unless `closeIdle` is false (the first,
   * gentle step of a listener update: clients stop reusing them on their own).
   */
  drain(closeIdle = true): void {
    for (const c of this.h1Conns) c.drain(closeIdle);
    if (!this.h2Drained) this.h2?.drain();
    this.h2Drained = true;
  }

  private h2Drained = false;

  get activeConnections(): number {
    return this.h1Conns.size;
  }
}

/** A Duplex over `socket` whose readable side starts with `head`. */
function replayingSocket(socket: net.Socket, head: Buffer): Duplex {
  const d = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      socket.write(chunk, cb);
    },
    final(cb) {
      socket.end();
      cb();
    },
    destroy(err, cb) {
      socket.destroy(err ?? undefined);
      cb(err);
    },
  });
  // node:http2 destroys its socket with the session's error (e.g. a fatal
  // protocol error): handled here, or it would be thrown as uncaught.
  d.on('error', () => undefined);
  d.push(head);
  socket.on('data', (c: Buffer) => {
    if (!d.push(c)) socket.pause();
  });
  socket.on('end', () => d.push(null));
  socket.on('close', () => d.destroy());
  socket.on('error', (e) => d.destroy(e));
  for (const k of ['remoteAddress', 'remotePort', 'remoteFamily', 'localAddress', 'localPort'] as const) {
    Object.defineProperty(d, k, { get: () => socket[k] });
  }
  return d;
}
