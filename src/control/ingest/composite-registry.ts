// Several registries seen as one (the file registry, `weft up`'s static one,
// later Kubernetes). A service (hostname + namespace) defined by two
// registries is taken from the first; endpoints of a hostname are merged from
// every registry, as Istio merges endpoints across registries.
import type { ServiceEndpoint, ServiceModel, ServiceRegistry } from '../model/types.js';
import { RegistryListeners, type RegistryListener } from './registry-listeners.js';

export class CompositeRegistry implements ServiceRegistry {
  private readonly registries: ServiceRegistry[] = [];
  private readonly listeners = new RegistryListeners();

  constructor(registries: readonly ServiceRegistry[] = []) {
    for (const r of registries) this.attach(r);
  }

  /** Adds a registry (after the others: its services lose conflicts); listeners hear 'services'. */
  add(registry: ServiceRegistry): void {
    this.attach(registry);
    this.listeners.emit('services');
  }

  services(): readonly ServiceModel[] {
    if (this.registries.length === 1) return this.registries[0]!.services();
    const seen = new Set<string>();
    const out: ServiceModel[] = [];
    for (const r of this.registries) {
      for (const s of r.services()) {
        const k = `${s.hostname}|${s.namespace}`;
        if (seen.has(k)) continue;
        seen.add(k);
        out.push(s);
      }
    }
    return out;
  }

  endpoints(hostname: string, port: number): readonly ServiceEndpoint[] {
    if (this.registries.length === 1) return this.registries[0]!.endpoints(hostname, port);
    const out: ServiceEndpoint[] = [];
    for (const r of this.registries) out.push(...r.endpoints(hostname, port));
    return out;
  }

  /** Forwards every member's changes; returns an unsubscribe function. */
  onChange(cb: RegistryListener): () => void {
    return this.listeners.add(cb);
  }

  private attach(r: ServiceRegistry): void {
    this.registries.push(r);
    r.onChange((what) => this.listeners.emit(what));
  }
}
