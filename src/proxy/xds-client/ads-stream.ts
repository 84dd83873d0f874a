// The transport under the xDS client: one gRPC bidirectional stream to the
// control plane (ADS, state-of-the-world or delta), reconnected with
// exponential back-off and jitter when it breaks.
import * as grpc from '@grpc/grpc-js';
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

export class AdsStream implements AdsTransport {
  private client: grpc.Client | undefined;
  private call: grpc.ClientDuplexStream<Buffer, Buffer> | undefined;
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
    this.call?.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }

  private connect(): void {
    if (this.stopped) return;
    const target = this.target();
    if (!target) {
      this.scheduleReconnect('no host in the xDS cluster');
      return;
    }
    if (!this.client) {
      this.client = new grpc.Client(target, grpc.credentials.createInsecure(), {
        'grpc.default_authority': this.authority,
        'grpc.keepalive_time_ms': 30_000,
        'grpc.keepalive_timeout_ms': 10_000,
        'grpc.max_receive_message_length': 64 * 1024 * 1024,
        'grpc.enable_retries': 0,
      });
    }
    const call = this.client.makeBidiStreamRequest<Buffer, Buffer>(this.method, (b) => b, (b) => b);
    this.call = call;
    let opened = false;
    let closed = false;
    const close = (reason: string) => {
      if (closed) return;
      closed = true;
      if (this.call === call) this.call = undefined;
      this.handlers.onClose(reason);
      this.scheduleReconnect(reason);
    };
    call.on('data', (b: Buffer) => {
      if (!opened) {
        opened = true;
        this.attempt = 0;
      }
      this.handlers.onMessage(b);
    });
    call.on('error', (e: grpc.ServiceError) => close(`${grpc.status[e.code] ?? e.code}: ${e.details}`));
    call.on('end', () => close('stream ended by the server'));
    call.on('status', () => undefined);
    this.handlers.onOpen();
  }

  private scheduleReconnect(reason: string): void {
    if (this.stopped || this.timer) return;
    this.attempt++;
    const ceiling = Math.min(RECONNECT.maxMs, RECONNECT.baseMs * 2 ** Math.min(this.attempt - 1, 16));
    const delay = Math.floor(this.random() * ceiling);
    this.log.warn(`xDS stream closed (${reason}); reconnecting in ${delay} ms`);
    this.timer = this.clock.setTimer(delay, () => {
      this.timer = undefined;
      // A new channel each time: the old one may be stuck on a dead address.
      this.client?.close();
      this.client = undefined;
      this.connect();
    });
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.call?.cancel();
    this.call = undefined;
    this.client?.close();
    this.client = undefined;
  }
}
