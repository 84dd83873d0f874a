// The transport under the xDS client: one gRPC bidirectional stream to the
// control plane (ADS, state-of-the-world or delta), reconnected with
// exponential back-off and jitter when it breaks.
//
// gRPC here is a small client on node:http2, not @grpc/grpc-js: every
// xDS-fed sidecar opens this stream (and SDS/HDS open it too), and loading
// grpc-js costs about 13 MiB of RSS for one bidirectional stream of opaque
// bytes. What this client does of gRPC: length-prefixed messages (never
// compressed), `grpc-status`/`grpc-message` from the trailers (or a
// trailers-only response), HTTP/2 PINGs as keepalive (30 s, 10 s timeout),
// a 64 MiB cap on a received message. Targets as grpc-js takes them:
// `host:port`, `[v6]:port`, `unix:<path>`, `unix-abstract:<name>`.
import http2 from 'node:http2';
import net from 'node:net';
import type { Clock } from '../../common/clock.js';
import type { Logger } from '../../common/log.js';

export const ADS_SOTW_METHOD = '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources';
export const ADS_DELTA_METHOD = '/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources';

/** Reconnect back-off: Envoy's defaults for the xDS gRPC stream (base 500 ms, max 30 s), full jitter. */
export const RECONNECT = { baseMs: 500, maxMs: 30_000 };

export interface AdsStreamHandlers {
  /** A stream is open; send the initial requests now. */
  onOpen(): void;
  onMessage(bytes: Buffer): void;
  /** The stream closed; a reconnect is scheduled. */
  onClose(reason: string): void;
}

/** What the xDS client needs of its stream; AdsStream is the gRPC one, workers/ has one relayed by the primary process. */
export interface AdsTransport {
  start(): void;
  stop(): void;
  send(bytes: Uint8Array): void;
  readonly connected: boolean;
}

/** Makes the ADS transport for the xDS client (the default: `new AdsStream(...)`). */
export type AdsTransportFactory = (target: () => string | undefined, method: string, authority: string, handlers: AdsStreamHandlers) => AdsTransport;

/** gRPC status names by code, for close reasons (`UNAVAILABLE: ...`, as grpc-js prints them). */
const GRPC_STATUS = ['OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED'];
const KEEPALIVE_MS = 30_000;
const KEEPALIVE_TIMEOUT_MS = 10_000;
const MAX_RECEIVE_BYTES = 64 * 1024 * 1024;
/** How long a stopped stream's connection stays open for the server's own GOAWAY. */
const STOP_LINGER_MS = 2_000;

/** How to reach a gRPC target: the URL authority for node:http2 and, for pipes, the socket to dial. */
function dialFor(target: string): { url: string; connect?: () => net.Socket } {
  if (target.startsWith('unix-abstract:')) {
    const name = target.slice('unix-abstract:'.length);
    return { url: 'http://localhost', connect: () => net.connect({ path: `\0${name}` }) };
  }
  if (target.startsWith('unix:')) {
    const file = target.slice('unix:'.length).replace(/^\/\/(?=\/)/, '');
    return { url: 'http://localhost', connect: () => net.connect({ path: file }) };
  }
  return { url: `http://${target}` };
}

/** Splits gRPC length-prefixed messages out of a DATA stream. */
class MessageReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /** Appends bytes; returns the complete messages, or an error text for a malformed or oversized frame. */
  push(b: Buffer): Buffer[] | string {
    this.chunks.push(b);
    this.buffered += b.length;
    const out: Buffer[] = [];
    while (this.buffered >= 5) {
      const head = this.chunks[0]!.length >= 5 ? this.chunks[0]! : Buffer.concat(this.chunks);
      if (head !== this.chunks[0]) this.chunks = [head];
      if (head[0] !== 0) return 'compressed message received (no grpc-encoding was offered)';
      const len = head.readUInt32BE(1);
      if (len > MAX_RECEIVE_BYTES) return `received message larger than max (${len} vs. ${MAX_RECEIVE_BYTES})`;
      if (this.buffered < 5 + len) break;
      const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
      out.push(all.subarray(5, 5 + len));
      const rest = all.subarray(5 + len);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
    }
    return out;
  }
}

export class AdsStream implements AdsTransport {
  private session: http2.ClientHttp2Session | undefined;
  private call: http2.ClientHttp2Stream | undefined;
  private keepalive: { cancel(): void } | undefined;
  private attempt = 0;
  private timer: { cancel(): void } | undefined;
  private stopped = false;

  constructor(
    private readonly target: () => string | undefined,
    private readonly method: string,
    private readonly authority: string,
    private readonly handlers: AdsStreamHandlers,
    private readonly clock: Clock,
    private readonly random: () => number,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.connect();
  }

  get connected(): boolean {
    return this.call !== undefined;
  }

  send(bytes: Uint8Array): void {
    const call = this.call;
    if (!call || call.destroyed) return;
    const head = Buffer.allocUnsafe(5);
    head[0] = 0;
    head.writeUInt32BE(bytes.byteLength, 1);
    call.cork();
    call.write(head);
    call.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    call.uncork();
  }

