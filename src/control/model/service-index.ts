// Services and endpoints of one PushContext, copied out of the registry once
// at build time so the snapshot never changes under a translator.
import { isVisibleFrom, normalizeExportTo } from './export-to.js';
import type { ServiceEndpoint, ServiceModel, ServiceRegistry } from './types.js';

/** What a PushContext reads from a registry: a point-in-time view. */
export type RegistryView = Pick<ServiceRegistry, 'services' | 'endpoints'>;

const NO_ENDPOINTS: readonly ServiceEndpoint[] = Object.freeze([]);

export class ServiceIndex {
  readonly services: readonly ServiceModel[];
  /** hostname → services with that hostname, oldest first (ServiceEntries may repeat a host in several namespaces). */
  private readonly byHost = new Map<string, ServiceModel[]>();
  /** "hostname|port" → endpoints. */
  private readonly endpointsByKey: Map<string, readonly ServiceEndpoint[]>;
  private readonly visibleMemo = new Map<string, readonly ServiceModel[]>();

  constructor(services: readonly ServiceModel[], endpointsByKey: Map<string, readonly ServiceEndpoint[]>) {
    this.services = Object.freeze([...services]);
    for (const s of this.services) {
      const list = this.byHost.get(s.hostname);
      if (list) list.push(s);
      else this.byHost.set(s.hostname, [s]);
    }
    this.endpointsByKey = endpointsByKey;
  }

  /** Copies services and every port's endpoints out of `registry`. */
  static fromRegistry(registry: RegistryView): ServiceIndex {
    const services = registry.services();
    const eps = new Map<string, readonly ServiceEndpoint[]>();
    for (const s of services) {
      for (const p of s.ports) {
        const key = endpointKey(s.hostname, p.port);
        if (eps.has(key)) continue;
        const list = registry.endpoints(s.hostname, p.port);
        eps.set(key, list.length === 0 ? NO_ENDPOINTS : Object.freeze([...list]));
      }
    }
    return new ServiceIndex(services, eps);
  }

  /** The same services with endpoints re-read from `registry` (an EDS-only update). */
  withEndpointsFrom(registry: RegistryView): ServiceIndex {
    const eps = new Map<string, readonly ServiceEndpoint[]>();
    for (const s of this.services) {
      for (const p of s.ports) {
        const key = endpointKey(s.hostname, p.port);
        if (eps.has(key)) continue;
        const list = registry.endpoints(s.hostname, p.port);
        eps.set(key, list.length === 0 ? NO_ENDPOINTS : Object.freeze([...list]));
      }
    }
    return new ServiceIndex(this.services, eps);
  }

  first(hostname: string): ServiceModel | undefined {
    return this.byHost.get(hostname)?.[0];
  }

  all(hostname: string): readonly ServiceModel[] {
    return this.byHost.get(hostname) ?? [];
  }

  endpoints(hostname: string, port: number): readonly ServiceEndpoint[] {
    return this.endpointsByKey.get(endpointKey(hostname, port)) ?? NO_ENDPOINTS;
  }

  /**
   * Services visible from `namespace` by exportTo, one per hostname: the one
   * in `namespace` when there is one, else the oldest visible (Istio).
   */
  visibleFrom(namespace: string): readonly ServiceModel[] {
    const hit = this.visibleMemo.get(namespace);
    if (hit) return hit;
    const chosen = new Map<string, ServiceModel>();
    for (const s of this.services) {
      if (!isVisibleFrom(normalizeExportTo(s.exportTo), s.namespace, namespace)) continue;
      const prev = chosen.get(s.hostname);
      if (prev === undefined || (prev.namespace !== namespace && s.namespace === namespace)) chosen.set(s.hostname, s);
    }
    const out = Object.freeze([...chosen.values()]);
    this.visibleMemo.set(namespace, out);
    return out;
  }
}

export function endpointKey(hostname: string, port: number): string {
  return `${hostname}|${port}`;
}
