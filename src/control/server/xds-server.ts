// weft's xDS server: ADS and the per-type discovery services (SotW and
// delta) plus HDS, on one gRPC port. It only speaks the protocol; config
// comes from the SnapshotCache the owner fills. See docs/architecture/xds-server.md.
import * as grpc from '@grpc/grpc-js';
import { systemClock, type Clock } from '../../common/clock.js';
import type { Logger } from '../../common/log.js';
import type { SnapshotCache } from '../cache/snapshot-cache.js';
import { XDS_SERVER_DEFAULTS } from './defaults.js';
import { DeltaStream } from './delta-stream.js';
import { HdsService, type EndpointHealth, type HealthCheckSpecifier, type HealthReportCallback } from './hds-service.js';
import { newCounters, type ProxyStatus, type XdsCounters } from './push-status.js';
import { NameSetInterner } from './name-set.js';
import { SharedResponses } from './shared-responses.js';
import { PushQueue } from './push-queue.js';
import { PilotStats } from './pilot-stats.js';
import type { StatsStore } from '../../stats/index.js';
import {
  DISCOVERY_SERVICES, discoveryServiceDefinition, hdsServiceDefinition, HDS_STREAM_METHOD,
  type DeltaDiscoveryRequest, type DiscoveryRequest, type DiscoveryServiceSpec, type HdsRequest,
} from './service-definitions.js';
import { SotwStream } from './sotw-stream.js';
import { decodeSotwRequest } from './sotw-request.js';
import { listenShared, type SharedListener, type TakenMethod, type TakenStream } from './h2-discovery.js';
import { decodeBinary } from '../../xds/codec.js';
import type { StreamHost, StreamTransport, XdsServerCallbacks } from './stream-host.js';
import { GRPC_INTERNAL, type XdsStream } from './xds-stream.js';

export type XdsServerLimits = { -readonly [K in keyof typeof XDS_SERVER_DEFAULTS]: number };

export interface XdsServerOptions {
  /** Where snapshots come from; its nodeHash picks each proxy's group. */
  cache: SnapshotCache;
  clock?: Clock;
  callbacks?: XdsServerCallbacks;
  /** HDS reports, as they arrive. */
  onHealthReport?: HealthReportCallback;
  /** Overrides of XDS_SERVER_DEFAULTS. */
  limits?: Partial<XdsServerLimits>;
  /** Extra grpc-js server options (they win over the ones derived from limits). */
  grpcOptions?: grpc.ServerOptions;
  log?: Logger;
  /** Where istiod's pilot_* metrics go (pilot-stats.ts); none are kept when unset. */
  stats?: StatsStore;
}

type AnyStream = XdsStream<unknown> & { handle(req: unknown): void };

const DELTA_REQUEST_TYPE = 'envoy.service.discovery.v3.DeltaDiscoveryRequest';

export class XdsServer {
  /** The gRPC server; other services (e.g. the CA) may be added to it before listen(). */
  readonly grpc: grpc.Server;
  readonly cache: SnapshotCache;
  private readonly limits: XdsServerLimits;
  private readonly counterValues = newCounters();
  private readonly streams = new Set<AnyStream>();
  private readonly queue: PushQueue;
  private readonly hds: HdsService;
  private readonly host: StreamHost;
  private bytesInFlight = 0;
  private nonceSeq = 0;
  private readonly names = new NameSetInterner();
  private closing = false;
  /** The listening socket when the discovery services are served on node:http2 (h2-discovery.ts). */
  private listener: SharedListener | undefined;
  private pushStart: number | undefined;
  /** istiod's pilot_* metrics, when constructed with a stats store. */
  readonly stats: PilotStats | undefined;

