// Resource-name subscriptions shared between streams. Sidecars of one group
// subscribe to the same (often thousand-name) lists; interning them keeps one
// copy in memory, and the subset of a snapshot a list selects is computed once
// per snapshot type instead of once per stream.
import type { CachedResource } from '../cache/cached-resource.js';
import type { TypeResources } from '../cache/type-resources.js';

/** The resources of one snapshot type a name list selects; `key` identifies the subset. */
export interface Selection {
  key: string;
  resources: readonly CachedResource[];
}

export class NameSet {
  readonly names: ReadonlySet<string>;
  private readonly sorted: readonly string[];
  private memo = new WeakMap<TypeResources, Selection>();

  constructor(readonly key: string, names: readonly string[]) {
    this.names = new Set(names);
    this.sorted = [...this.names].sort();
  }

  /** Resources of `tr` named here, in name order (memoized per TypeResources, which is immutable). */
  select(tr: TypeResources): Selection {
    let sel = this.memo.get(tr);
    if (sel) return sel;
    const present = this.sorted.filter((n) => tr.byName.has(n));
    sel = { key: present.length === this.sorted.length ? this.key : present.join('\n'), resources: present.map((n) => tr.byName.get(n)!) };
    this.memo.set(tr, sel);
    return sel;
  }
}

/** Hands out one NameSet per distinct list; entries go when no stream holds them. */
export class NameSetInterner {
  private sets = new Map<string, WeakRef<NameSet>>();
  private registry = new FinalizationRegistry<string>((key) => {
    if (!this.sets.get(key)?.deref()) this.sets.delete(key);
  });

  intern(names: readonly string[]): NameSet {
    const key = names.join('\n');
    const existing = this.sets.get(key)?.deref();
    if (existing) return existing;
    const ns = new NameSet(key, names);
    this.sets.set(key, new WeakRef(ns));
    this.registry.register(ns, key);
    return ns;
  }

  get size(): number {
    return this.sets.size;
  }
}
