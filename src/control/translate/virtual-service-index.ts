// Which VirtualService routes each service, for one proxy and gateway. For
// sidecars Istio uses one VirtualService per host: the first (oldest) one that
// names it wins; later ones are reported as shadowed, not merged. Wildcard
// hosts claim the visible services they match, more specific claims first.
import type { VirtualService } from '../../api/networking.js';
import type { Accepted } from '../model/types.js';
import { hostCovers, isWildcard } from '../model/host-names.js';
import { MESSAGE_CODES } from './messages.js';
import { vsKey } from './translate-http-route.js';
import type { TranslateContext } from './translate-context.js';

export interface VirtualServiceIndex {
  /** The VirtualService routing a visible service, by hostname. */
  readonly byService: ReadonlyMap<string, Accepted<VirtualService>>;
  /** Hosts (resolved) of VirtualServices that name no visible service. */
  readonly otherHosts: readonly { host: string; vs: Accepted<VirtualService> }[];
}

/** Resolved hosts of a VirtualService (short names completed with its namespace). */
export function resolvedHosts(ctx: TranslateContext, vs: Accepted<VirtualService>): string[] {
  const ns = vs.obj.metadata.namespace ?? ctx.proxy.namespace;
  return (vs.obj.spec.hosts ?? []).map((h) => (isWildcard(h) ? h : ctx.push.resolveHost(h, ns)));
}

export function buildVirtualServiceIndex(ctx: TranslateContext, virtualServices: readonly Accepted<VirtualService>[]): VirtualServiceIndex {
  const byService = new Map<string, Accepted<VirtualService>>();
  const otherHosts: { host: string; vs: Accepted<VirtualService> }[] = [];
  const wildcards: { pattern: string; vs: Accepted<VirtualService> }[] = [];
  for (const vs of virtualServices) {
    for (const host of resolvedHosts(ctx, vs)) {
      if (isWildcard(host)) {
        wildcards.push({ pattern: host, vs });
        continue;
      }
      if (!ctx.serviceByHost.has(host)) {
        otherHosts.push({ host, vs });
        ctx.messages.info(MESSAGE_CODES.UNKNOWN_DESTINATION, vsKey(vs), 'spec.hosts',
          `${host} is not a service this proxy can see (add a ServiceEntry for external hosts); no virtual host is built for it`);
        continue;
      }
      const prev = byService.get(host);
      if (prev && prev !== vs) shadowed(ctx, vs, prev, host);
      else byService.set(host, vs);
    }
  }
  // Exact hosts win over wildcards; among wildcards the longest (most specific) wins.
  wildcards.sort((a, b) => b.pattern.length - a.pattern.length);
  for (const { pattern, vs } of wildcards) {
    for (const svc of ctx.services) {
      if (!hostCovers(pattern, svc.hostname) || byService.has(svc.hostname)) continue;
      byService.set(svc.hostname, vs);
    }
  }
  return { byService, otherHosts };
}

function shadowed(ctx: TranslateContext, vs: Accepted<VirtualService>, prev: Accepted<VirtualService>, host: string): void {
  ctx.messages.warn(MESSAGE_CODES.VS_SHADOWED, vsKey(vs), 'spec.hosts',
    `${host} is already routed by ${vsKey(prev)}; sidecars use one VirtualService per host (the oldest), as Istio does, so this one is not applied for it`);
}
