// Per stream, per resource type: what the proxy subscribed to, what it was
// last sent, and whether that response still awaits its ACK. Holding only the
// last response (never a queue of versions) is the flow-control rule: one
// response in flight per type, the latest snapshot sent once it is answered.
import type { CachedResource } from '../cache/cached-resource.js';
import { CLUSTER_TYPE_URL, LISTENER_TYPE_URL } from '../../xds/type-urls.js';
import type { TypeResources } from '../cache/type-resources.js';
import type { NameSet, RequestNames } from './name-set.js';
import type { NackRecord, TypeStatus } from './push-status.js';

/** Types a client subscribes to with a wildcard when it names nothing (xDS "legacy wildcard"). */
export function isWildcardType(typeUrl: string): boolean {
  return typeUrl === LISTENER_TYPE_URL || typeUrl === CLUSTER_TYPE_URL;
}

export class TypeState {
  /** The client has sent at least one request for this type. */
  requested = false;
  wildcard = false;
  /** Explicitly subscribed names ('*' excluded). SotW: shared with `subscription`; delta: the stream's own. */
  names: Set<string> | ReadonlySet<string> = new Set<string>();
  /** SotW: the interned name list of the last request. */
  subscription: NameSet | undefined;
  /** SotW: the last request's resource_names (raw bytes and decoded), compared with the next request's bytes. */
  requestNames: RequestNames | undefined;
  /** The client has named resources at least once, which ends legacy wildcard mode. */
  namedEver = false;

  sentVersion: string | undefined;
  sentNonce: string | undefined;
  /** Sequence number of the last nonce sent for this type (nonces only move forward per stream and type). */
  lastSeq = 0;
  sentTime: number | undefined;
  /** SotW: identity of the resource set sent ('*' or the names), compared with the next plan. */
  sentKey: string | undefined;
  /**
   * SotW: the snapshot type the last response brought the client to (what
   * it holds once it ACKs); incremental EDS responses carry changes since it.
   */
  sentTypeResources: TypeResources | undefined;
  /** SotW: the resources last sent (shared with the snapshot for wildcard). */
  sentResources: readonly CachedResource[] = [];
  inFlight = false;
  ackedVersion: string | undefined;
  lastNack: NackRecord | undefined;
  /** Delta: resource name → version the client holds (from initial_resource_versions and what was sent). */
  known = new Map<string, string>();

  pushes = 0;
  acks = 0;
  nacks = 0;

  constructor(readonly typeUrl: string) {}

  status(): TypeStatus {
    const s: TypeStatus = {
      typeUrl: this.typeUrl,
      subscribed: this.wildcard ? '*' : [...this.names].sort(),
      inFlight: this.inFlight,
      pushes: this.pushes,
      acks: this.acks,
      nacks: this.nacks,
    };
    if (this.sentVersion !== undefined) s.sentVersion = this.sentVersion;
    if (this.sentNonce !== undefined) s.sentNonce = this.sentNonce;
    if (this.sentTime !== undefined) s.sentTime = this.sentTime;
    if (this.ackedVersion !== undefined) s.ackedVersion = this.ackedVersion;
    if (this.lastNack) s.lastNack = { ...this.lastNack };
    return s;
  }
}
