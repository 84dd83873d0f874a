// An incremental (delta) stream: the client subscribes and unsubscribes by
// name, tells which versions it already holds, and each response carries only
// resources whose version changed plus the names removed.
import type { CachedResource } from '../cache/cached-resource.js';
import { deltaResponseBytes } from '../cache/response-bytes.js';
import type { Snapshot } from '../cache/snapshot.js';
import type { TypeResources } from '../cache/type-resources.js';
import { CLUSTER_TYPE_URL } from '../../xds/type-urls.js';
import type { DeltaDiscoveryRequest } from './service-definitions.js';
import { isWildcardType, type TypeState } from './type-state.js';
import { XdsStream } from './xds-stream.js';

interface DeltaPlan {
  version: string;
  resources: CachedResource[];
  removed: string[];
  /** Set when, once sent, the client holds all of this snapshot type for its subscription. */
  tr?: TypeResources;
}

interface TypeDiff {
  /** Resources of `to` that are not the same resource in `from` (new or rebuilt). */
  changed: readonly CachedResource[];
  /** Names in `from` that `to` lacks. */
  removed: readonly string[];
}

/** What changed between two snapshot types, computed once per pair (every delta stream of a group asks). */
const diffMemo = new WeakMap<TypeResources, WeakMap<TypeResources, TypeDiff>>();
function typeDiff(from: TypeResources, to: TypeResources): TypeDiff {
  let m = diffMemo.get(to);
  if (!m) diffMemo.set(to, (m = new WeakMap()));
  let d = m.get(from);
  if (!d) {
    d = {
      changed: to.list.filter((r) => from.byName.get(r.name) !== r),
      removed: from.list.filter((r) => !to.byName.has(r.name)).map((r) => r.name),
    };
    m.set(from, d);
  }
  return d;
}

export class DeltaStream extends XdsStream<DeltaPlan> {
  /** Handles one DeltaDiscoveryRequest. */
  handle(req: DeltaDiscoveryRequest): void {
    if (this.closed) return;
    this.identify(req.node);
    const typeUrl = this.requestTypeUrl(req.type_url);
    if (typeUrl === undefined) return;
    const ts = this.typeState(typeUrl);
    const first = !ts.requested;
    ts.requested = true;
    if (first && req.initial_resource_versions) {
      const byName = this.group !== undefined ? this.host.cache.getSnapshot(this.group)?.resources(typeUrl)?.byName : undefined;
      for (const [name, version] of Object.entries(req.initial_resource_versions)) {
        const r = byName?.get(name);
        // The snapshot's name string, and its version string when the client holds the same one.
        ts.known.set(r?.name ?? name, r && r.version() === version ? r.version() : version);
      }
    }
    // Subscription changes are deltas: they apply whatever the nonce says.
    this.applyNonce(ts, req.response_nonce ?? '', req.error_detail);
    this.subscribe(ts, first, req.resource_names_subscribe ?? [], req.resource_names_unsubscribe ?? []);
    this.host.callbacks.onRequest?.(this.id, typeUrl);
    this.pushAll();
  }

  private subscribe(ts: TypeState, first: boolean, sub: readonly string[], unsub: readonly string[]): void {
    const names = ts.names as Set<string>; // delta streams own their set (SotW ones share an interned one)
    if (sub.length || unsub.length) ts.sentTypeResources = undefined;
    // Keep the snapshot's copy of a name (thousands of streams name the same resources).
    const current = this.group !== undefined ? this.host.cache.getSnapshot(this.group)?.resources(ts.typeUrl)?.byName : undefined;
    const own = (n: string): string => current?.get(n)?.name ?? n;
    if (first && sub.length === 0 && isWildcardType(ts.typeUrl)) ts.wildcard = true;
    for (const n of sub) {
      if (n === '*') {
        ts.wildcard = true;
        continue;
      }
      // Subscribing again to a name the client has not declared holding means
      // it lost it: forget its version so it is sent.
      if (!first) ts.known.delete(n);
      names.add(own(n));
    }
    for (const n of unsub) {
      if (n === '*') {
        ts.wildcard = false;
        for (const k of [...ts.known.keys()]) if (!ts.names.has(k)) ts.known.delete(k);
        continue;
      }
      names.delete(n);
      if (!ts.wildcard) ts.known.delete(n);
    }
  }

  protected plan(ts: TypeState, snapshot: Snapshot): DeltaPlan | undefined {
    const tr = snapshot.resources(ts.typeUrl);
    if (!tr) return undefined;
    // A wildcard subscriber is told "this is everything" even when it is nothing.
    const firstWildcard = ts.sentNonce === undefined && ts.wildcard;
    // What the client holds is exactly `from` (for its subscription): only what changed since needs a look.
    const from = ts.sentTypeResources;
    if (from === tr && !firstWildcard) return undefined;
    const subscribed = (name: string): boolean => ts.wildcard || ts.names.has(name);
    const resources: CachedResource[] = [];
    let removed: string[] = [];
    if (from) {
      const d = typeDiff(from, tr);
      for (const r of d.changed) if (subscribed(r.name) && ts.known.get(r.name) !== r.version()) resources.push(r);
      for (const n of d.removed) if (ts.known.has(n) && subscribed(n)) removed.push(n);
    } else {
      const consider = (r: CachedResource | undefined): void => {
        if (r && ts.known.get(r.name) !== r.version()) resources.push(r);
      };
      if (ts.wildcard) for (const r of tr.list) consider(r);
      else for (const n of ts.names) consider(tr.byName.get(n));
      for (const name of ts.known.keys()) if (!tr.byName.has(name) && subscribed(name)) removed.push(name);
    }
    // Clusters the listeners may still route to go once those are settled.
    let deferred = false;
    if (removed.length && ts.typeUrl === CLUSTER_TYPE_URL && this.listenersSettling(snapshot)) {
      removed = [];
      deferred = true;
    }
    if (resources.length === 0 && removed.length === 0 && !firstWildcard) {
      // Nothing to send: the client already holds `tr` (a memo of that fact, not protocol state).
      if (!deferred) ts.sentTypeResources = tr;
      return undefined;
    }
    return { version: tr.version, resources, removed, ...(deferred ? {} : { tr }) };
  }

  protected send(ts: TypeState, plan: DeltaPlan): void {
    const seq = this.host.nextSeq();
    ts.lastSeq = seq;
    const nonce = seq.toString(36);
    for (const r of plan.resources) ts.known.set(r.name, r.version());
    for (const n of plan.removed) ts.known.delete(n);
    ts.sentTypeResources = plan.tr;
    this.write(ts, deltaResponseBytes(plan.version, ts.typeUrl, nonce, plan.resources, plan.removed), plan.version, nonce);
  }
}
