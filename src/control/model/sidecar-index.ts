// Which Sidecar resource applies to a proxy (Istio's SidecarScope choice):
// the oldest Sidecar in the proxy's namespace whose workloadSelector matches
// the proxy's labels; else the oldest selector-less Sidecar of that
// namespace; else the oldest selector-less Sidecar of the root namespace.
// Gateways (router proxies) never use a Sidecar, as in Istio.
import type { Sidecar } from '../../api/networking.js';
import { namespaceOf } from './config-key.js';
import { deepFreeze } from './freeze.js';
import { hasSelectorLabels, selectorMatches } from './labels.js';
import type { Accepted, ProxyInfo } from './types.js';

interface NamespaceSidecars {
  selected: { accepted: Accepted<Sidecar>; selector: Readonly<Record<string, string>> }[];
  fallback?: Accepted<Sidecar>;
}

export class SidecarIndex {
  private readonly byNamespace = new Map<string, NamespaceSidecars>();

  constructor(items: readonly Accepted<Sidecar>[], private readonly rootNamespace: string) {
    for (const input of items) {
      const item = deepFreeze(structuredClone(input)); // a frozen copy: callers' objects stay theirs
      const ns = namespaceOf(item.obj);
      let entry = this.byNamespace.get(ns);
      if (!entry) this.byNamespace.set(ns, (entry = { selected: [] }));
      const selector = item.obj.spec?.workloadSelector?.labels;
      if (hasSelectorLabels(selector)) entry.selected.push({ accepted: item, selector: selector! });
      else if (!entry.fallback) entry.fallback = item;
    }
  }

  forProxy(proxy: ProxyInfo): Accepted<Sidecar> | undefined {
    if (proxy.type === 'router') return undefined;
    const own = this.byNamespace.get(proxy.namespace);
    if (own) {
      for (const s of own.selected) if (selectorMatches(s.selector, proxy.labels)) return s.accepted;
      if (own.fallback) return own.fallback;
    }
    return this.byNamespace.get(this.rootNamespace)?.fallback;
  }
}
