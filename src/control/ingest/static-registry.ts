// A registry whose services and endpoints are given programmatically: for
// tests and for `weft up`, which knows its workloads from the workloads file
// and the processes it started.
import { endpointKey } from '../model/service-index.js';
import type { ServiceEndpoint, ServiceModel, ServiceRegistry } from '../model/types.js';
import { changeBetween, RegistryListeners, type RegistryListener } from './registry-listeners.js';

const NONE: readonly ServiceEndpoint[] = Object.freeze([]);

export class StaticRegistry implements ServiceRegistry {
  private svc: readonly ServiceModel[] = [];
  private eps = new Map<string, ServiceEndpoint[]>();
  private fingerprint: { services: string; endpoints: string } | undefined;
  private readonly listeners = new RegistryListeners();

  constructor(services: readonly ServiceModel[] = [], endpoints: readonly ServiceEndpoint[] = []) {
    this.replace(services, endpoints);
  }

  services(): readonly ServiceModel[] {
    return this.svc;
  }

  endpoints(hostname: string, port: number): readonly ServiceEndpoint[] {
    return this.eps.get(endpointKey(hostname, port)) ?? NONE;
  }

  /** Called with 'endpoints' when only endpoints changed, 'services' otherwise; returns an unsubscribe function. */
  onChange(cb: RegistryListener): () => void {
    return this.listeners.add(cb);
  }

  /** Replaces everything; notifies listeners only when something changed. */
  set(services: readonly ServiceModel[], endpoints: readonly ServiceEndpoint[]): void {
    const what = this.replace(services, endpoints);
    if (what) this.listeners.emit(what);
  }

  /** Replaces the endpoints only (e.g. a workload started or stopped). */
  setEndpoints(endpoints: readonly ServiceEndpoint[]): void {
    this.set(this.svc, endpoints);
  }

  private replace(services: readonly ServiceModel[], endpoints: readonly ServiceEndpoint[]) {
    this.svc = Object.freeze([...services]);
    const eps = new Map<string, ServiceEndpoint[]>();
    for (const e of endpoints) {
      const k = endpointKey(e.hostname, e.servicePort);
      const list = eps.get(k);
      if (list) list.push(e);
      else eps.set(k, [e]);
    }
    this.eps = eps;
    const next = { services: JSON.stringify(this.svc), endpoints: JSON.stringify([...eps]) };
    const what = changeBetween(this.fingerprint, next);
    this.fingerprint = next;
    return what;
  }
}
