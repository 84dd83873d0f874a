// Istio's policy scopes for kinds with a workload selector (PeerAuthentication,
// Telemetry): per namespace, the oldest object without selector (namespace-
// wide; mesh-wide in the root namespace) and the objects with a selector,
// oldest first, of which the first whose matchLabels all match applies.
import type { ConfigObject } from '../../api/networking.js';
import { namespaceOf } from './config-key.js';
import { hasSelectorLabels, selectorMatches } from './labels.js';

interface Scoped {
  readonly obj: Pick<ConfigObject, 'metadata'> & { readonly spec?: { readonly selector?: { readonly matchLabels?: Readonly<Record<string, string>> | undefined } | undefined } | undefined };
}

export class ScopedObjects<T extends Scoped> {
  private readonly byNamespace = new Map<string, { wide?: T; selecting: T[] }>();

  /** `items` oldest first. */
  constructor(items: readonly T[]) {
    for (const it of items) {
      const ns = namespaceOf(it.obj);
      let e = this.byNamespace.get(ns);
      if (!e) {
        e = { selecting: [] };
        this.byNamespace.set(ns, e);
      }
      if (!hasSelectorLabels(it.obj.spec?.selector?.matchLabels)) e.wide ??= it;
      else e.selecting.push(it);
    }
  }

  get isEmpty(): boolean {
    return this.byNamespace.size === 0;
  }

  /** The oldest object without selector in `namespace`. */
  wide(namespace: string): T | undefined {
    return this.byNamespace.get(namespace)?.wide;
  }

  /** The oldest object in `namespace` whose selector matches `labels`. */
  selecting(namespace: string, labels: Readonly<Record<string, string>>): T | undefined {
    return this.byNamespace.get(namespace)?.selecting.find((p) => selectorMatches(p.obj.spec?.selector?.matchLabels, labels));
  }
}

/** A memo key for a workload: its namespace and its label set (order-independent). */
export function workloadKey(namespace: string, labels: Readonly<Record<string, string>>): string {
  return `${namespace}\u0000${JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))}`;
}
