// An incremental (delta) stream: the client subscribes and unsubscribes by
// name, tells which versions it already holds, and each response carries only
// resources whose version changed plus the names removed.
import type { CachedResource } from '../cache/cached-resource.js';
import { deltaResponseBytes } from '../cache/response-bytes.js';
import type { Snapshot } from '../cache/snapshot.js';
import { CLUSTER_TYPE_URL } from '../../xds/type-urls.js';
import type { DeltaDiscoveryRequest } from './service-definitions.js';
import { isWildcardType, type TypeState } from './type-state.js';
import { XdsStream } from './xds-stream.js';

interface DeltaPlan {
  version: string;
  resources: CachedResource[];
  removed: string[];
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
      for (const [name, version] of Object.entries(req.initial_resource_versions)) ts.known.set(name, version);
    }
    // Subscription changes are deltas: they apply whatever the nonce says.
    this.applyNonce(ts, req.response_nonce ?? '', req.error_detail);
    this.subscribe(ts, first, req.resource_names_subscribe ?? [], req.resource_names_unsubscribe ?? []);
    this.host.callbacks.onRequest?.(this.id, typeUrl);
    this.pushAll();
  }

  private subscribe(ts: TypeState, first: boolean, sub: readonly string[], unsub: readonly string[]): void {
    const names = ts.names as Set<string>; // delta streams own their set (SotW ones share an interned one)
    if (first && sub.length === 0 && isWildcardType(ts.typeUrl)) ts.wildcard = true;
    for (const n of sub) {
      if (n === '*') {
        ts.wildcard = true;
        continue;
      }
      // Subscribing again to a name the client has not declared holding means
      // it lost it: forget its version so it is sent.
      if (!first) ts.known.delete(n);
      names.add(n);
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
    const resources: CachedResource[] = [];
    const consider = (r: CachedResource | undefined): void => {
      if (r && ts.known.get(r.name) !== r.version()) resources.push(r);
    };
    if (ts.wildcard) for (const r of tr.list) consider(r);
    else for (const n of ts.names) consider(tr.byName.get(n));
    let removed: string[] = [];
    for (const name of ts.known.keys()) {
      if (!tr.byName.has(name) && (ts.wildcard || ts.names.has(name))) removed.push(name);
    }
    // Clusters the listeners may still route to go once those are settled.
    if (removed.length && ts.typeUrl === CLUSTER_TYPE_URL && this.listenersSettling(snapshot)) removed = [];
    // A wildcard subscriber is told "this is everything" even when it is nothing.
    const firstWildcard = ts.sentNonce === undefined && ts.wildcard;
    if (resources.length === 0 && removed.length === 0 && !firstWildcard) return undefined;
    return { version: tr.version, resources, removed };
  }

  protected send(ts: TypeState, plan: DeltaPlan): void {
    const seq = this.host.nextSeq();
    ts.lastSeq = seq;
    const nonce = seq.toString(36);
    for (const r of plan.resources) ts.known.set(r.name, r.version());
    for (const n of plan.removed) ts.known.delete(n);
    this.write(ts, deltaResponseBytes(plan.version, ts.typeUrl, nonce, plan.resources, plan.removed), plan.version, nonce);
  }
}
