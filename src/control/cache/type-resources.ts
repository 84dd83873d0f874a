// All resources of one type in one snapshot, with the type's version. Builds
// and keeps the concatenated `resources` fields of a response, so a push of
// the same set to thousands of streams copies one buffer per stream.
import { CachedResource } from './cached-resource.js';
import { SnapshotError } from './snapshot-errors.js';

/** Named subsets whose response bodies are kept per type (sidecars of one group ask for the same names). */
const MAX_KEPT_SUBSETS = 64;

let nextSeq = 0;

export class TypeResources {
  /** Identifies this set within the process (responses that carry changes since it are keyed by it). */
  readonly seq = ++nextSeq;
  /** Resources by name, in the order given. */
  readonly byName: ReadonlyMap<string, CachedResource>;
  readonly list: readonly CachedResource[];
  private allBody: Buffer | undefined;
  private subsets = new Map<string, Buffer>();

  /** Throws SnapshotError on a resource without a name or two resources of one name. */
  constructor(readonly typeUrl: string, readonly version: string, resources: readonly CachedResource[]) {
    const byName = new Map<string, CachedResource>();
    for (const r of resources) {
      if (r.typeUrl !== typeUrl) throw new SnapshotError(`resource "${r.name}" has type ${r.typeUrl}, expected ${typeUrl}`);
      if (!r.name) throw new SnapshotError(`a resource of type ${typeUrl} has no name`);
      if (byName.has(r.name)) throw new SnapshotError(`two resources of type ${typeUrl} are named "${r.name}"`);
      byName.set(r.name, r);
    }
    this.byName = byName;
    this.list = resources;
  }

  get size(): number {
    return this.list.length;
  }

  /** The `resources` fields of a response carrying every resource of the type (wildcard LDS/CDS). */
  sotwBodyAll(): Buffer {
    return (this.allBody ??= concatFields(this.list));
  }

  /**
   * The `resources` fields for a subset. `key` identifies the subset (the
   * names joined); bodies of recently used subsets are kept.
   */
  sotwBodyOf(resources: readonly CachedResource[], key: string): Buffer {
    if (resources.length === this.list.length) return this.sotwBodyAll();
    let body = this.subsets.get(key);
    if (body) return body;
    body = concatFields(resources);
    if (this.subsets.size >= MAX_KEPT_SUBSETS) this.subsets.delete(this.subsets.keys().next().value!);
    this.subsets.set(key, body);
    return body;
  }
}

function concatFields(resources: readonly CachedResource[]): Buffer {
  let len = 0;
  for (const r of resources) len += r.sotwField().length;
  const out = Buffer.allocUnsafe(len);
  let pos = 0;
  for (const r of resources) {
    const f = r.sotwField();
    out.set(f, pos);
    pos += f.length;
  }
  return out;
}
