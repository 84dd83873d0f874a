// A state-of-the-world stream: every response of a type carries the whole
// set the client subscribed to (all of it for a wildcard LDS/CDS, where an
// absent resource means "deleted"; the names asked for on RDS/EDS/SDS).
import type { CachedResource } from '../cache/cached-resource.js';
import { sotwResponseBytes } from '../cache/response-bytes.js';
import type { Snapshot } from '../cache/snapshot.js';
import type { TypeResources } from '../cache/type-resources.js';
import { CLUSTER_TYPE_URL } from '../../xds/type-urls.js';
import type { DiscoveryRequest } from './service-definitions.js';
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
}

export class SotwStream extends XdsStream<SotwPlan> {
  /** Handles one DiscoveryRequest. */
  handle(req: DiscoveryRequest): void {
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
    this.subscribe(ts, req.resource_names ?? []);
    this.host.callbacks.onRequest?.(this.id, typeUrl);
    this.pushAll();
  }

  /** SotW requests carry the whole subscription; '*' or (for LDS/CDS, before any name) nothing means all. */
  private subscribe(ts: TypeState, names: readonly string[]): void {
    const explicitWildcard = names.includes('*');
    const named = explicitWildcard ? names.filter((n) => n !== '*') : names;
    if (named.length) ts.namedEver = true;
    ts.wildcard = explicitWildcard || (names.length === 0 && !ts.namedEver && isWildcardType(ts.typeUrl));
    if (ts.subscription?.key !== named.join('\n')) {
      ts.subscription = this.host.internNames(named);
      ts.names = ts.subscription.names;
    }
  }

  protected plan(ts: TypeState, snapshot: Snapshot): SotwPlan | undefined {
    const tr = snapshot.resources(ts.typeUrl);
    if (!tr) return undefined;
    let plan: SotwPlan;
    if (ts.wildcard) {
      plan = { version: tr.version, key: '*', resources: tr.list, body: () => tr.sotwBodyAll(), shared: tr };
      if (ts.typeUrl === CLUSTER_TYPE_URL) plan = this.retainRemovedClusters(ts, snapshot, plan);
    } else {
      const { key, resources } = ts.subscription ? ts.subscription.select(tr) : { key: '', resources: [] };
      plan = { version: tr.version, key, resources, body: () => tr.sotwBodyOf(resources, key), shared: tr };
    }
    if (ts.sentVersion === plan.version && ts.sentKey === plan.key) return undefined;
    return plan;
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
    ts.sentKey = plan.key;
    ts.sentResources = plan.resources;
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
