// What SotW and delta streams share: node identity from the first request,
// the snapshot group and its watch, per-type state, ACK/NACK bookkeeping,
// push ordering, flow control and status. The subclasses decide what a
// response holds (plan) and how it is written (send).
import type { envoy_config_core_v3_Node, google_rpc_Status } from '../../xds/gen/types.js';
import {
  CLUSTER_LOAD_ASSIGNMENT_TYPE_URL, CLUSTER_TYPE_URL, LISTENER_TYPE_URL, ROUTE_CONFIGURATION_TYPE_URL, SECRET_TYPE_URL,
} from '../../xds/type-urls.js';
import type { Snapshot } from '../cache/snapshot.js';
import { proxyVersionOf } from './pilot-stats.js';
import type { ProxyStatus } from './push-status.js';
import type { DiscoveryServiceSpec } from './service-definitions.js';
import type { StreamHost, StreamTransport } from './stream-host.js';
import { TypeState } from './type-state.js';

/**
 * Make-before-break order (Envoy's xDS protocol, "eventual consistency
 * considerations"): clusters before the endpoints of those clusters, both
 * before the listeners and routes that point at them; secrets last, as Istio
 * does, since a listener or cluster warms until its secret arrives.
 */
export const PUSH_ORDER: readonly string[] = [
  CLUSTER_TYPE_URL, CLUSTER_LOAD_ASSIGNMENT_TYPE_URL, LISTENER_TYPE_URL, ROUTE_CONFIGURATION_TYPE_URL, SECRET_TYPE_URL,
];
const ORDER_INDEX = new Map(PUSH_ORDER.map((u, i) => [u, i]));

/** gRPC status codes used here. */
export const GRPC_INVALID_ARGUMENT = 3;
export const GRPC_INTERNAL = 13;

let nextStreamId = 0;

export abstract class XdsStream<Plan> {
  readonly id = ++nextStreamId;
  readonly connectedAt: number;
  node: envoy_config_core_v3_Node | undefined;
  group: string | undefined;
  protected readonly types = new Map<string, TypeState>();
  /** Types in push order, rebuilt when a type is added. */
  private ordered: TypeState[] = [];
  private unwatch: (() => void) | undefined;
  private outstanding = 0;
  closed = false;
  /** pilot_xds's version label, once the node is known. */
  private proxyVersion: string | undefined;
  /** Monotonic ms since which the stream has config not yet sent (pilot_proxy_convergence_time); undefined when converged. */
  private pendingSince: number | undefined;
  /** Monotonic ms at which the current response began to be built (pilot_xds_push_time). */
  private sendStartedAt = 0;

  constructor(
    protected readonly host: StreamHost,
    protected readonly transport: StreamTransport,
    readonly spec: DiscoveryServiceSpec,
    readonly protocol: 'sotw' | 'delta',
  ) {
    this.connectedAt = host.clock.wallNow();
  }

  /** ADS carries every type on one stream, so ordering and make-before-break apply across types. */
  get aggregated(): boolean {
    return this.spec.typeUrl === undefined;
  }

  /** What to send for a type now, or undefined when the client already has it. Pure. */
  protected abstract plan(ts: TypeState, snapshot: Snapshot): Plan | undefined;
  /** Writes the planned response and records it in `ts`. */
  protected abstract send(ts: TypeState, plan: Plan, snapshot: Snapshot): void;

  /** The stream's type URL for a request: ADS requires it; a per-type service fills in (and checks) its own. */
  protected requestTypeUrl(typeUrl: string | undefined): string | undefined {
    if (this.spec.typeUrl === undefined) {
      if (!typeUrl) {
        this.fail(GRPC_INVALID_ARGUMENT, 'type_url is required on an aggregated (ADS) stream');
        return undefined;
      }
      return typeUrl;
    }
    if (typeUrl && typeUrl !== this.spec.typeUrl) {
      this.fail(GRPC_INVALID_ARGUMENT, `type_url ${typeUrl} does not belong on ${this.spec.service}`);
      return undefined;
    }
    return this.spec.typeUrl;
  }

  /** The first request names the node; it picks the snapshot group for the life of the stream. */
  protected identify(node: envoy_config_core_v3_Node | undefined): void {
    if (this.node) return;
    this.node = node ?? {};
    this.group = this.host.cache.nodeHash(this.node);
    if (this.host.stats) {
      this.proxyVersion = proxyVersionOf(this.node as Parameters<typeof proxyVersionOf>[0]);
      this.host.stats.proxyConnected(this.proxyVersion, 1);
    }
    // A new proxy converges once its first config is sent, as Istio counts the initial push.
    this.pendingSince = this.host.clock.now();
    this.unwatch = this.host.cache.watch(this.group, () => {
      this.pendingSince ??= this.host.pushStartedAt() ?? this.host.clock.now();
      this.host.schedule(this);
    });
    this.host.callbacks.onStreamOpen?.(this.status());
  }

  protected typeState(typeUrl: string): TypeState {
    let ts = this.types.get(typeUrl);
    if (!ts) {
      ts = new TypeState(typeUrl);
      this.types.set(typeUrl, ts);
      this.ordered = [...this.types.values()].sort((a, b) => (ORDER_INDEX.get(a.typeUrl) ?? 99) - (ORDER_INDEX.get(b.typeUrl) ?? 99));
    }
    return ts;
  }

