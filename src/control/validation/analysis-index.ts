// The lookup tables analysis needs, built once from the accepted objects and
// an optional service registry: services by host, DestinationRules by host
// in Istio's lookup order, Gateways by namespace/name, workload labels.
import type {
  DestinationRule,
  Gateway,
  ServiceEntry,
  Sidecar,
  VirtualService,
  WorkloadEntry,
} from '../../api/networking.js';
import type { AuthorizationPolicy, IstioObject, PeerAuthentication, RequestAuthentication } from '../../api/security.js';
import type { Telemetry } from '../../api/telemetry.js';
import { exportNamespaces, isPublic, isVisibleFrom, normalizeExportTo } from '../model/export-to.js';
import type { ServiceEndpoint, ServiceModel } from '../model/types.js';
import { hostCovers, namespaceOfServiceHost, resolveHostName } from '../model/host-names.js';
import type { LineLocator } from './message.js';

/** The part of the control plane's ServiceRegistry that analysis reads. */
export interface AnalysisRegistry {
  services(): readonly ServiceModel[];
  endpoints(hostname: string, port: number): readonly ServiceEndpoint[];
}

/** An accepted (valid, normalized) object and where it came from. */
export interface AcceptedObject<T extends IstioObject = IstioObject> {
  readonly obj: T;
  readonly key: string;
  readonly namespace: string;
  readonly file?: string;
  readonly lineOf?: LineLocator;
}

/** A service known to analysis: from a ServiceEntry host or the registry. */
export interface KnownService {
  readonly host: string;
  readonly namespace: string;
  readonly ports: readonly number[];
  /** Service port → the workload port it forwards to, where they differ (targetPort). */
  readonly targetPorts?: ReadonlyMap<number, number>;
  /** Label sets of the service's workloads; undefined when they cannot be known (DNS, NONE). */
  readonly workloads?: readonly Readonly<Record<string, string>>[];
  /** "ServiceEntry name.ns" or "registry". */
  readonly source: string;
}

/** Istio's root namespace: DestinationRules there apply mesh-wide as a last resort. */
export const ROOT_NAMESPACE = 'istio-system';

