// VirtualServices by (namespace, gateway), as Istio's virtualServiceIndex:
// for a proxy in namespace N bound to gateway G, the order is
//   1. VirtualServices in N exported to N only ("." or N itself),
//   2. VirtualServices from other namespaces exported to N by name,
//   3. public ones ("*", the default),
// each group oldest first. Translators take the first VirtualService for a
// host (sidecars) so this order decides conflicts.
//
// Objects are returned as resolved copies: spec.hosts, route destination
// hosts and gateway names in FQDN / "ns/name" form. Inputs are never mutated.
import type { Destination, VirtualService } from '../../api/networking.js';
import { namespaceOf } from './config-key.js';
import { MODEL_DEFAULTS } from './defaults.js';
import { deepFreeze } from './freeze.js';
import { exportNamespaces, isPublic, normalizeExportTo } from './export-to.js';
import { resolveGatewayName } from './gateway-name.js';
import type { Accepted } from './types.js';

export type HostResolver = (host: string, namespace: string) => string;

export interface IndexedVirtualService {
  readonly accepted: Accepted<VirtualService>;
  readonly namespace: string;
  readonly exportTo: readonly string[];
  /** Resolved gateway names the VirtualService binds to ("mesh" when unset). */
  readonly gateways: readonly string[];
}

export class VirtualServiceIndex {
  /** Every indexed VirtualService, oldest first (delegates, which have no hosts, excluded). */
  readonly all: readonly IndexedVirtualService[];
  /** VirtualServices without hosts: delegates, only reachable from a root's `delegate` (not merged by weft yet). */
  readonly delegates: readonly Accepted<VirtualService>[];
  private readonly privateByNsGw = new Map<string, Accepted<VirtualService>[]>();
  private readonly exportedByNsGw = new Map<string, Accepted<VirtualService>[]>();
  private readonly publicByGw = new Map<string, Accepted<VirtualService>[]>();
  private readonly memo = new Map<string, readonly Accepted<VirtualService>[]>();

  constructor(items: readonly Accepted<VirtualService>[], resolveHost: HostResolver) {
    const all: IndexedVirtualService[] = [];
    const delegates: Accepted<VirtualService>[] = [];
    for (const item of items) {
      const ns = namespaceOf(item.obj);
      const resolved = resolveVirtualService(item, ns, resolveHost);
      if ((resolved.obj.spec.hosts ?? []).length === 0) {
        delegates.push(resolved);
        continue;
      }
      const exportTo = normalizeExportTo(item.obj.spec?.exportTo);
      const gateways = resolved.obj.spec.gateways && resolved.obj.spec.gateways.length > 0 ? resolved.obj.spec.gateways : [MODEL_DEFAULTS.meshGateway];
      all.push({ accepted: resolved, namespace: ns, exportTo, gateways });
      for (const gw of new Set(gateways)) {
        if (isPublic(exportTo)) {
          push(this.publicByGw, gw, resolved);
          continue;
        }
        for (const target of exportNamespaces(exportTo, ns)) {
          push(target === ns ? this.privateByNsGw : this.exportedByNsGw, `${target}|${gw}`, resolved);
        }
      }
    }
    this.all = all;
    this.delegates = delegates;
  }

  /** VirtualServices visible from `namespace` bound to `gateway` ("mesh", or "ns/name"; a short name is taken in `namespace`). */
  forGateway(namespace: string, gateway: string): readonly Accepted<VirtualService>[] {
    const gw = resolveGatewayName(gateway, namespace);
    const key = `${namespace}|${gw}`;
    const hit = this.memo.get(key);
    if (hit) return hit;
    const out = Object.freeze([
      ...(this.privateByNsGw.get(key) ?? []),
      ...(this.exportedByNsGw.get(key) ?? []),
      ...(this.publicByGw.get(gw) ?? []),
    ]);
    this.memo.set(key, out);
    return out;
  }
}

function push<T>(m: Map<string, T[]>, key: string, v: T): void {
  const list = m.get(key);
  if (list) list.push(v);
  else m.set(key, [v]);
}

/** A frozen copy of a VirtualService with hosts, destinations and gateway names resolved. */
export function resolveVirtualService(item: Accepted<VirtualService>, namespace: string, resolveHost: HostResolver): Accepted<VirtualService> {
  const obj = structuredClone(item.obj) as VirtualService;
  const spec = obj.spec ?? (obj.spec = {});
  const host = (h: string) => resolveHost(h, namespace);
  const gw = (g: string) => resolveGatewayName(g, namespace);
  const dest = (d: Destination | undefined) => {
    if (d && typeof d.host === 'string') d.host = host(d.host);
  };
  if (spec.hosts) spec.hosts = spec.hosts.map(host);
  if (spec.gateways) spec.gateways = spec.gateways.map(gw);
  for (const r of spec.http ?? []) {
    for (const m of r.match ?? []) if (m.gateways) m.gateways = m.gateways.map(gw);
    for (const d of r.route ?? []) dest(d.destination);
    dest(r.mirror);
    for (const m of r.mirrors ?? []) dest(m.destination);
  }
  for (const r of spec.tls ?? []) {
    for (const m of r.match ?? []) if (m.gateways) m.gateways = m.gateways.map(gw);
    for (const d of r.route ?? []) dest(d.destination);
  }
  for (const r of spec.tcp ?? []) {
    for (const m of r.match ?? []) if (m.gateways) m.gateways = m.gateways.map(gw);
    for (const d of r.route ?? []) dest(d.destination);
  }
  const out: Accepted<VirtualService> = item.file === undefined ? { obj, key: item.key } : { obj, key: item.key, file: item.file };
  return deepFreeze(out);
}
