// DestinationRules per namespace and host, looked up in Istio's order
// (PushContext.destinationRule):
//   0. (when the proxy's labels are given) a rule in the proxy's namespace
//      whose workloadSelector matches the proxy,
//   1. a rule in the proxy's namespace (any exportTo: it is local),
//   2. a rule in the service's namespace exported to the proxy's namespace,
//   3. a rule in the root namespace exported to the proxy's namespace.
// Within a namespace the most specific host wins: the exact name, else the
// longest wildcard covering it. As in Istio, the most specific rule of steps
// 2 and 3 is chosen first and then checked for exportTo (a less specific
// exported rule is not tried instead).
//
// Several rules for one host in one namespace are merged as Istio does: the
// oldest keeps its key, exportTo and trafficPolicy (a later trafficPolicy is
// used only when the oldest has none); subsets of later rules are appended
// when their names are new.
import type { DestinationRule, Subset } from '../../api/networking.js';
import { namespaceOf } from './config-key.js';
import { deepFreeze } from './freeze.js';
import { isVisibleFrom, normalizeExportTo } from './export-to.js';
import { hostCovers, mostSpecificMatch } from './host-names.js';
import { hasSelectorLabels, selectorMatches } from './labels.js';
import type { Accepted } from './types.js';
import type { HostResolver } from './virtual-service-index.js';

/** A note about how rules were combined, for `weft status` (never silently dropped). */
export interface ModelNote {
  readonly key: string;
  readonly message: string;
}

interface DrEntry {
  accepted: Accepted<DestinationRule>;
  exportTo: readonly string[];
  /** Keys of later rules merged into this one. */
  mergedFrom: string[];
}

class HostTable {
  readonly exact = new Map<string, DrEntry>();
  readonly wildcards: string[] = [];

  get(host: string): DrEntry | undefined {
    return this.exact.get(host);
  }

  set(host: string, e: DrEntry): void {
    if (host.startsWith('*') && !this.exact.has(host)) this.wildcards.push(host);
    this.exact.set(host, e);
  }

  find(host: string): DrEntry | undefined {
    const m = mostSpecificMatch(host, this.exact, this.wildcards);
    return m === undefined ? undefined : this.exact.get(m);
  }
}

export class DestinationRuleIndex {
  private readonly byNamespace = new Map<string, HostTable>();
  /** Rules with a workloadSelector, per namespace, oldest first. */
  private readonly selected = new Map<string, { entry: DrEntry; selector: Readonly<Record<string, string>> }[]>();
  readonly notes: ModelNote[] = [];

  constructor(items: readonly Accepted<DestinationRule>[], resolveHost: HostResolver, private readonly rootNamespace: string) {
    for (const item of items) {
      const ns = namespaceOf(item.obj);
      const host = resolveHost(item.obj.spec?.host ?? '', ns);
      const obj = structuredClone(item.obj) as DestinationRule;
      obj.spec.host = host;
      const entry: DrEntry = {
        accepted: item.file === undefined ? { obj, key: item.key } : { obj, key: item.key, file: item.file },
        exportTo: normalizeExportTo(item.obj.spec?.exportTo),
        mergedFrom: [],
      };
      const selector = obj.spec.workloadSelector?.matchLabels;
      if (hasSelectorLabels(selector)) {
        const list = this.selected.get(ns) ?? [];
        list.push({ entry, selector: selector! });
        this.selected.set(ns, list);
        continue;
      }
      let table = this.byNamespace.get(ns);
      if (!table) this.byNamespace.set(ns, (table = new HostTable()));
      const prev = table.get(host);
      if (prev) {
        mergeInto(prev, entry, this.notes);
        continue;
      }
      table.set(host, entry);
    }
    for (const t of this.byNamespace.values()) for (const e of t.exact.values()) deepFreeze(e.accepted);
    for (const list of this.selected.values()) for (const s of list) deepFreeze(s.entry.accepted);
  }

  /**
   * The rule for `hostname` seen from a proxy in `proxyNamespace`.
   * `serviceNamespaces`: namespaces of the services with that hostname.
   * `proxyLabels`: enables workloadSelector rules (step 0).
   */
  lookup(
    proxyNamespace: string,
    hostname: string,
    serviceNamespaces: readonly string[],
    proxyLabels?: Readonly<Record<string, string>>,
  ): Accepted<DestinationRule> | undefined {
    if (proxyLabels) {
      let best: DrEntry | undefined;
      for (const s of this.selected.get(proxyNamespace) ?? []) {
        const h = s.entry.accepted.obj.spec.host;
        if (!selectorMatches(s.selector, proxyLabels) || !hostCovers(h, hostname)) continue;
        if (h === hostname) {
          best = s.entry;
          break;
        }
        if (!best || h.length > best.accepted.obj.spec.host.length) best = s.entry;
      }
      if (best) return best.accepted;
    }
    const local = this.byNamespace.get(proxyNamespace)?.find(hostname);
    if (local) return local.accepted;
    for (const ns of serviceNamespaces) {
      if (ns === proxyNamespace) continue;
      const e = this.exported(ns, hostname, proxyNamespace);
      if (e) return e.accepted;
    }
    if (this.rootNamespace !== proxyNamespace && !serviceNamespaces.includes(this.rootNamespace)) {
      return this.exported(this.rootNamespace, hostname, proxyNamespace)?.accepted;
    }
    return undefined;
  }

  private exported(ns: string, hostname: string, from: string): DrEntry | undefined {
    const e = this.byNamespace.get(ns)?.find(hostname);
    return e && isVisibleFrom(e.exportTo, ns, from) ? e : undefined;
  }
}

function mergeInto(into: DrEntry, later: DrEntry, notes: ModelNote[]): void {
  const a = into.accepted.obj.spec;
  const b = later.accepted.obj.spec;
  const names = new Set((a.subsets ?? []).map((s) => s.name));
  const added: Subset[] = [];
  for (const s of b.subsets ?? []) {
    if (names.has(s.name)) {
      notes.push({ key: later.accepted.key, message: `subset "${s.name}" is already defined by ${into.accepted.key} for host ${a.host}; the older definition is used` });
      continue;
    }
    names.add(s.name);
    added.push(s);
  }
  if (added.length > 0) a.subsets = [...(a.subsets ?? []), ...added];
  if (b.trafficPolicy) {
    if (!a.trafficPolicy) a.trafficPolicy = b.trafficPolicy;
    else notes.push({ key: later.accepted.key, message: `trafficPolicy ignored: ${into.accepted.key} (older) already sets one for host ${a.host}` });
  }
  into.mergedFrom.push(later.accepted.key);
  notes.push({ key: later.accepted.key, message: `merged into ${into.accepted.key} (same host ${a.host} in the same namespace)` });
}