  constructor(options: XdsServerOptions) {
    this.cache = options.cache;
    this.limits = { ...XDS_SERVER_DEFAULTS, ...options.limits };
    const clock = options.clock ?? systemClock;
    const limits = this.limits;
    this.stats = options.stats ? new PilotStats(options.stats) : undefined;
    this.queue = new PushQueue(limits.pushBatchSize, () => this.bytesInFlight > limits.maxBytesInFlight);
    this.host = {
      cache: this.cache,
      clock,
      counters: this.counterValues,
      callbacks: options.callbacks ?? {},
      log: options.log,
      nextSeq: () => ++this.nonceSeq,
      sharedResponses: new SharedResponses(() => ++this.nonceSeq),
      overBudget: () => this.bytesInFlight > limits.maxBytesInFlight,
      reserve: (n) => {
        this.bytesInFlight += n;
      },
      release: (n) => {
        this.bytesInFlight -= n;
        if (this.bytesInFlight <= limits.maxBytesInFlight) this.queue.drained();
      },
      schedule: (s) => this.queue.add(s as AnyStream),
      internNames: (names) => this.names.intern(names),
      internRequestNames: (raw) => this.names.internRaw(raw),
      stats: this.stats,
      pushStartedAt: () => this.pushStart,
    };
    this.hds = new HdsService(this.cache.nodeHash, clock, options.onHealthReport, options.log);
    this.grpc = new grpc.Server({
      'grpc.keepalive_time_ms': limits.keepaliveTimeMs,
      'grpc.keepalive_timeout_ms': limits.keepaliveTimeoutMs,
      'grpc.http2.min_ping_interval_without_data_ms': limits.minPingIntervalMs,
      'grpc.keepalive_permit_without_calls': 1,
      ...(limits.maxConnectionAgeMs > 0 ? {
        'grpc.max_connection_age_ms': limits.maxConnectionAgeMs,
        'grpc.max_connection_age_grace_ms': limits.maxConnectionAgeGraceMs,
      } : {}),
      'grpc.max_receive_message_length': limits.maxReceiveMessageBytes,
      'grpc.max_send_message_length': -1,
      ...options.grpcOptions,
    });
    for (const spec of DISCOVERY_SERVICES) {
      this.grpc.addService(discoveryServiceDefinition(spec), {
        [spec.sotwMethod]: (call: grpc.ServerDuplexStream<DiscoveryRequest, Buffer>) => this.accept(call, new SotwStream(this.host, transportOf(call), spec, 'sotw')),
        [spec.deltaMethod]: (call: grpc.ServerDuplexStream<DeltaDiscoveryRequest, Buffer>) => this.accept(call, new DeltaStream(this.host, transportOf(call), spec, 'delta')),
      });
    }
    this.grpc.addService(hdsServiceDefinition(), {
      [HDS_STREAM_METHOD]: (call: grpc.ServerDuplexStream<HdsRequest, Buffer>) => this.hds.handle(call),
    });
  }

  /**
   * Binds `address` (default: loopback, a free port) and returns the port
   * bound. The discovery services are served on node:http2 directly
   * (h2-discovery.ts) unless limits.nativeDiscovery is 0 or the address is
   * not host:port; grpc-js serves the rest of the port.
   */
  async listen(address = '127.0.0.1:0', credentials: grpc.ServerCredentials = grpc.ServerCredentials.createInsecure()): Promise<number> {
    if (this.limits.nativeDiscovery) {
      const shared = await listenShared(this.grpc, address, credentials, this.nativeMethods(), this.limits.maxReceiveMessageBytes);
      if (shared) {
        this.listener = shared;
        return shared.port;
      }
    }
    return new Promise((resolve, reject) => {
      this.grpc.bindAsync(address, credentials, (err, port) => (err ? reject(err) : resolve(port)));
    });
  }

  private nativeMethods(): Map<string, TakenMethod> {
    const methods = new Map<string, TakenMethod>();
    for (const spec of DISCOVERY_SERVICES) {
      methods.set(`/${spec.service}/${spec.sotwMethod}`, {
        decode: decodeSotwRequest,
        open: (t) => this.open(new SotwStream(this.host, t, spec, 'sotw'), t),
      });
      methods.set(`/${spec.service}/${spec.deltaMethod}`, {
        // The generic codec may keep views of bytes fields: decode from a copy (the reader's buffer is reused).
        decode: (b) => decodeBinary(DELTA_REQUEST_TYPE, Buffer.from(b)),
        open: (t) => this.open(new DeltaStream(this.host, t, spec, 'delta'), t),
      });
    }
    return methods;
  }

