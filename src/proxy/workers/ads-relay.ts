// One ADS stream per proxy, as Envoy has (its main thread owns xDS and posts
// config to the workers): with `--concurrency N` the primary process holds
// the gRPC stream and every worker's xDS client talks to it through IPC.
//
// - Every response goes to every worker; each decodes, validates and applies
//   it with the same code as a single-process proxy (config is the same in
//   every worker because the bytes are).
// - Only the leader's requests (the lowest live worker slot) go to the
//   control plane: the workers run the same code on the same bytes, so their
//   requests (subscriptions, ACKs, NACKs) are the same; one copy is sent.
// - The stream opens once every worker asked for it, so none misses the
//   first responses. A worker that starts later (a restart after a crash)
//   has no config: the primary reopens the stream and strips the versions
//   from the first request per type (SotW version_info, delta
//   initial_resource_versions), so the control plane sends everything again.
import { decodeBinary, encodeBinary } from '../../xds/codec.js';
import type { Clock } from '../../common/clock.js';
import type { Logger } from '../../common/log.js';
import { ADS_DELTA_METHOD, AdsStream, type AdsStreamHandlers, type AdsTransport, type AdsTransportFactory } from '../xds-client/ads-stream.js';
import type { PrimaryMessage, WorkerMessage } from './protocol.js';

const REQ = 'envoy.service.discovery.v3.DiscoveryRequest';
const DREQ = 'envoy.service.discovery.v3.DeltaDiscoveryRequest';

/** The primary's side: the real stream and the fan-out. */
export class AdsRelayPrimary {
  private stream: AdsStream | undefined;
  private method = '';
  private authority = '';
  private target: string | undefined;
  /** Worker slots whose xDS client asked for the stream. */
  private readonly started = new Set<number>();
  /** Type URLs already requested on the current stream (the first request of each is sent without versions). */
  private sentTypes = new Set<string>();
  private open = false;
  private stopped = false;
  /** Streams opened (the first, and one per resync), for tests and /weft/workers. */
  streamsOpened = 0;

  constructor(
    private readonly slots: () => readonly number[],
    private readonly send: (slot: number, m: PrimaryMessage) => void,
    private readonly clock: Clock,
    private readonly random: () => number,
    private readonly log: Logger,
  ) {}

  private leader(): number | undefined {
    let min: number | undefined;
    for (const s of this.started) if (min === undefined || s < min) min = s;
    return min;
  }

