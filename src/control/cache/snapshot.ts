// An immutable, versioned set of xDS resources for one group of proxies.
// Each type carries its own version: a stream is pushed a type only when that
// type's version (or, for RDS/EDS, the set of names it asked for) changes.
import {
  CLUSTER_LOAD_ASSIGNMENT_TYPE_URL, CLUSTER_TYPE_URL, LISTENER_TYPE_URL, ROUTE_CONFIGURATION_TYPE_URL, SECRET_TYPE_URL,
} from '../../xds/type-urls.js';
import { CachedResource } from './cached-resource.js';
import { clusterEdsName, listenerRouteNames } from './references.js';
import { resourceName } from './resource-name.js';
import { TypeResources } from './type-resources.js';

/** Resources of a snapshot in weft's canonical shape, by kind. A kind left out is empty (create) or unchanged (update). */
export interface SnapshotInput {
  listeners?: readonly object[];
  routes?: readonly object[];
  clusters?: readonly object[];
  endpoints?: readonly object[];
  secrets?: readonly object[];
}

const INPUT_TYPE_URLS: [keyof SnapshotInput, string][] = [
  ['clusters', CLUSTER_TYPE_URL],
  ['endpoints', CLUSTER_LOAD_ASSIGNMENT_TYPE_URL],
  ['listeners', LISTENER_TYPE_URL],
  ['routes', ROUTE_CONFIGURATION_TYPE_URL],
  ['secrets', SECRET_TYPE_URL],
];

/** What consistent() found missing; `ok` when nothing is. */
export interface SnapshotConsistency {
  ok: boolean;
  /** RDS names referenced by listeners' HTTP connection managers that the snapshot lacks. */
  missingRoutes: string[];
  /** EDS names referenced by EDS clusters that the snapshot lacks. */
  missingEndpoints: string[];
}

export class Snapshot {
  private readonly types: ReadonlyMap<string, TypeResources>;

  /** Prefer Snapshot.create; this takes already built per-type sets (any type URL). */
  constructor(types: Iterable<TypeResources>) {
    const m = new Map<string, TypeResources>();
    for (const t of types) m.set(t.typeUrl, t);
    this.types = m;
  }

  /**
   * A snapshot of the five xDS types, each at `version`. Throws SnapshotError
   * on a nameless resource or two of one name within a type. The objects
   * become the cache's: do not mutate them afterwards.
   */
  static create(version: string, input: SnapshotInput): Snapshot {
    return new Snapshot(INPUT_TYPE_URLS.map(([kind, url]) => buildType(url, version, input[kind] ?? [], undefined)));
  }

  /**
   * A new snapshot where only the kinds in `changes` are replaced and carry
   * `version`; other types keep their version (so streams are not pushed
   * them) and every resource whose object is the same one as before keeps its
   * encoded bytes.
   */
  update(version: string, changes: SnapshotInput): Snapshot {
    const next = new Map(this.types);
    for (const [kind, url] of INPUT_TYPE_URLS) {
      const objs = changes[kind];
      if (objs) next.set(url, buildType(url, version, objs, this.types.get(url)));
    }
    return new Snapshot(next.values());
  }

  /** The resources of a type, or undefined when the snapshot does not carry it. */
  resources(typeUrl: string): TypeResources | undefined {
    return this.types.get(typeUrl);
  }

  /** The version of a type. */
  version(typeUrl: string): string | undefined {
    return this.types.get(typeUrl)?.version;
  }

  /** Type URLs the snapshot carries. */
  typeUrls(): string[] {
    return [...this.types.keys()];
  }

  /** Checks that every RDS name listeners reference and every EDS name EDS clusters reference is present. */
  consistent(): SnapshotConsistency {
    const routes = this.types.get(ROUTE_CONFIGURATION_TYPE_URL)?.byName;
    const endpoints = this.types.get(CLUSTER_LOAD_ASSIGNMENT_TYPE_URL)?.byName;
    const wantedRoutes = new Set<string>();
    for (const l of this.types.get(LISTENER_TYPE_URL)?.list ?? []) listenerRouteNames(l.message, wantedRoutes);
    const missingEndpoints = new Set<string>();
    for (const c of this.types.get(CLUSTER_TYPE_URL)?.list ?? []) {
      const eds = clusterEdsName(c.message);
      if (eds !== undefined && !endpoints?.has(eds)) missingEndpoints.add(eds);
    }
    const missingRoutes = [...wantedRoutes].filter((n) => !routes?.has(n)).sort();
    const missingEps = [...missingEndpoints].sort();
    return { ok: missingRoutes.length === 0 && missingEps.length === 0, missingRoutes, missingEndpoints: missingEps };
  }
}

function buildType(typeUrl: string, version: string, objs: readonly object[], prev: TypeResources | undefined): TypeResources {
  const items = objs.map((o) => {
    const name = resourceName(typeUrl, o);
    const old = prev?.byName.get(name);
    return old && old.message === o ? old : new CachedResource(typeUrl, name, o);
  });
  return new TypeResources(typeUrl, version, items);
}