  private connect(): void {
    if (this.stopped) return;
    const target = this.target();
    if (!target) {
      this.scheduleReconnect('no host in the xDS cluster');
      return;
    }
    let closed = false;
    const close = (reason: string) => {
      if (closed) return;
      closed = true;
      if (this.call === call) this.call = undefined;
      this.handlers.onClose(reason);
      this.scheduleReconnect(reason);
    };
    if (!this.session || this.session.destroyed || this.session.closed) {
      const dial = dialFor(target);
      const session = http2.connect(dial.url, dial.connect ? { createConnection: dial.connect } : {});
      session.on('error', (e: Error) => {
        if (this.session === session) this.closeSession();
        close(`UNAVAILABLE: ${e.message}`);
      });
      session.on('goaway', () => {
        if (this.session === session) this.session = undefined;
      });
      session.on('close', () => {
        if (this.session === session) this.closeSession();
        close('UNAVAILABLE: connection closed');
      });
      this.session = session;
      this.armKeepalive(session);
    }
    const call = this.session.request(
      {
        ':method': 'POST',
        ':path': this.method,
        // An empty authority would be a malformed request: the target's, as grpc-js defaults it.
        ':authority': this.authority || (target.startsWith('unix') ? 'localhost' : target),
        'content-type': 'application/grpc',
        te: 'trailers',
        'user-agent': 'weft-grpc',
      },
      { endStream: false },
    );
    this.call = call;
    const reader = new MessageReader();
    let opened = false;
    let status: string | undefined;
    const statusOf = (h: http2.IncomingHttpHeaders): void => {
      const code = h['grpc-status'];
      if (code === undefined) return;
      const n = Number(code);
      const raw = h['grpc-message'];
      let message = typeof raw === 'string' ? raw : '';
      try {
        message = decodeURIComponent(message);
      } catch {
        // a malformed percent-encoding: keep the text as sent
      }
      status = n === 0 ? '' : `${GRPC_STATUS[n] ?? n}: ${message}`;
    };
    call.on('response', (h) => {
      const httpStatus = Number(h[':status']);
      if (httpStatus !== 200) status = `UNAVAILABLE: HTTP status ${httpStatus}`;
      else statusOf(h); // trailers-only response
    });
    call.on('trailers', (h) => statusOf(h));
    call.on('data', (b: Buffer) => {
      const msgs = reader.push(b);
      if (typeof msgs === 'string') {
        call.close(http2.constants.NGHTTP2_CANCEL);
        close(`RESOURCE_EXHAUSTED: ${msgs}`);
        return;
      }
      for (const m of msgs) {
        if (closed) return;
        if (!opened) {
          opened = true;
          this.attempt = 0;
        }
        this.handlers.onMessage(m);
      }
    });
    // The server's status ends the call: once the trailers (or a trailers-only
    // response) arrived and every message before them was read.
    const finish = () => {
      if (status === undefined) close(call.rstCode ? `UNAVAILABLE: stream reset (code ${call.rstCode})` : 'UNAVAILABLE: stream closed without a status');
      else if (status === '') close('stream ended by the server');
      else close(status);
      if (!call.destroyed) call.close(http2.constants.NGHTTP2_NO_ERROR);
    };
    call.on('end', finish);
    call.on('close', finish);
    call.on('error', (e: Error) => close(`UNAVAILABLE: ${e.message}`));
    this.handlers.onOpen();
  }

  /**
   * HTTP/2 PING every KEEPALIVE_MS; no answer within KEEPALIVE_TIMEOUT_MS drops
   * the connection (the stream reconnects). Real timers, not the injected
   * clock: this is the transport's liveness, measured in wall time as grpc-js
   * does (a test's clock jumping an hour must not time out a live peer).
   */
  private armKeepalive(session: http2.ClientHttp2Session): void {
    this.keepalive?.cancel();
    let timer: NodeJS.Timeout | undefined;
    const tick = () => {
      timer = setTimeout(() => {
        if (this.session !== session || session.destroyed) return;
        const deadline = setTimeout(() => {
          if (!session.destroyed) session.destroy(new Error('keepalive timeout'));
        }, KEEPALIVE_TIMEOUT_MS).unref();
        const sent = session.ping((err) => {
          clearTimeout(deadline);
          if (!err) tick();
        });
        if (!sent) {
          clearTimeout(deadline);
          tick();
        }
      }, KEEPALIVE_MS).unref();
    };
    tick();
    this.keepalive = { cancel: () => clearTimeout(timer) };
  }

  private closeSession(): void {
    this.keepalive?.cancel();
    this.keepalive = undefined;
    const s = this.session;
    this.session = undefined;
    if (s && !s.destroyed) s.destroy();
  }

  private scheduleReconnect(reason: string): void {
    if (this.stopped || this.timer) return;
    this.attempt++;
    const ceiling = Math.min(RECONNECT.maxMs, RECONNECT.baseMs * 2 ** Math.min(this.attempt - 1, 16));
    const delay = Math.floor(this.random() * ceiling);
    this.log.warn(`xDS stream closed (${reason}); reconnecting in ${delay} ms`);
    this.timer = this.clock.setTimer(delay, () => {
      this.timer = undefined;
      // A new connection each time: the old one may be stuck on a dead address.
      this.closeSession();
      this.connect();
    });
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    const call = this.call;
    this.call = undefined;
    if (call && !call.destroyed) call.close(http2.constants.NGHTTP2_CANCEL);
    // The connection is left to the server for a moment (unreferenced, so it
    // holds no process open): a server shutting down at the same time sends
    // its GOAWAY to a live peer, which grpc-js's server needs to finish its
    // own shutdown (closing first makes its tryShutdown wait for a session
    // that is already closing). Then it is destroyed.
    this.keepalive?.cancel();
    this.keepalive = undefined;
    const s = this.session;
    this.session = undefined;
    if (s && !s.destroyed) {
      s.unref();
      setTimeout(() => s.destroy(), STOP_LINGER_MS).unref();
    }
  }
}
