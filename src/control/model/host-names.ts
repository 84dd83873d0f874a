// Host names as Istio resolves and compares them (pkg/config/host and
// ResolveShortnameToFQDN). Wildcards ("*", "*.example.com") match by suffix.
// The one place these rules live: validation, analysis and translation all
// judge a host through this module, so they cannot disagree.
// Sidecar and Gateway "namespace/host" entries are read in sidecar-egress.ts.
import { isIP } from 'node:net';

/**
 * The fully qualified form of `host` used by an object in `namespace`.
 * - "reviews" → "reviews.<namespace>.svc.<suffix>" (Istio).
 * - "reviews.prod" → "reviews.prod.svc.<suffix>" when "prod" is a namespace
 *   the mesh knows (`isNamespace`); otherwise kept, so external names such as
 *   "httpbin.org" are never turned into cluster names. (Istio keeps every
 *   dotted name as written; weft expands this Kubernetes DNS form because
 *   users write it and it can only mean the service.)
 * - "reviews.prod.svc" → "reviews.prod.svc.<suffix>".
 * - "*", wildcards, IP addresses and other dotted names are kept.
 */
export function resolveHostName(
  host: string,
  namespace: string,
  domainSuffix: string,
  isNamespace: (ns: string) => boolean = () => false,
): string {
  if (host === '' || host === '*' || host.startsWith('*') || isIP(host) !== 0) return host;
  const firstDot = host.indexOf('.');
  if (firstDot < 0) return `${host}.${namespace}.svc.${domainSuffix}`;
  const rest = host.slice(firstDot + 1);
  const secondDot = rest.indexOf('.');
  if (secondDot < 0) return rest !== '' && isNamespace(rest) ? `${host}.svc.${domainSuffix}` : host;
  if (rest.slice(secondDot + 1) === 'svc') return `${host}.${domainSuffix}`;
  return host;
}

/** True when the concrete or wildcard `name` is covered by `pattern` (Istio's SubsetOf). */
export function hostCovers(pattern: string, name: string): boolean {
  if (pattern === name || pattern === '*') return true;
  if (!pattern.startsWith('*')) return false;
  const suffix = pattern.slice(1);
  return name.startsWith('*') ? name.length >= pattern.length && name.slice(1).endsWith(suffix) : name.endsWith(suffix);
}

/** A wildcard host: "*" or "*.example.com". */
export function isWildcard(host: string): boolean {
  return host.startsWith('*');
}

/**
 * The more specific of two overlapping hosts (the names both match), or
 * undefined when no name matches both: a Gateway server host and a
 * VirtualService host become the domain they share.
 */
export function hostIntersection(a: string, b: string): string | undefined {
  if (hostCovers(a, b)) return b;
  if (hostCovers(b, a)) return a;
  return undefined;
}

/** The namespace of a Kubernetes service name ("reviews.prod.svc.cluster.local" → "prod"); undefined for other names. */
export function namespaceOfServiceHost(fqdn: string, domainSuffix: string): string | undefined {
  const tail = `.svc.${domainSuffix}`;
  if (!fqdn.endsWith(tail)) return undefined;
  const parts = fqdn.slice(0, -tail.length).split('.');
  return parts.length === 2 ? parts[1] : undefined;
}

/** True when two host patterns can name a common host (Istio's Matches, symmetric). */
export function hostsOverlap(a: string, b: string): boolean {
  return hostCovers(a, b) || hostCovers(b, a);
}

/**
 * Among `patterns`, the one that best matches `host` (Istio's
 * MostSpecificHostMatch): the exact name, else the longest wildcard covering it.
 */
export function mostSpecificMatch(host: string, exact: ReadonlyMap<string, unknown>, wildcards: readonly string[]): string | undefined {
  if (exact.has(host)) return host;
  let best: string | undefined;
  for (const w of wildcards) {
    if (hostCovers(w, host) && (best === undefined || w.length > best.length)) best = w;
  }
  return best;
}