  onMessage(slot: number, m: WorkerMessage): void {
    if (this.stopped) return;
    if (m.t === 'ads-start') {
      this.method = m.method;
      this.authority = m.authority;
      if (m.target !== undefined) this.target = m.target;
      const joining = !this.started.has(slot);
      this.started.add(slot);
      if (!this.stream) {
        if (this.slots().every((s) => this.started.has(s))) this.openStream();
      } else if (joining) {
        this.log.info(`worker ${slot} joined: reopening the xDS stream so it receives the whole config`);
        this.resync();
      } else if (this.open) this.send(slot, { t: 'ads-opened' });
      return;
    }
    if (m.t === 'ads-send') {
      if (slot !== this.leader() || !this.stream?.connected) return;
      this.stream.send(this.firstWithoutVersions(Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength)));
    }
  }

  /**
   * A worker exited: it no longer leads or receives. When it led, the ACKs
   * and NACKs of the others for responses it had not answered yet were
   * dropped, and a control plane that waits for the answer before its next
   * response would stall: the stream is reopened so the new leader's
   * requests go out.
   */
  workerGone(slot: number): void {
    const led = slot === this.leader();
    this.started.delete(slot);
    if (!led || this.stopped || !this.stream || this.started.size === 0) return;
    this.log.info(`worker ${slot} led the xDS stream and exited: reopening it for worker ${this.leader()}`);
    this.resync();
  }

  private openStream(): void {
    this.sentTypes = new Set();
    this.streamsOpened++;
    // A stopped stream still reports its cancellation later: only the current stream's events count.
    const current = () => this.stream === stream;
    const handlers: AdsStreamHandlers = {
      onOpen: () => {
        if (!current()) return;
        this.open = true;
        this.sentTypes = new Set();
        this.broadcast({ t: 'ads-opened' });
      },
      onMessage: (b) => {
        if (current()) this.broadcast({ t: 'ads-msg', bytes: b });
      },
      onClose: (reason) => {
        if (!current()) return;
        this.open = false;
        this.broadcast({ t: 'ads-closed', reason });
      },
    };
    const stream: AdsStream = new AdsStream(() => this.target, this.method, this.authority, handlers, this.clock, this.random, this.log);
    this.stream = stream;
    stream.start();
  }

  private resync(): void {
    this.stream?.stop();
    this.stream = undefined;
    if (this.open) {
      this.open = false;
      this.broadcast({ t: 'ads-closed', reason: 'a worker joined; resynchronising' });
    }
    this.openStream();
  }

  private broadcast(m: PrimaryMessage): void {
    for (const s of this.started) this.send(s, m);
  }

  private firstWithoutVersions(bytes: Buffer): Uint8Array {
    const delta = this.method === ADS_DELTA_METHOD;
    const req = decodeBinary(delta ? DREQ : REQ, bytes) as { type_url?: string; version_info?: string; initial_resource_versions?: Record<string, string> };
    const type = req.type_url ?? '';
    if (this.sentTypes.has(type)) return bytes;
    this.sentTypes.add(type);
    if (delta) {
      if (!req.initial_resource_versions || Object.keys(req.initial_resource_versions).length === 0) return bytes;
      delete req.initial_resource_versions;
    } else {
      if (!req.version_info) return bytes;
      delete req.version_info;
    }
    return encodeBinary(delta ? DREQ : REQ, req);
  }

  stop(): void {
    this.stopped = true;
    this.stream?.stop();
    this.stream = undefined;
  }
}

/** The worker's side: an AdsTransport over IPC for the worker's xDS client. */
export class AdsRelayWorker {
  private handlers: AdsStreamHandlers | undefined;
  private transport: RelayTransport | undefined;

  constructor(private readonly post: (m: WorkerMessage) => void, private readonly clock: Clock) {}

  readonly factory: AdsTransportFactory = (target, method, authority, handlers) => {
    this.handlers = handlers;
    this.transport = new RelayTransport(target, method, authority, this.post, this.clock);
    return this.transport;
  };

  onMessage(m: PrimaryMessage): void {
    const t = this.transport;
    if (!t || !this.handlers || t.stopped) return;
    if (m.t === 'ads-opened') {
      if (t.connected) return;
      t.connected = true;
      this.handlers.onOpen();
    } else if (m.t === 'ads-msg') {
      this.handlers.onMessage(Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength));
    } else if (m.t === 'ads-closed') {
      if (!t.connected) return;
      t.connected = false;
      this.handlers.onClose(m.reason);
    }
  }
}

class RelayTransport implements AdsTransport {
  connected = false;
  stopped = false;
  private timer: { cancel(): void } | undefined;

  constructor(
    private readonly target: () => string | undefined,
    private readonly method: string,
    private readonly authority: string,
    private readonly post: (m: WorkerMessage) => void,
    private readonly clock: Clock,
  ) {}

  start(): void {
    if (this.stopped) return;
    const target = this.target();
    this.post({ t: 'ads-start', method: this.method, authority: this.authority, target });
    // A DNS xDS cluster may not have resolved yet: tell the primary again once it has.
    if (target === undefined) this.timer = this.clock.setTimer(200, () => this.start());
  }

  send(bytes: Uint8Array): void {
    if (this.connected && !this.stopped) this.post({ t: 'ads-send', bytes });
  }

  stop(): void {
    this.stopped = true;
    this.connected = false;
    this.timer?.cancel();
  }
}
