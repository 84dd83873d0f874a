// PeerAuthentication lookup: the effective mTLS mode of a workload (namespace
// and labels) and of each of its ports, composed as Istio does
// (pilot/pkg/security/authn ComposePeerAuthentication):
//   - mesh scope: a policy without selector in the root namespace;
//   - namespace scope: a policy without selector in the workload's namespace;
//   - workload scope: a policy in the workload's namespace whose
//     selector.matchLabels all match (policies with a selector in the root
//     namespace apply to nothing);
//   - several in one scope: the oldest wins (here: the first in config order,
//     which stands in for creation time);
//   - UNSET (or no mtls) inherits from the wider scope; nothing set anywhere
//     means PERMISSIVE; portLevelMtls of the workload policy overrides per
//     port, UNSET there inherits the workload's mode.
import type { PeerAuthentication, PeerAuthenticationSpec } from '../../api/security.js';
import { hasSelectorLabels } from './labels.js';
import { ScopedObjects, workloadKey } from './scoped-objects.js';
import type { EffectiveMtls, MtlsMode } from './types.js';

/** A PeerAuthentication with its "Kind name.namespace" key. */
export interface KeyedPeerAuthentication {
  readonly obj: PeerAuthentication;
  readonly key: string;
}

/** The mode when no policy sets one: Istio's default. */
export const DEFAULT_MTLS_MODE: MtlsMode = 'PERMISSIVE';

/** True when the policy selects workloads (a non-empty matchLabels); otherwise it is namespace- or mesh-wide. */
export function hasWorkloadSelector(spec: PeerAuthenticationSpec | undefined): boolean {
  return hasSelectorLabels(spec?.selector?.matchLabels);
}

/** A portLevelMtls key as a port number, or undefined when it is not a decimal integer. */
export function portOfKey(key: string): number | undefined {
  const k = key.trim();
  return /^\d{1,10}$/.test(k) ? Number(k) : undefined;
}

/** The policy's own mode, or undefined when it inherits (UNSET or absent). */
function ownMode(m: { mode?: string | undefined } | undefined): MtlsMode | undefined {
  const mode = m?.mode;
  return mode === 'STRICT' || mode === 'PERMISSIVE' || mode === 'DISABLE' ? mode : undefined;
}

/** The scopes that apply to one workload, before composition. */
export interface ApplicablePolicies {
  readonly mesh?: KeyedPeerAuthentication | undefined;
  readonly namespace?: KeyedPeerAuthentication | undefined;
  readonly workload?: KeyedPeerAuthentication | undefined;
}

/** Composes the effective mode from the policies of each scope (Istio's ComposePeerAuthentication). */
export function composePeerAuthentication(p: ApplicablePolicies): EffectiveMtls {
  let mode: MtlsMode = DEFAULT_MTLS_MODE;
  let source: string | undefined;
  for (const scope of [p.mesh, p.namespace, p.workload]) {
    const m = ownMode(scope?.obj.spec?.mtls);
    if (scope && m) {
      mode = m;
      source = scope.key;
    }
  }
  const perPort = new Map<number, MtlsMode>();
  for (const [k, v] of Object.entries(p.workload?.obj.spec?.portLevelMtls ?? {})) {
    const port = portOfKey(k);
    if (port !== undefined) perPort.set(port, ownMode(v) ?? mode);
  }
  const policies = [p.mesh, p.namespace, p.workload].filter((x): x is KeyedPeerAuthentication => x !== undefined).map((x) => x.key);
  return Object.freeze({ mode, perPort, policies: Object.freeze(policies), ...(source !== undefined ? { source } : {}) });
}

/** The mode on one workload port (the port the workload listens on). */
export function mtlsModeForPort(e: EffectiveMtls, port: number): MtlsMode {
  return e.perPort.get(port) ?? e.mode;
}

export class PeerAuthenticationIndex {
  private readonly scoped: ScopedObjects<KeyedPeerAuthentication>;
  private readonly memo = new Map<string, EffectiveMtls>();

  /** `items` oldest first. */
  constructor(items: readonly KeyedPeerAuthentication[], private readonly rootNamespace: string) {
    this.scoped = new ScopedObjects(items);
  }

  /** The policies that apply to a workload, one per scope. */
  applicable(namespace: string, labels: Readonly<Record<string, string>>): ApplicablePolicies {
    const mesh = this.scoped.wide(this.rootNamespace);
    if (namespace === this.rootNamespace) return { mesh };
    return { mesh, namespace: this.scoped.wide(namespace), workload: this.scoped.selecting(namespace, labels) };
  }

  /** The effective policy of a workload (memoized per namespace and label set). */
  forWorkload(namespace: string, labels: Readonly<Record<string, string>>): EffectiveMtls {
    const key = workloadKey(namespace, labels);
    let hit = this.memo.get(key);
    if (!hit) {
      hit = composePeerAuthentication(this.applicable(namespace, labels));
      this.memo.set(key, hit);
    }
    return hit;
  }
}
