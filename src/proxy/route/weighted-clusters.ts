// Which cluster a route sends to: a fixed name, a request header's value, or a
// weighted pick. The weighted pick uses the request's random value modulo the
// total weight, walking the cumulative weights in config order (as Envoy does),
// so tests can pin a choice by passing the random value.
import { ConfigErrors, joinPath } from '../../common/errors.js';
import { checkSupported } from '../config/support.js';
import type { envoy_config_route_v3_WeightedCluster } from '../../xds/gen/types.js';
import { decodeHeaderMutation, HeaderMutation } from './header-mutation.js';
import { normalizeRandom } from './route-defaults.js';
import type { RequestView } from './route-request.js';

/** One weighted_clusters entry. */
export interface WeightedClusterEntry {
  /** Cluster name, or undefined when taken from `clusterHeader`. */
  readonly name: string | undefined;
  readonly clusterHeader: string | undefined;
  readonly weight: number;
  /** This entry's own header mutations (route.finalize* adds the enclosing levels). */
  readonly requestHeaders: HeaderMutation;
  readonly responseHeaders: HeaderMutation;
  /** Host header for the upstream request when this entry is picked. */
  readonly hostRewriteLiteral: string | undefined;
}

export type ClusterSpecifier =
  | { readonly kind: 'cluster'; readonly name: string }
  | { readonly kind: 'cluster_header'; readonly header: string }
  | {
      readonly kind: 'weighted';
      readonly clusters: readonly WeightedClusterEntry[];
      readonly totalWeight: number;
      /** Request header whose integer value replaces the random value, when present. */
      readonly randomValueHeader: string | undefined;
    };

/** The outcome of pickCluster: the name, and the weighted entry it came from. */
export interface PickedCluster {
  readonly name: string;
  readonly weighted: WeightedClusterEntry | undefined;
}

/**
 * Picks the cluster; undefined when the name comes from a missing or empty
 * header (the router answers with cluster_not_found_response_code).
 * `rand` is a non-negative integer (or a float in [0, 1)); it is taken modulo the total weight.
 */
export function pickCluster(spec: ClusterSpecifier, view: RequestView, rand: number): PickedCluster | undefined {
  switch (spec.kind) {
    case 'cluster':
      return { name: spec.name, weighted: undefined };
    case 'cluster_header': {
      const name = view.header(spec.header);
      return name ? { name, weighted: undefined } : undefined;
    }
    case 'weighted': {
      let r = normalizeRandom(rand);
      if (spec.randomValueHeader !== undefined) {
        const h = view.header(spec.randomValueHeader);
        if (h !== undefined && /^\d{1,15}$/.test(h)) r = Number(h);
      }
      const selected = r % spec.totalWeight;
      let end = 0;
      for (const c of spec.clusters) {
        end += c.weight;
        if (selected < end) {
          const name = c.name ?? (c.clusterHeader ? view.header(c.clusterHeader) : undefined);
          return name ? { name, weighted: c } : undefined;
        }
      }
      return undefined;
    }
  }
}

/** Decodes weighted_clusters; undefined (errors reported) when unusable. */
export function decodeWeightedClusters(w: envoy_config_route_v3_WeightedCluster, path: string, errs: ConfigErrors): ClusterSpecifier | undefined {
  checkSupported(w, path, errs, ['clusters', 'total_weight', 'header_name']);
  const list = w.clusters ?? [];
  const clustersPath = joinPath(path, 'clusters');
  let ok = true;
  if (list.length === 0) {
    errs.required(clustersPath, 'at least one cluster is required');
    return undefined;
  }
  const clusters: WeightedClusterEntry[] = [];
  let total = 0;
  list.forEach((c, i) => {
    const p = joinPath(clustersPath, i);
    checkSupported(c, p, errs, [
      'name', 'cluster_header', 'weight', 'request_headers_to_add', 'request_headers_to_remove',
      'response_headers_to_add', 'response_headers_to_remove', 'host_rewrite_literal',
    ]);
    const hasName = c.name !== undefined && c.name !== '';
    const hasHeader = c.cluster_header !== undefined && c.cluster_header !== '';
    if (hasName === hasHeader) {
      errs.required(p, 'exactly one of name, cluster_header is required');
      ok = false;
    }
    const weight = c.weight?.value ?? 0;
    total += weight;
    clusters.push({
      name: hasName ? c.name : undefined,
      clusterHeader: hasHeader ? c.cluster_header!.toLowerCase() : undefined,
      weight,
      requestHeaders: decodeHeaderMutation(c.request_headers_to_add, joinPath(p, 'request_headers_to_add'), c.request_headers_to_remove, joinPath(p, 'request_headers_to_remove'), errs),
      responseHeaders: decodeHeaderMutation(c.response_headers_to_add, joinPath(p, 'response_headers_to_add'), c.response_headers_to_remove, joinPath(p, 'response_headers_to_remove'), errs),
      hostRewriteLiteral: c.host_rewrite_literal,
    });
  });
  if (total <= 0) {
    errs.error(clustersPath, 'the sum of weights must be greater than 0');
    ok = false;
  } else if (total > 0xffffffff) {
    errs.error(clustersPath, 'the sum of weights must fit in 32 bits');
    ok = false;
  }
  if (w.total_weight !== undefined && (w.total_weight.value ?? 0) !== total) {
    errs.error(joinPath(path, 'total_weight'), `total_weight ${w.total_weight.value ?? 0} does not match the sum of weights ${total}`);
    ok = false;
  }
  if (!ok) return undefined;
  return { kind: 'weighted', clusters, totalWeight: total, randomValueHeader: w.header_name ? w.header_name.toLowerCase() : undefined };
}
