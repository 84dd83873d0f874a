// The narrow surface a stream needs from the server, and the transport a
// stream writes to: small seams, so the protocol logic does not know gRPC.
import type { Clock } from '../../common/clock.js';
import type { Logger } from '../../common/log.js';
import type { SnapshotCache } from '../cache/snapshot-cache.js';
import type { NameSet, RequestNames } from './name-set.js';
import type { PilotStats } from './pilot-stats.js';
import type { SharedResponses } from './shared-responses.js';
import type { NackRecord, ProxyStatus, XdsCounters } from './push-status.js';

/** Where a stream writes. gRPC's server call in production. */
export interface StreamTransport {
  /** Writes one response message; `done` runs once it is flushed (never, if the stream dies first). */
  write(bytes: Buffer, done: () => void): void;
  /** Ends the stream with status OK (server shutdown). */
  end(): void;
  /** Ends the stream with a gRPC status code and message (protocol violation). */
  fail(code: number, message: string): void;
  readonly peer: string;
}

/** Hooks the owner of the server may set; each is called synchronously and must not throw. */
export interface XdsServerCallbacks {
  onStreamOpen?(status: ProxyStatus): void;
  onStreamClose?(status: ProxyStatus): void;
  /** A proxy accepted `version` of a type. */
  onAck?(status: ProxyStatus, typeUrl: string, version: string): void;
  /** A proxy rejected a response: weft names the resource and reason in `weft status`. */
  onNack?(status: ProxyStatus, typeUrl: string, nack: NackRecord): void;
  /** After each request is processed (tests wait on it instead of sleeping). */
  onRequest?(streamId: number, typeUrl: string): void;
}

export interface StreamHost {
  readonly cache: SnapshotCache;
  readonly clock: Clock;
  readonly counters: XdsCounters;
  readonly callbacks: XdsServerCallbacks;
  readonly log: Logger | undefined;
  /** Next number of the server-wide nonce sequence (a nonce is its base-36 form). */
  nextSeq(): number;
  /** SotW responses shared by streams getting the same resources. */
  readonly sharedResponses: SharedResponses;
  /** True when writes in flight are over budget: push later, via schedule(). */
  overBudget(): boolean;
  /** Accounts `n` bytes written until release(n) is called. */
  reserve(n: number): void;
  release(n: number): void;
  /** The shared NameSet for a subscription list. */
  internNames(names: readonly string[]): NameSet;
  /** The shared decoded form of a SotW request's raw resource_names bytes. */
  internRequestNames(raw: Buffer): RequestNames;
  /** Queues the stream for a push on a later event-loop turn (deduplicated). */
  schedule(stream: { pushAll(): void }): void;
  /** istiod's pilot_* metrics, when the owner gave the server a stats store. */
  readonly stats: PilotStats | undefined;
  /** Monotonic ms at which the owner began the push now reaching the cache (XdsServer.beginPush), if it said so. */
  pushStartedAt(): number | undefined;
}
