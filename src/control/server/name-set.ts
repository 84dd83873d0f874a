// Resource-name subscriptions shared between streams. Sidecars of one group
// subscribe to the same (often thousand-name) lists; interning them keeps one
// copy in memory, and the subset of a snapshot a list selects is computed once
// per snapshot type instead of once per stream. SotW requests are interned by
// their raw `resource_names` bytes too, so a list is decoded once per server,
// not once per request.
import { createHash } from 'node:crypto';
import type { CachedResource } from '../cache/cached-resource.js';
import type { TypeResources } from '../cache/type-resources.js';
import { decodeNames } from './sotw-request.js';

/** The resources of one snapshot type a name list selects; `key` identifies the subset. */
export interface Selection {
  key: string;
  resources: readonly CachedResource[];
}

export class NameSet {
  readonly names: ReadonlySet<string>;
  private readonly sorted: readonly string[];
  private memo = new WeakMap<TypeResources, Selection>();
  private changedMemo = new WeakMap<TypeResources, WeakMap<TypeResources, readonly CachedResource[] | undefined>>();

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

  /**
   * The resources selected from `to` that are not the same resource in
   * `from` (a client that holds `from`'s selection needs only these), or
   * undefined when the two select different names (a name came or went).
   * Memoized per (from, to): every stream of a group asks the same question.
   */
  changedSince(from: TypeResources, to: TypeResources): readonly CachedResource[] | undefined {
    let m = this.changedMemo.get(to);
    if (!m) this.changedMemo.set(to, (m = new WeakMap()));
    if (m.has(from)) return m.get(from);
    const a = this.select(from);
    const b = this.select(to);
    const changed = a.key === b.key ? b.resources.filter((r) => from.byName.get(r.name) !== r) : undefined;
    m.set(from, changed);
    return changed;
  }
}

/** A SotW request's `resource_names`, as raw bytes, decoded: `star` when '*' is among them; `set` the other names. */
export interface RequestNames {
  readonly raw: Buffer;
  readonly count: number;
  readonly star: boolean;
  readonly set: NameSet;
}

/** Hands out one NameSet per distinct list (and one RequestNames per distinct raw list); entries go when no stream holds them. */
export class NameSetInterner {
  private sets = new Map<string, WeakRef<NameSet>>();
  private raws = new Map<string, WeakRef<RequestNames>>();
  private registry = new FinalizationRegistry<[Map<string, WeakRef<object>>, string]>(([map, key]) => {
    if (!map.get(key)?.deref()) map.delete(key);
  });

  intern(names: readonly string[]): NameSet {
    const key = names.join('\n');
    const existing = this.sets.get(key)?.deref();
    if (existing) return existing;
    const ns = new NameSet(key, names);
    this.sets.set(key, new WeakRef(ns));
    this.registry.register(ns, [this.sets, key]);
    return ns;
  }

  /** The decoded form of raw `resource_names` fields (see sotw-request.ts), decoded once per distinct list. */
  internRaw(raw: Buffer): RequestNames {
    const key = raw.length < 64 ? raw.toString('latin1') : createHash('sha1').update(raw).digest('base64') + raw.length;
    const existing = this.raws.get(key)?.deref();
    if (existing && existing.raw.equals(raw)) return existing;
    const all = decodeNames(raw);
    const named = all.filter((n) => n !== '*');
    const rn: RequestNames = { raw: Buffer.from(raw), count: all.length, star: named.length !== all.length, set: this.intern(named) };
    if (!existing) {
      this.raws.set(key, new WeakRef(rn));
      this.registry.register(rn, [this.raws, key]);
    }
    return rn;
  }

  get size(): number {
    return this.sets.size;
  }
}
