// A state-of-the-world stream: every response of a type carries the whole
// set the client subscribed to (all of it for a wildcard LDS/CDS, where an
// absent resource means "deleted"; the names asked for on RDS/EDS/SDS).
import type { CachedResource } from '../cache/cached-resource.js';
import { sotwResponseBytes } from '../cache/response-bytes.js';
import type { Snapshot } from '../cache/snapshot.js';
import type { TypeResources } from '../cache/type-resources.js';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE_URL, CLUSTER_TYPE_URL } from '../../xds/type-urls.js';
import type { SotwRequest } from './sotw-request.js';
import { isWildcardType, type TypeState } from './type-state.js';
import { XdsStream } from './xds-stream.js';

/** Suffix of the version_info of a CDS response that still carries clusters being removed. */
export const RETAINING_SUFFIX = '~retaining';

interface SotwPlan {
  version: string;
  key: string;
  resources: readonly CachedResource[];
  body: () => Uint8Array;
  /** Set when the response is exactly `key` of this snapshot type, so it can be shared by streams. */
  shared?: TypeResources;
  /** The snapshot type the client holds once it accepts this response. */
  tr?: TypeResources;
  /** Only resources changed since the stream's last response (incremental EDS): the key the client then holds. */
  holdsKey?: string;
}

export class SotwStream extends XdsStream<SotwPlan> {
  /** Handles one DiscoveryRequest. */
  handle(req: SotwRequest): void {
    if (this.closed) return;
    this.identify(req.node);
    const typeUrl = this.requestTypeUrl(req.type_url);
    if (typeUrl === undefined) return;
    const ts = this.typeState(typeUrl);
    ts.requested = true;
    // A stale nonce is not an ACK or NACK, but the names it carries are the
    // client's current interest (go-control-plane records them as well); the
    // response they need goes out once the one in flight is answered.
    this.applyNonce(ts, req.response_nonce ?? '', req.error_detail);
    this.subscribe(ts, req.names);
    this.host.callbacks.onRequest?.(this.id, typeUrl);
    this.pushAll();
  }

  /**
   * SotW requests carry the whole subscription; '*' or (for LDS/CDS, before
   * any name) nothing means all. `raw` is the request's resource_names
   * fields: equal bytes to the last request's (every ACK repeats them) mean
   * nothing changed, and nothing is decoded.
   */
  private subscribe(ts: TypeState, raw: Buffer): void {
    let rn = ts.requestNames;
    if (!rn || !rn.raw.equals(raw)) rn = ts.requestNames = this.host.internRequestNames(raw);
    if (rn.set.names.size) ts.namedEver = true;
    ts.wildcard = rn.star || (rn.count === 0 && !ts.namedEver && isWildcardType(ts.typeUrl));
    if (ts.subscription !== rn.set) {
      ts.subscription = rn.set;
      ts.names = rn.set.names;
    }
  }

  protected plan(ts: TypeState, snapshot: Snapshot): SotwPlan | undefined {
    const tr = snapshot.resources(ts.typeUrl);
    if (!tr) return undefined;
    let plan: SotwPlan;
    if (ts.wildcard) {
      plan = { version: tr.version, key: '*', resources: tr.list, body: () => tr.sotwBodyAll(), shared: tr, tr };
      if (ts.typeUrl === CLUSTER_TYPE_URL) plan = this.retainRemovedClusters(ts, snapshot, plan);
    } else {
      if (!ts.subscription) return undefined;
      const { key, resources } = ts.subscription.select(tr);
      if (ts.sentVersion === tr.version && ts.sentKey === key) return undefined;
      const incremental = this.incrementalEds(ts, tr, key, resources);
      if (incremental === null) return undefined;
      plan = incremental ?? { version: tr.version, key, resources, body: () => tr.sotwBodyOf(resources, key), shared: tr, tr };
    }
    if (ts.sentVersion === plan.version && ts.sentKey === plan.key) return undefined;
    return plan;
  }

  /**
   * Istio's incremental EDS: SotW lets responses of types other than
   * listeners and clusters carry only some of the subscribed resources (a
   * resource left out is unchanged, not removed), so when the client holds
   * the same names of an earlier snapshot, only the load assignments that
   * changed since are sent. Full responses are sent instead on a stream's
   * first response, when a name came or went, and after a NACK (what the
   * client holds is then not what it was sent). Returns null when nothing the
   * client holds changed, undefined when a full response is needed.
   */
  private incrementalEds(ts: TypeState, tr: TypeResources, key: string, resources: readonly CachedResource[]): SotwPlan | null | undefined {
    const from = ts.sentTypeResources;
    if (ts.typeUrl !== CLUSTER_LOAD_ASSIGNMENT_TYPE_URL || !from || from === tr || ts.sentKey !== key) return undefined;
    if (ts.lastNack && ts.lastNack.nonce === ts.sentNonce) return undefined;
    const changed = ts.subscription!.changedSince(from, tr);
    if (!changed) return undefined;
    if (changed.length === 0) return null;
    const dkey = `\u0394${from.seq}\n${key}`;
    return { version: tr.version, key: dkey, resources, body: () => tr.sotwBodyOf(changed, dkey), shared: tr, tr, holdsKey: key };
  }

  /**
   * While listeners and routes are not yet at the new version on this ADS
   * stream, a CDS push keeps the clusters it would remove (they may still be
   * routed to) and is sent again without them once those settle.
   */
  private retainRemovedClusters(ts: TypeState, snapshot: Snapshot, plan: SotwPlan): SotwPlan {
    const tr = snapshot.resources(CLUSTER_TYPE_URL)!;
    if (ts.sentResources === tr.list) return plan;
    const removed = removedSince(ts.sentResources, tr);
    if (removed.length === 0 || !this.listenersSettling(snapshot)) return plan;
    const resources = [...tr.list, ...removed];
    return {
      version: tr.version + RETAINING_SUFFIX,
      key: `*+${removed.map((r) => r.name).join('\n')}`,
      resources,
      body: () => Buffer.concat([tr.sotwBodyAll(), ...removed.map((r) => r.sotwField())]),
    };
  }

  protected send(ts: TypeState, plan: SotwPlan): void {
    ts.sentKey = plan.holdsKey ?? plan.key;
    ts.sentResources = plan.resources;
    ts.sentTypeResources = plan.tr;
    if (plan.holdsKey !== undefined) this.host.counters.incrementalPushes++;
    if (plan.shared) {
      const p = this.host.sharedResponses.get(plan.shared, plan.key, plan.body);
      if (p.seq > ts.lastSeq) {
        ts.lastSeq = p.seq;
        this.write(ts, p.bytes, plan.version, p.nonce);
        return;
      }
    }
    const seq = this.host.nextSeq();
    ts.lastSeq = seq;
    const nonce = seq.toString(36);
    this.write(ts, sotwResponseBytes(plan.version, ts.typeUrl, nonce, plan.body()), plan.version, nonce);
  }
}

/**
 * Resources of an earlier response that `tr` no longer has. Streams share
 * their last response's list, so the answer is memoized per (list, tr).
 */
const removedMemo = new WeakMap<readonly CachedResource[], { tr: TypeResources; removed: readonly CachedResource[] }>();
function removedSince(sent: readonly CachedResource[], tr: TypeResources): readonly CachedResource[] {
  const m = removedMemo.get(sent);
  if (m && m.tr === tr) return m.removed;
  const removed = sent.filter((r) => !tr.byName.has(r.name));
  removedMemo.set(sent, { tr, removed });
  return removed;
}