function selects(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function visibleFrom(exportTo: readonly string[] | undefined, ownNs: string, fromNs: string): boolean {
  return isVisibleFrom(normalizeExportTo(exportTo), ownNs, fromNs);
}

/** True when some namespace sees both objects (their exportTo lists overlap): only then can they conflict. */
export function visibleTogether(a: { exportTo?: readonly string[] | undefined; namespace: string }, b: { exportTo?: readonly string[] | undefined; namespace: string }): boolean {
  const ea = normalizeExportTo(a.exportTo);
  const eb = normalizeExportTo(b.exportTo);
  const na = exportNamespaces(ea, a.namespace);
  const nb = exportNamespaces(eb, b.namespace);
  if (isPublic(ea)) return isPublic(eb) || nb.length > 0;
  if (isPublic(eb)) return na.length > 0;
  return na.some((n) => nb.includes(n));
}

export class AnalysisIndex {
  readonly virtualServices: AcceptedObject<VirtualService>[] = [];
  readonly destinationRules: AcceptedObject<DestinationRule>[] = [];
  readonly gateways = new Map<string, AcceptedObject<Gateway>>();
  readonly sidecars: AcceptedObject<Sidecar>[] = [];
  readonly services: KnownService[] = [];
  readonly workloadEntries: AcceptedObject<WorkloadEntry>[] = [];
  /** Oldest first (input order). */
  readonly peerAuthentications: AcceptedObject<PeerAuthentication>[] = [];
  /** Oldest first (input order). */
  readonly requestAuthentications: AcceptedObject<RequestAuthentication>[] = [];
  readonly authorizationPolicies: AcceptedObject<AuthorizationPolicy>[] = [];
  /** Oldest first (input order). */
  readonly telemetries: AcceptedObject<Telemetry>[] = [];
  /** Namespaces known to the mesh (of objects and registry services): "reviews.prod" names a service only when prod is one, as in translation. */
  private readonly namespaces = new Set<string>();

  constructor(
    objects: readonly AcceptedObject[],
    registry: AnalysisRegistry | undefined,
    readonly domainSuffix: string,
  ) {
    const serviceEntries: AcceptedObject<ServiceEntry>[] = [];
    for (const a of objects) this.namespaces.add(a.namespace);
    for (const sv of registry?.services() ?? []) this.namespaces.add(sv.namespace);
    for (const a of objects) {
      switch (a.obj.kind) {
        case 'VirtualService':
          this.virtualServices.push(a as AcceptedObject<VirtualService>);
          break;
        case 'DestinationRule':
          this.destinationRules.push(a as AcceptedObject<DestinationRule>);
          break;
        case 'Gateway':
          this.gateways.set(`${a.namespace}/${a.obj.metadata.name}`, a as AcceptedObject<Gateway>);
          break;
        case 'Sidecar':
          this.sidecars.push(a as AcceptedObject<Sidecar>);
          break;
        case 'ServiceEntry':
          serviceEntries.push(a as AcceptedObject<ServiceEntry>);
          break;
        case 'WorkloadEntry':
          this.workloadEntries.push(a as AcceptedObject<WorkloadEntry>);
          break;
        case 'PeerAuthentication':
          this.peerAuthentications.push(a as AcceptedObject<PeerAuthentication>);
          break;
        case 'RequestAuthentication':
          this.requestAuthentications.push(a as AcceptedObject<RequestAuthentication>);
          break;
        case 'AuthorizationPolicy':
          this.authorizationPolicies.push(a as AcceptedObject<AuthorizationPolicy>);
          break;
        case 'Telemetry':
          this.telemetries.push(a as AcceptedObject<Telemetry>);
          break;
      }
    }
    for (const se of serviceEntries) this.addServiceEntry(se);
    for (const s of registry?.services() ?? []) {
      const workloads = s.ports.flatMap((p) => registry!.endpoints(s.hostname, p.port).map((e) => e.labels));
      const targetPorts = new Map(s.ports.flatMap((p) => (p.targetPort !== undefined ? [[p.port, p.targetPort] as const] : [])));
      this.services.push({ host: s.hostname, namespace: s.namespace, ports: s.ports.map((p) => p.port), targetPorts, workloads, source: s.source || 'registry' });
    }
  }

  private addServiceEntry(se: AcceptedObject<ServiceEntry>): void {
    const spec = se.obj.spec;
    const resolution = spec.resolution ?? 'NONE';
    let workloads: Readonly<Record<string, string>>[] | undefined;
    if (spec.workloadSelector) {
      const sel = spec.workloadSelector.labels ?? {};
      workloads = this.workloadEntries.filter((we) => we.namespace === se.namespace && selects(sel, we.obj.spec.labels ?? {})).map((we) => we.obj.spec.labels ?? {});
    } else if ((spec.endpoints ?? []).length > 0) workloads = (spec.endpoints ?? []).map((e) => e?.labels ?? {});
    else if (resolution === 'STATIC') workloads = [];
    const ports = (spec.ports ?? []).flatMap((p) => (p?.number !== undefined ? [p.number] : []));
    const targetPorts = new Map((spec.ports ?? []).flatMap((p) => (p?.number !== undefined && p.targetPort !== undefined ? [[p.number, p.targetPort] as const] : [])));
    for (const host of spec.hosts ?? []) {
      if (host === undefined) continue;
      const svc = { host, namespace: se.namespace, ports, targetPorts, source: se.key, ...(workloads ? { workloads } : {}) };
      this.services.push(svc);
      // Short names in a ServiceEntry are commonly meant as the namespace's service name.
      const fq = this.resolve(host, se.namespace);
      if (fq !== host) this.services.push({ ...svc, host: fq });
    }
  }

  /** The fully qualified name of a host used by an object in `namespace`. */
  resolve(host: string, namespace: string): string {
    return resolveHostName(host, namespace, this.domainSuffix, (ns) => this.namespaces.has(ns));
  }

  /** The service a destination host names, seen from `namespace` (exact names first, then wildcard ServiceEntry hosts). */
  findService(host: string, namespace: string): KnownService | undefined {
    const fq = this.resolve(host, namespace);
    return (
      this.services.find((s) => s.host === fq) ??
      this.services.find((s) => s.host === host && !host.includes('*')) ??
      this.services.find((s) => s.host.startsWith('*') && hostCovers(s.host, fq))
    );
  }

  /** The namespace a host's service lives in, for Sidecar egress rules. */
  serviceNamespace(host: string, namespace: string): string {
    return this.findService(host, namespace)?.namespace ?? namespaceOfServiceHost(this.resolve(host, namespace), this.domainSuffix) ?? namespace;
  }

  /**
   * The DestinationRules that apply to `host` for clients in `namespace`, in
   * Istio's order: the client's namespace, then the service's, then the root
   * namespace. Rules for the same host in the chosen namespace are merged, as Istio does.
   */
  destinationRulesFor(host: string, namespace: string): AcceptedObject<DestinationRule>[] {
    const fq = this.resolve(host, namespace);
    const candidates = this.destinationRules.filter((d) => {
      if (d.obj.spec.workloadSelector) return false;
      const drHost = this.resolve(d.obj.spec.host ?? '', d.namespace);
      return (drHost === fq || hostCovers(drHost, fq)) && visibleFrom(d.obj.spec.exportTo, d.namespace, namespace);
    });
    for (const ns of [namespace, this.serviceNamespace(host, namespace), ROOT_NAMESPACE]) {
      const inNs = candidates.filter((d) => d.namespace === ns);
      if (inNs.length === 0) continue;
      const exact = inNs.filter((d) => this.resolve(d.obj.spec.host ?? '', d.namespace) === fq);
      return exact.length > 0 ? exact : inNs;
    }
    return candidates;
  }
}
