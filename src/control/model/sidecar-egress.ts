// A Sidecar's egress hosts ("namespace/host"), as Istio reads them: the
// namespace part is "*" (any), "." (the proxy's namespace), "~" (none) or a
// name; the host part is "*", a wildcard "*.example.com" or an exact name.
// A Sidecar without egress listeners gets Istio's default "*/*".
import type { Sidecar } from '../../api/networking.js';
import { hostsOverlap } from './host-names.js';

export interface EgressHost {
  readonly namespace: string;
  readonly host: string;
}

const DEFAULT_EGRESS: readonly EgressHost[] = [{ namespace: '*', host: '*' }];

/** Every egress host of a Sidecar, across its listeners. */
export function egressHostsOf(sidecar: Sidecar): readonly EgressHost[] {
  const listeners = sidecar.spec?.egress ?? [];
  if (listeners.length === 0) return DEFAULT_EGRESS;
  const out: EgressHost[] = [];
  for (const l of listeners) {
    for (const h of l.hosts ?? []) out.push(parseEgressHost(h));
  }
  return out;
}

/** "ns/host" → parts; a bare host (no "/") is taken as "*\/host". */
export function parseEgressHost(text: string): EgressHost {
  const slash = text.indexOf('/');
  if (slash < 0) return { namespace: '*', host: text };
  return { namespace: text.slice(0, slash), host: text.slice(slash + 1) };
}

/** True when something named `host` in `namespace` is selected by `egress` for a proxy in `proxyNamespace`. */
export function egressSelects(egress: readonly EgressHost[], proxyNamespace: string, namespace: string, host: string): boolean {
  for (const e of egress) {
    if (e.namespace === '~') continue;
    if (e.namespace !== '*' && (e.namespace === '.' ? proxyNamespace : e.namespace) !== namespace) continue;
    if (hostsOverlap(e.host, host)) return true;
  }
  return false;
}
