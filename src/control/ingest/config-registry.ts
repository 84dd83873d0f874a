// The registry made from config: ServiceEntries and WorkloadEntries (from
// files today, Kubernetes objects later). update() is called with every
// accepted object on each config change; listeners hear 'endpoints' when the
// services are unchanged and only endpoints moved (a WorkloadEntry's address
// or labels), so the server can push EDS alone.
import type { ConfigObject } from '../../api/networking.js';
import type { ModelNote } from '../model/destination-rule-index.js';
import type { Accepted, ServiceEndpoint, ServiceModel, ServiceRegistry } from '../model/types.js';
import { changeBetween, RegistryListeners, type RegistryChange, type RegistryListener } from './registry-listeners.js';
import { servicesFromConfig, type RegistryContents } from './service-entry-services.js';

const NONE: readonly ServiceEndpoint[] = Object.freeze([]);

export class ConfigRegistry implements ServiceRegistry {
  private contents: RegistryContents = { services: [], endpoints: new Map(), notes: [] };
  private fingerprint: { services: string; endpoints: string } | undefined;
  private readonly listeners = new RegistryListeners();

  constructor(configs: readonly Accepted<ConfigObject>[] = []) {
    this.replace(configs);
  }

  services(): readonly ServiceModel[] {
    return this.contents.services;
  }

  endpoints(hostname: string, port: number): readonly ServiceEndpoint[] {
    return this.contents.endpoints.get(`${hostname}|${port}`) ?? NONE;
  }

  /** Hosts ignored because an older ServiceEntry defines them (for `weft status`). */
  get notes(): readonly ModelNote[] {
    return this.contents.notes;
  }

  /** Listeners hear what changed; returns an unsubscribe function. */
  onChange(cb: RegistryListener): () => void {
    return this.listeners.add(cb);
  }

  /**
   * Rebuilds from every accepted object (other kinds are ignored). Returns
   * what changed, after notifying listeners; undefined when nothing did.
   */
  update(configs: readonly Accepted<ConfigObject>[]): RegistryChange | undefined {
    const what = this.replace(configs);
    if (what) this.listeners.emit(what);
    return what;
  }

  private replace(configs: readonly Accepted<ConfigObject>[]): RegistryChange | undefined {
    this.contents = servicesFromConfig(configs);
    const next = { services: JSON.stringify(this.contents.services), endpoints: JSON.stringify([...this.contents.endpoints]) };
    const what = changeBetween(this.fingerprint, next);
    this.fingerprint = next;
    return what;
  }
}