  /**
   * Applies `response_nonce` and `error_detail`: a request carrying the nonce
   * of the response in flight ACKs it (or NACKs it with error_detail); any
   * other nonce is stale and changes nothing here. Returns whether it was stale.
   */
  protected applyNonce(ts: TypeState, nonce: string, errorDetail: google_rpc_Status | undefined): boolean {
    if (ts.sentNonce === undefined) return false;
    if (nonce !== ts.sentNonce) {
      this.host.counters.staleNonces++;
      return true;
    }
    if (!ts.inFlight) return false; // a later request re-sending the nonce already answered
    ts.inFlight = false;
    if (errorDetail) {
      ts.nacks++;
      this.host.counters.nacks++;
      this.host.stats?.rejected(ts.typeUrl);
      ts.lastNack = {
        version: ts.sentVersion ?? '', nonce, message: errorDetail.message ?? '', code: errorDetail.code ?? 0, time: this.host.clock.wallNow(),
      };
      this.host.log?.warn(`stream ${this.id} (${this.node?.id}) NACKed ${ts.typeUrl} version ${ts.sentVersion}: ${ts.lastNack.message}`);
      this.host.callbacks.onNack?.(this.status(), ts.typeUrl, ts.lastNack);
    } else {
      ts.acks++;
      this.host.counters.acks++;
      ts.ackedVersion = ts.sentVersion;
      this.host.callbacks.onAck?.(this.status(), ts.typeUrl, ts.sentVersion ?? '');
    }
    return false;
  }

  /**
   * Sends every type that has something new, in PUSH_ORDER. A type whose
   * response is still in flight only remembers that it is behind (it is
   * re-planned when its ACK or NACK arrives); on ADS, the types after it wait
   * too, so a proxy never gets a listener before the cluster it routes to.
   */
  pushAll(): void {
    if (this.closed || this.group === undefined) return;
    if (this.host.overBudget()) {
      this.host.schedule(this);
      return;
    }
    const snapshot = this.host.cache.getSnapshot(this.group);
    if (!snapshot) return;
    let blocked = false;
    /** Something new could not be sent now (waits for an ACK, or failed). */
    let behind = false;
    for (const ts of this.ordered) {
      if (!ts.requested) continue;
      const plan = this.plan(ts, snapshot);
      if (!plan) continue;
      if (ts.inFlight) {
        if (this.aggregated) blocked = true;
        behind = true;
        continue;
      }
      if (blocked) {
        behind = true;
        continue;
      }
      try {
        this.sendStartedAt = this.host.clock.now();
        this.send(ts, plan, snapshot);
      } catch (e) {
        // A resource that does not encode is a bug in whoever built the
        // snapshot: report it, keep the stream and the other types going.
        this.host.counters.encodeErrors++;
        this.host.stats?.sendError(ts.typeUrl);
        this.host.log?.error(`stream ${this.id}: cannot send ${ts.typeUrl}: ${(e as Error).message}`);
        if (this.aggregated) blocked = true;
        behind = true;
      }
    }
    // Istio's convergence: from the change (or the connection) until the proxy was sent all of it.
    if (!behind && this.pendingSince !== undefined) {
      this.host.stats?.convergence.record((this.host.clock.now() - this.pendingSince) / 1000);
      this.pendingSince = undefined;
    }
  }

  /**
   * On ADS, listeners or routes not yet at the snapshot's version: clusters
   * they may still use must not be removed yet (removals after additions).
   */
  protected listenersSettling(snapshot: Snapshot): boolean {
    if (!this.aggregated) return false;
    for (const url of [LISTENER_TYPE_URL, ROUTE_CONFIGURATION_TYPE_URL]) {
      const ts = this.types.get(url);
      if (ts?.requested && (ts.inFlight || this.plan(ts, snapshot) !== undefined)) return true;
    }
    return false;
  }

  /** Records and writes one response. */
  protected write(ts: TypeState, bytes: Buffer, version: string, nonce: string): void {
    ts.sentVersion = version;
    ts.sentNonce = nonce;
    ts.sentTime = this.host.clock.wallNow();
    ts.inFlight = true;
    ts.pushes++;
    this.host.counters.pushes++;
    this.host.counters.bytesSent += bytes.length;
    const n = bytes.length;
    this.outstanding += n;
    this.host.reserve(n);
    const started = this.sendStartedAt;
    this.transport.write(bytes, () => {
      if (this.closed) return;
      this.outstanding -= n;
      this.host.release(n);
      // Istio's push time covers building and sending a type's response.
      this.host.stats?.pushed(ts.typeUrl, (this.host.clock.now() - started) / 1000, n);
    });
  }

  /** Ends the stream with a gRPC error status. */
  fail(code: number, message: string): void {
    this.host.log?.warn(`stream ${this.id}: ${message}`);
    this.transport.fail(code, message);
    this.close();
  }

  /** Stops watching and releases the write budget it held. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unwatch?.();
    this.host.release(this.outstanding);
    this.outstanding = 0;
    if (this.proxyVersion !== undefined) this.host.stats?.proxyConnected(this.proxyVersion, -1);
    if (this.node) this.host.callbacks.onStreamClose?.(this.status());
  }

  /** Ends the stream with OK (server shutdown). */
  end(): void {
    if (!this.closed) this.transport.end();
    this.close();
  }

  status(): ProxyStatus {
    const s: ProxyStatus = {
      streamId: this.id,
      service: this.spec.kind,
      protocol: this.protocol,
      nodeId: this.node?.id ?? '',
      nodeCluster: this.node?.cluster ?? '',
      group: this.group ?? '',
      peer: this.transport.peer,
      connectedAt: this.connectedAt,
      types: this.ordered.filter((t) => t.requested).map((t) => t.status()),
    };
    if (this.node?.metadata) s.nodeMetadata = this.node.metadata;
    return s;
  }
}
