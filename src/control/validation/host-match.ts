// Host names as Istio compares and resolves them (pkg/config/host): wildcard
// hosts ("*.example.com", "*") match by suffix, and short names resolve
// against the namespace of the object that uses them.

/** True when the two host patterns can match a common name (Istio's host.Name.Matches). */
export function hostsOverlap(a: string, b: string): boolean {
  if (a === b) return true;
  const aw = a.startsWith('*');
  const bw = b.startsWith('*');
  if (aw && bw) {
    const as = a.slice(1);
    const bs = b.slice(1);
    return as.length > bs.length ? as.endsWith(bs) : bs.endsWith(as);
  }
  if (aw) return b.endsWith(a.slice(1));
  if (bw) return a.endsWith(b.slice(1));
  return false;
}

/** True when `name` (possibly itself a wildcard) is covered by `pattern` (Istio's SubsetOf). */
export function hostCoveredBy(name: string, pattern: string): boolean {
  if (name === pattern || pattern === '*') return true;
  if (!pattern.startsWith('*')) return false;
  const suffix = pattern.slice(1);
  return name.startsWith('*') ? name.slice(1).endsWith(suffix) : name.endsWith(suffix);
}

/**
 * The fully qualified form of a host used in `namespace`, as Istio resolves
 * Kubernetes short names: "reviews" → "reviews.<ns>.svc.<suffix>",
 * "reviews.prod" → "reviews.prod.svc.<suffix>"; names with more dots, IPs and
 * wildcards are kept.
 */
export function resolveShortHost(host: string, namespace: string, domainSuffix = 'cluster.local'): string {
  if (host.includes('*') || /^[\d.]+$/.test(host) || host.includes(':')) return host;
  const parts = host.split('.');
  if (parts.length === 1) return `${host}.${namespace}.svc.${domainSuffix}`;
  if (parts.length === 2) return `${host}.svc.${domainSuffix}`;
  if (parts.length === 3 && parts[2] === 'svc') return `${host}.${domainSuffix}`;
  return host;
}

/** The namespace a resolved Kubernetes service name lives in ("reviews.prod.svc.cluster.local" → "prod"). */
export function namespaceOfServiceHost(fqdn: string, domainSuffix = 'cluster.local'): string | undefined {
  const tail = `.svc.${domainSuffix}`;
  if (!fqdn.endsWith(tail)) return undefined;
  const parts = fqdn.slice(0, -tail.length).split('.');
  return parts.length === 2 ? parts[1] : undefined;
}
