// RequestAuthentication lookup: every policy that applies to a workload, as
// Istio selects them (pilot/pkg/model authentication.go,
// getConfigsForWorkload). Unlike PeerAuthentication nothing is "oldest wins":
// all applicable policies' JWT rules are combined into one jwt_authn filter.
//   - policies in the workload's namespace without a selector, or whose
//     selector.matchLabels all match the workload's labels;
//   - policies in the root namespace without a selector (mesh-wide), or whose
//     selector matches (Istio applies root-namespace selectors in every
//     namespace for this kind, as for AuthorizationPolicy).
import type { RequestAuthentication } from '../../api/security.js';
import { namespaceOf } from './config-key.js';
import { selectorMatches } from './labels.js';
import { workloadKey } from './scoped-objects.js';
import type { Accepted } from './types.js';

export class RequestAuthenticationIndex {
  private readonly byNamespace = new Map<string, Accepted<RequestAuthentication>[]>();
  private readonly memo = new Map<string, readonly Accepted<RequestAuthentication>[]>();

  /** `items` oldest first. */
  constructor(items: readonly Accepted<RequestAuthentication>[], private readonly rootNamespace: string) {
    for (const it of items) {
      const ns = namespaceOf(it.obj);
      let list = this.byNamespace.get(ns);
      if (!list) this.byNamespace.set(ns, (list = []));
      list.push(it);
    }
  }

  get isEmpty(): boolean {
    return this.byNamespace.size === 0;
  }

  /** The policies that apply to a workload: its namespace's first, then the root namespace's, each oldest first (memoized). */
  forWorkload(namespace: string, labels: Readonly<Record<string, string>>): readonly Accepted<RequestAuthentication>[] {
    if (this.byNamespace.size === 0) return [];
    const key = workloadKey(namespace, labels);
    let hit = this.memo.get(key);
    if (!hit) {
      const namespaces = namespace === this.rootNamespace ? [namespace] : [namespace, this.rootNamespace];
      const out: Accepted<RequestAuthentication>[] = [];
      for (const ns of namespaces) {
        for (const p of this.byNamespace.get(ns) ?? []) if (selectorMatches(p.obj.spec?.selector?.matchLabels, labels)) out.push(p);
      }
      hit = Object.freeze(out);
      this.memo.set(key, hit);
    }
    return hit;
  }
}
