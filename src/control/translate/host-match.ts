// Hostname matching with Istio's wildcards: `*` matches everything,
// `*.example.com` matches any name ending in `.example.com`.

/** Whether `name` (a concrete hostname) is matched by `pattern` (possibly wildcarded). */
export function hostMatches(pattern: string, name: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*')) return name.endsWith(pattern.slice(1)) && name.length > pattern.length - 1;
  return pattern === name;
}

/** Whether two possibly-wildcarded hosts overlap; the more specific one is returned (Istio's intersection). */
export function hostIntersection(a: string, b: string): string | undefined {
  if (hostMatches(a, b)) return b;
  if (hostMatches(b, a)) return a;
  // Two wildcards overlap when one suffix contains the other.
  if (a.startsWith('*') && b.startsWith('*')) {
    const sa = a.slice(1);
    const sb = b.slice(1);
    if (sa.endsWith(sb)) return a;
    if (sb.endsWith(sa)) return b;
  }
  return undefined;
}

export function isWildcard(host: string): boolean {
  return host.startsWith('*');
}
