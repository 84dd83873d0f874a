// AuthorizationPolicy lookup: every policy that applies to a workload, as
// Istio's PushContext.AuthzPolicies.ListAuthorizationPolicies selects them.
// Unlike PeerAuthentication, policies do not override each other: all that
// apply are enforced together.
//   - root namespace, no selector: every workload in the mesh;
//   - root namespace, with a selector: workloads in any namespace whose labels match;
//   - a namespace, no selector: every workload in that namespace;
//   - a namespace, with a selector: workloads there whose labels match.
// The result is in config order (oldest first; it stands in for Istio's
// creation time), which makes generated policy order deterministic.
import type { AuthorizationPolicy } from '../../api/security.js';
import { namespaceOf } from './config-key.js';
import { hasSelectorLabels, selectorMatches } from './labels.js';
import { workloadKey } from './scoped-objects.js';
import type { Accepted } from './types.js';

export class AuthorizationPolicyIndex {
  private readonly byNamespace = new Map<string, Accepted<AuthorizationPolicy>[]>();
  private readonly memo = new Map<string, readonly Accepted<AuthorizationPolicy>[]>();
  private readonly order = new Map<Accepted<AuthorizationPolicy>, number>();

  /** `items` oldest first. */
  constructor(items: readonly Accepted<AuthorizationPolicy>[], private readonly rootNamespace: string) {
    items.forEach((it, i) => {
      this.order.set(it, i);
      const ns = namespaceOf(it.obj);
      const list = this.byNamespace.get(ns);
      if (list) list.push(it);
      else this.byNamespace.set(ns, [it]);
    });
  }

  /** Every policy, oldest first. */
  all(): readonly Accepted<AuthorizationPolicy>[] {
    return [...this.order.keys()];
  }

  /** The policies that apply to a workload (its namespace and labels), oldest first (memoized). */
  forWorkload(namespace: string, labels: Readonly<Record<string, string>>): readonly Accepted<AuthorizationPolicy>[] {
    const key = workloadKey(namespace, labels);
    let hit = this.memo.get(key);
    if (!hit) {
      const out = new Set<Accepted<AuthorizationPolicy>>();
      for (const ns of namespace === this.rootNamespace ? [namespace] : [this.rootNamespace, namespace]) {
        for (const p of this.byNamespace.get(ns) ?? []) if (appliesTo(p.obj, labels)) out.add(p);
      }
      hit = Object.freeze([...out].sort((a, b) => this.order.get(a)! - this.order.get(b)!));
      this.memo.set(key, hit);
    }
    return hit;
  }
}

/** True when the policy's selector (none: every workload of its scope) matches `labels`. */
export function appliesTo(p: AuthorizationPolicy, labels: Readonly<Record<string, string>>): boolean {
  const ml = p.spec?.selector?.matchLabels;
  return !hasSelectorLabels(ml) || selectorMatches(ml, labels);
}
