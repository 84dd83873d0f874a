// The names a service answers to in a virtual host, as Istio's
// generateVirtualHostDomains: the FQDN, and for Kubernetes-style hostnames
// (<name>.<ns>.svc.<suffix>) the short forms `<name>.<ns>.svc`, `<name>.<ns>`
// and, from the same namespace only, `<name>`; plus the service's IP
// addresses. Each with and without `:<port>`.
import { isIP } from 'node:net';
import type { ServiceModel } from '../model/types.js';

/** Name forms of a service for a proxy in `proxyNamespace`, most specific first. */
export function serviceNames(svc: ServiceModel, proxyNamespace: string, domainSuffix: string): string[] {
  const out = [svc.hostname];
  const kubeSuffix = `.svc.${domainSuffix}`;
  if (svc.hostname.endsWith(kubeSuffix)) {
    const nameNs = svc.hostname.slice(0, -kubeSuffix.length);
    const dot = nameNs.indexOf('.');
    if (dot > 0 && dot < nameNs.length - 1 && !nameNs.slice(dot + 1).includes('.')) {
      const name = nameNs.slice(0, dot);
      const ns = nameNs.slice(dot + 1);
      out.push(`${nameNs}.svc`, nameNs);
      if (ns === proxyNamespace) out.push(name);
    }
  }
  for (const a of svc.addresses) if (isIP(a) && a !== '0.0.0.0') out.push(a.includes(':') ? `[${a}]` : a);
  return out;
}

/** Sidecar domains: every name, bare and with `:port`. */
export function sidecarDomains(names: readonly string[], port: number): string[] {
  return names.flatMap((n) => [n, `${n}:${port}`]);
}

/**
 * Local-mode domains (one route table for every port): every name with
 * `:port`; bare names too on port 80, since `http://reviews/` means port 80.
 */
export function localProxyDomains(names: readonly string[], port: number): string[] {
  return names.flatMap((n) => (port === 80 ? [n, `${n}:80`] : [`${n}:${port}`]));
}

/**
 * Keeps the first virtual host to claim each domain (Envoy refuses a domain
 * in two virtual hosts); returns the dropped domains.
 */
export class DomainClaims {
  private readonly taken = new Set<string>();

  claim(domains: readonly string[]): { kept: string[]; dropped: string[] } {
    const kept: string[] = [];
    const dropped: string[] = [];
    for (const d of domains) {
      const k = d.toLowerCase();
      if (this.taken.has(k)) dropped.push(d);
      else {
        this.taken.add(k);
        kept.push(d);
      }
    }
    return { kept, dropped };
  }
}