  /** grpc-js path: wires a call's events to the stream. */
  private accept(call: grpc.ServerDuplexStream<unknown, Buffer>, stream: XdsStream<unknown>): void {
    const t = this.open(stream, { end: () => call.end() });
    call.on('data', (req: unknown) => t.message(req));
    call.on('end', () => t.end());
    call.on('error', () => t.gone());
    call.on('cancelled', () => t.gone());
    call.on('close', () => t.gone());
  }

  /** Registers a new stream; returns what its transport calls on messages, half-close and loss. */
  private open(stream: XdsStream<unknown>, transport: Pick<StreamTransport, 'end'>): TakenStream {
    const s = stream as AnyStream;
    let gone = false;
    const done = (): void => {
      if (gone) return;
      gone = true;
      this.streams.delete(s);
      this.counterValues.streamsClosed++;
      this.counterValues.activeStreams--;
      s.close();
    };
    if (this.closing) {
      gone = true;
      transport.end();
      return { message: () => {}, end: () => {}, gone: () => {}, rejected: () => {} };
    }
    this.streams.add(s);
    this.counterValues.streamsOpened++;
    this.counterValues.activeStreams++;
    return {
      message: (req: unknown) => {
        if (gone) return;
        try {
          s.handle(req);
        } catch (e) {
          this.host.log?.error(`xDS stream ${s.id}: ${(e as Error).stack ?? e}`);
          s.fail(GRPC_INTERNAL, `internal error: ${(e as Error).message}`);
          done();
        }
      },
      end: () => {
        done();
        transport.end();
      },
      gone: done,
      rejected: (code, reason) => {
        this.counterValues.requestErrors++;
        this.host.log?.warn(`xDS stream ${s.id} (${s.node?.id ?? 'no node yet'}): request rejected (gRPC status ${code}): ${reason}`);
      },
    };
  }

  /**
   * Runs `build` (which sets snapshots in the cache) as one push: streams it
   * changes count pilot_proxy_convergence_time from now (or `at`, monotonic
   * ms of the server's clock), so translation time is included, as istiod
   * counts from the push request.
   */
  asPush<T>(build: () => T, at?: number): T {
    const outer = this.pushStart;
    this.pushStart = at ?? this.host.clock.now();
    try {
      return build();
    } finally {
      this.pushStart = outer;
    }
  }

  /** Status of every connected proxy stream, for `weft status`, /debug/syncz and the dashboard. */
  status(): ProxyStatus[] {
    return [...this.streams].filter((s) => s.node).map((s) => s.status());
  }

  /** A copy of the server's counters. */
  counters(): XdsCounters {
    return { ...this.counterValues };
  }

  /** Streams waiting in the push queue (for tests and the debug page). */
  get queuedPushes(): number {
    return this.queue.size;
  }

  /** Sets the endpoints proxies of `group` health-check (HDS) and pushes it to those connected. */
  setHealthCheckSpecifier(group: string, spec: HealthCheckSpecifier): void {
    this.hds.setSpecifier(group, spec);
  }

  /** The last HDS-reported health of `address` ("host:port") in `cluster`. */
  healthOf(cluster: string, address: string): EndpointHealth | undefined {
    return this.hds.healthOf(cluster, address);
  }

  /**
   * Ends every stream with OK (proxies reconnect, to another replica if
   * there is one), then shuts the gRPC server down, forcing it after
   * closeGraceMs.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.queue.clear();
    for (const s of [...this.streams]) s.end();
    this.streams.clear();
    this.hds.close();
    const listenerClosed = this.listener?.close();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.grpc.forceShutdown();
        resolve();
      }, this.limits.closeGraceMs);
      timer.unref();
      this.grpc.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    if (this.listener) {
      this.listener.destroySockets();
      await listenerClosed;
    }
  }
}

function transportOf(call: grpc.ServerDuplexStream<unknown, Buffer>): StreamTransport {
  return {
    write: (bytes, done) => {
      call.write(bytes, done);
    },
    end: () => call.end(),
    fail: (code, message) => {
      call.emit('error', Object.assign(new Error(message), { code, details: message }));
    },
    get peer() {
      return call.getPeer();
    },
  };
}
