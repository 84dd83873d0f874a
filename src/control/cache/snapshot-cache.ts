// Holds the current snapshot of each proxy group and tells watchers when it
// changes. The cache owns the config; the server only speaks the protocol and
// depends on this narrow surface (go-control-plane's ConfigWatcher split).
import type { envoy_config_core_v3_Node } from '../../xds/gen/types.js';
import type { Snapshot } from './snapshot.js';
import { SnapshotInconsistentError } from './snapshot-errors.js';

/** Picks the snapshot group of a proxy from the node of its first request. */
export type NodeHash = (node: envoy_config_core_v3_Node) => string;

/** Called synchronously by setSnapshot; must be cheap (mark work, schedule it), never throw. */
export type SnapshotWatcher = (snapshot: Snapshot, group: string) => void;

/** Default grouping: one group per node id, as go-control-plane's IDHash. */
export const nodeIdHash: NodeHash = (node) => node.id ?? '';

export interface SnapshotCacheOptions {
  nodeHash?: NodeHash;
}

export class SnapshotCache {
  readonly nodeHash: NodeHash;
  private snapshots = new Map<string, Snapshot>();
  private watchers = new Map<string, Set<SnapshotWatcher>>();

  constructor(options: SnapshotCacheOptions = {}) {
    this.nodeHash = options.nodeHash ?? nodeIdHash;
  }

  /**
   * Publishes `snapshot` for `group` and notifies its watchers. Throws
   * SnapshotInconsistentError (and keeps the previous snapshot) when a
   * listener or cluster references an RDS or EDS name the snapshot lacks: a
   * proxy given it would wait for that name forever.
   */
  setSnapshot(group: string, snapshot: Snapshot): void {
    const c = snapshot.consistent();
    if (!c.ok) throw new SnapshotInconsistentError(group, c.missingRoutes, c.missingEndpoints);
    this.snapshots.set(group, snapshot);
    const ws = this.watchers.get(group);
    if (ws) for (const w of [...ws]) w(snapshot, group);
  }

  /** The current snapshot of a group. */
  getSnapshot(group: string): Snapshot | undefined {
    return this.snapshots.get(group);
  }

  /** Forgets a group's snapshot; connected streams keep what they have and get the next one set. */
  clearSnapshot(group: string): void {
    this.snapshots.delete(group);
  }

  /** Groups that have a snapshot. */
  groups(): string[] {
    return [...this.snapshots.keys()];
  }

  /** Registers interest in a group's snapshots; returns the function that cancels it. */
  watch(group: string, watcher: SnapshotWatcher): () => void {
    let ws = this.watchers.get(group);
    if (!ws) this.watchers.set(group, (ws = new Set()));
    ws.add(watcher);
    return () => {
      const cur = this.watchers.get(group);
      if (!cur) return;
      cur.delete(watcher);
      if (cur.size === 0) this.watchers.delete(group);
    };
  }

  /** Number of watchers of a group (streams connected for it). */
  watcherCount(group: string): number {
    return this.watchers.get(group)?.size ?? 0;
  }
}
