// The set of roots workloads must trust, versioned, with change
// notifications: what SDS will serve as `ROOTCA`. During a root rotation it
// holds the old and the new root together.

export interface TrustBundleSnapshot {
  /** Increases by one on every change; starts at 1. */
  readonly version: number;
  /** PEM certificates, one per entry, each ending in a newline. */
  readonly roots: readonly string[];
}

export type TrustBundleListener = (bundle: TrustBundleSnapshot) => void;

export class TrustBundle {
  private snapshot: TrustBundleSnapshot;
  private readonly listeners = new Set<TrustBundleListener>();

  constructor(roots: readonly string[]) {
    this.snapshot = Object.freeze({ version: 1, roots: Object.freeze([...roots]) });
  }

  /** The current roots and version; immutable, safe to keep. */
  get current(): TrustBundleSnapshot {
    return this.snapshot;
  }

  /**
   * Replaces the roots; listeners hear of it only when the set changed.
   * Called by the CA, never by consumers.
   */
  update(roots: readonly string[]): void {
    const cur = this.snapshot.roots;
    if (roots.length === cur.length && roots.every((r, i) => r === cur[i])) return;
    this.snapshot = Object.freeze({ version: this.snapshot.version + 1, roots: Object.freeze([...roots]) });
    for (const l of [...this.listeners]) {
      try {
        l(this.snapshot);
      } catch {
        // a consumer's failure must not stop the others from hearing of the change
      }
    }
  }

  /** Calls `listener` on every change (not with the current value); returns the unsubscribe function. */
  onChange(listener: TrustBundleListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
