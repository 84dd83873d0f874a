// ServiceEntry and WorkloadEntry → services and endpoints, with Istio's
// meaning (pilot/pkg/serviceregistry/serviceentry/conversion.go):
// - one service per host; hosts are taken as written (Istio treats
//   ServiceEntry hosts as FQDNs: "reviews" is not expanded);
// - port protocols case-insensitive; unset → the port name's prefix;
// - endpoints from inline `endpoints`, or from the WorkloadEntries of the
//   same namespace that `workloadSelector` selects; the workload port is
//   `ports[<service port name>]`, else targetPort, else the service port;
// - resolution DNS/DNS_ROUND_ROBIN without endpoints: each non-wildcard host
//   is its own endpoint (the proxy resolves it);
// - a host already defined by an older ServiceEntry of the same namespace is
//   ignored with a note (oldest wins, as Istio).
import type { ConfigObject, ServiceEntry, WorkloadEntry, WorkloadEntrySpec } from '../../api/networking.js';
import { namespaceOf } from '../model/config-key.js';
import { MODEL_DEFAULTS } from '../model/defaults.js';
import type { ModelNote } from '../model/destination-rule-index.js';
import { selectorMatches } from '../model/labels.js';
import { portProtocol } from '../model/protocol.js';
import { endpointKey } from '../model/service-index.js';
import type { Accepted, ServiceEndpoint, ServiceModel, ServicePortModel } from '../model/types.js';
import { tlsModeOf } from './service-builders.js';

export interface RegistryContents {
  readonly services: readonly ServiceModel[];
  /** "hostname|port" → endpoints. */
  readonly endpoints: ReadonlyMap<string, readonly ServiceEndpoint[]>;
  readonly notes: readonly ModelNote[];
}

interface WorkloadRef {
  readonly name: string;
  readonly namespace: string;
  readonly spec: WorkloadEntrySpec;
}

/** Services and endpoints of the ServiceEntries and WorkloadEntries in `configs` (oldest first). */
export function servicesFromConfig(configs: readonly Accepted<ConfigObject>[]): RegistryContents {
  const entries: Accepted<ServiceEntry>[] = [];
  const workloads = new WorkloadIndex();
  for (const c of configs) {
    if (c.obj.kind === 'ServiceEntry') entries.push(c as Accepted<ServiceEntry>);
    else if (c.obj.kind === 'WorkloadEntry') {
      const we = c.obj as WorkloadEntry;
      workloads.add({ name: we.metadata.name, namespace: namespaceOf(we), spec: we.spec ?? {} });
    }
  }
  const services: ServiceModel[] = [];
  const endpoints = new Map<string, ServiceEndpoint[]>();
  const notes: ModelNote[] = [];
  const owner = new Map<string, string>(); // "host|ns" → key of the ServiceEntry that defined it
  for (const se of entries) {
    const ns = namespaceOf(se.obj);
    const spec = se.obj.spec ?? ({ hosts: [] } as ServiceEntry['spec']);
    const ports = (spec.ports ?? []).map(toPortModel);
    const resolution = spec.resolution ?? MODEL_DEFAULTS.resolution;
    const selected: WorkloadRef[] = [];
    if (spec.workloadSelector?.labels) selected.push(...workloads.select(ns, spec.workloadSelector.labels));
    for (const host of spec.hosts ?? []) {
      const ownerKey = `${host}|${ns}`;
      const prev = owner.get(ownerKey);
      if (prev !== undefined) {
        notes.push({ key: se.key, message: `host ${host} is already defined by ${prev} in namespace ${ns}; the older ServiceEntry is used` });
        continue;
      }
      owner.set(ownerKey, se.key);
      services.push(
        Object.freeze({
          hostname: host,
          namespace: ns,
          ports: Object.freeze(ports),
          resolution,
          location: spec.location ?? MODEL_DEFAULTS.location,
          exportTo: Object.freeze([...(spec.exportTo && spec.exportTo.length > 0 ? spec.exportTo : MODEL_DEFAULTS.exportTo)]),
          addresses: Object.freeze([...(spec.addresses ?? [])]),
          source: se.key,
          ...(spec.subjectAltNames && spec.subjectAltNames.length > 0 ? { subjectAltNames: Object.freeze([...spec.subjectAltNames]) } : {}),
        }),
      );
      for (const port of ports) {
        const list: ServiceEndpoint[] = [];
        (spec.endpoints ?? []).forEach((ep) => pushEndpoint(list, host, port, ns, ep, ''));
        for (const w of selected) pushEndpoint(list, host, port, ns, w.spec, w.name);
        const dnsSelf = (resolution === 'DNS' || resolution === 'DNS_ROUND_ROBIN') && !spec.endpoints?.length && !spec.workloadSelector;
        if (dnsSelf && !host.startsWith('*')) pushEndpoint(list, host, port, ns, { address: host }, '');
        if (list.length > 0) endpoints.set(endpointKey(host, port.port), list);
      }
    }
  }
  return { services, endpoints, notes };
}

function toPortModel(p: { number: number; protocol?: string; name: string; targetPort?: number }): ServicePortModel {
  const out: ServicePortModel = { name: p.name ?? '', port: p.number, protocol: portProtocol(p.protocol, p.name) };
  if (p.targetPort !== undefined && p.targetPort !== 0) out.targetPort = p.targetPort;
  return Object.freeze(out);
}

function pushEndpoint(list: ServiceEndpoint[], host: string, port: ServicePortModel, namespace: string, ep: WorkloadEntrySpec, workload: string): void {
  if (!ep.address) return; // Istio needs an address (or a network gateway, which weft does not model)
  const mapped = ep.ports?.[port.name];
  list.push(
    Object.freeze({
      hostname: host,
      servicePort: port.port,
      address: ep.address,
      port: mapped !== undefined && mapped !== 0 ? mapped : port.targetPort ?? port.port,
      labels: Object.freeze({ ...(ep.labels ?? {}) }),
      serviceAccount: ep.serviceAccount ?? '',
      namespace,
      weight: ep.weight !== undefined && ep.weight > 0 ? ep.weight : MODEL_DEFAULTS.endpointWeight,
      locality: ep.locality ?? '',
      healthy: true,
      workload,
      tlsMode: tlsModeOf(ep.labels),
    }),
  );
}

/** WorkloadEntries per namespace, indexed by each label pair so selection does not scan every workload. */
class WorkloadIndex {
  private readonly byNsLabel = new Map<string, WorkloadRef[]>();
  private readonly byNs = new Map<string, WorkloadRef[]>();

  add(w: WorkloadRef): void {
    push(this.byNs, w.namespace, w);
    for (const [k, v] of Object.entries(w.spec.labels ?? {})) push(this.byNsLabel, `${w.namespace}\u0000${k}=${v}`, w);
  }

  /** WorkloadEntries of `namespace` matching `selector`, oldest first; an empty selector selects all. */
  select(namespace: string, selector: Readonly<Record<string, string>>): WorkloadRef[] {
    const first = Object.entries(selector)[0];
    const candidates = first ? this.byNsLabel.get(`${namespace}\u0000${first[0]}=${first[1]}`) : this.byNs.get(namespace);
    return (candidates ?? []).filter((w) => selectorMatches(selector, w.spec.labels ?? {}));
  }
}

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}
