// Virtual host selection by Host/:authority, with Envoy's precedence:
// exact domain, then the longest `*suffix` wildcard, then the longest `prefix*`
// wildcard, then `*`. Exact domains live in a Map; wildcards are grouped by
// length (longest first) with one Map per length, so a lookup costs one Map
// probe per distinct wildcard length. The port in the authority takes part in
// matching (Envoy's default) unless ignore_port_in_host_matching is set.
import { asciiLower } from './route-request.js';

interface WildcardGroup<T> {
  readonly length: number;
  readonly byText: Map<string, T>;
}

/** Domain → value index for one route table. */
export class DomainIndex<T> {
  private readonly exact = new Map<string, T>();
  private suffixes: WildcardGroup<T>[] = [];
  private prefixes: WildcardGroup<T>[] = [];
  private fallback: T | undefined;
  private readonly seen = new Set<string>();

  constructor(readonly ignorePort: boolean) {}

  /** True when `domain` (any case) is already in the index. */
  taken(domain: string): boolean {
    return this.seen.has(asciiLower(domain));
  }

  /** Adds a domain; returns an error message instead when the domain is invalid or already taken. */
  add(domain: string, value: T): string | undefined {
    const d = asciiLower(domain);
    if (d === '') return 'domain must not be empty';
    if (/[\s/]/.test(d)) return `invalid domain ${JSON.stringify(domain)}`;
    if (this.seen.has(d)) return `duplicate domain ${JSON.stringify(domain)}: each domain may appear in one virtual host only`;
    const stars = d.split('*').length - 1;
    if (stars > 1 || (stars === 1 && d !== '*' && !d.startsWith('*') && !d.endsWith('*'))) {
      return `invalid domain ${JSON.stringify(domain)}: one wildcard * is allowed, as the first or last character`;
    }
    this.seen.add(d);
    if (d === '*') this.fallback = value;
    else if (d.startsWith('*')) this.suffixes = insertGroup(this.suffixes, d.slice(1), value);
    else if (d.endsWith('*')) this.prefixes = insertGroup(this.prefixes, d.slice(0, -1), value);
    else this.exact.set(d, value);
    return undefined;
  }

  /** The value for a Host/:authority, or undefined (no virtual host: NR). */
  find(authority: string): T | undefined {
    let host = asciiLower(authority);
    if (this.ignorePort) {
      const p = portStart(host);
      if (p >= 0) host = host.slice(0, p);
    }
    const hit = this.exact.get(host);
    if (hit !== undefined) return hit;
    // A wildcard never matches the empty string: `*.a.com` does not match `.a.com`.
    for (const g of this.suffixes) {
      if (g.length >= host.length) continue;
      const v = g.byText.get(host.slice(host.length - g.length));
      if (v !== undefined) return v;
    }
    for (const g of this.prefixes) {
      if (g.length >= host.length) continue;
      const v = g.byText.get(host.slice(0, g.length));
      if (v !== undefined) return v;
    }
    return this.fallback;
  }
}

function insertGroup<T>(groups: WildcardGroup<T>[], text: string, value: T): WildcardGroup<T>[] {
  let g = groups.find((x) => x.length === text.length);
  if (!g) {
    g = { length: text.length, byText: new Map() };
    groups = [...groups, g].sort((a, b) => b.length - a.length);
  }
  g.byText.set(text, value);
  return groups;
}

/** Index of the `:` that starts the port in a host, or -1 (handles `[v6]:port`). */
export function portStart(host: string): number {
  if (host.startsWith('[')) {
    const i = host.lastIndexOf(']:');
    return i < 0 ? -1 : i + 1;
  }
  const i = host.lastIndexOf(':');
  if (i < 0 || host.indexOf(':') !== i) return -1; // no port, or a bare IPv6 address
  return i;
}
