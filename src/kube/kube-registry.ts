// Services and endpoints from Kubernetes objects, with Istio's meaning
// (pilot/pkg/serviceregistry/kube: conversion.go, endpointslice.go):
// - one service per Service, named <name>.<namespace>.svc.<domain suffix>;
//   addresses are its cluster IPs; exportTo from the
//   `networking.istio.io/exportTo` annotation (default everywhere);
// - port protocol: UDP ports are UDP; else appProtocol when set
//   (kubernetes.io/h2c → HTTP2, kubernetes.io/ws → HTTP, kubernetes.io/wss →
//   HTTPS, else its prefix as a port name), else the port name's prefix;
//   no known prefix → TCP (weft does not sniff protocols);
// - headless (clusterIP None): resolution NONE (passthrough to the address
//   the client asked for), endpoints still listed; ExternalName: resolution
//   DNS, MESH_EXTERNAL, one endpoint, the external name at the service port;
// - endpoints from the EndpointSlices labelled with the service's name:
//   ready endpoints only (conditions.ready unset counts as ready), as Istio
//   sends by default; serving-but-terminating and not-ready ones are left
//   out (Istio's PILOT_SEND_UNHEALTHY_ENDPOINTS is off by default); the
//   workload port is the slice port with the service port's name;
// - each endpoint takes its Pod's labels, service account and name; its
//   locality is the pod's `istio-locality` label, else its Node's
//   topology.kubernetes.io/region, topology.kubernetes.io/zone and
//   topology.istio.io/subzone labels, else the slice's zone; tlsMode is
//   'istio' (auto mTLS) when the pod has the `security.istio.io/tlsMode:
//   istio` label or an injected sidecar (an istio-proxy container).
import { TLS_MODE_LABEL } from '../api/networking.js';
import type { ModelNote } from '../control/model/destination-rule-index.js';
import { portProtocol } from '../control/model/protocol.js';
import { endpointKey } from '../control/model/service-index.js';
import type { PortProtocol, ServiceEndpoint, ServiceModel, ServicePortModel, ServiceRegistry } from '../control/model/types.js';
import { changeBetween, RegistryListeners, type RegistryChange, type RegistryListener } from '../control/ingest/registry-listeners.js';
import type { RegistryContents } from '../control/ingest/service-entry-services.js';
import type { KubeObject } from './kube-client.js';

export const KUBE_LABELS = {
  serviceName: 'kubernetes.io/service-name',
  region: 'topology.kubernetes.io/region',
  zone: 'topology.kubernetes.io/zone',
  subzone: 'topology.istio.io/subzone',
  istioLocality: 'istio-locality',
  exportTo: 'networking.istio.io/exportTo',
  injection: 'istio-injection',
  revision: 'istio.io/rev',
} as const;

/** The objects the registry is built from. */
export interface KubeRegistryInput {
  readonly services: readonly KubeObject[];
  readonly endpointSlices: readonly KubeObject[];
  readonly pods: readonly KubeObject[];
  readonly nodes: readonly KubeObject[];
}

interface ServicePortSpec {
  name?: string;
  port?: number;
  protocol?: string;
  appProtocol?: string;
  targetPort?: number | string;
}

interface SliceEndpoint {
  addresses?: string[];
  conditions?: { ready?: boolean | null; serving?: boolean | null; terminating?: boolean | null };
  nodeName?: string;
  zone?: string;
  targetRef?: { kind?: string; name?: string; namespace?: string };
}

/** The protocol of a Service port, as Istio's kube.ConvertProtocol decides it. */
export function kubePortProtocol(p: ServicePortSpec): PortProtocol {
  if ((p.protocol ?? 'TCP').toUpperCase() === 'UDP') return 'UDP';
  if (p.appProtocol) {
    if (p.appProtocol === 'kubernetes.io/h2c') return 'HTTP2';
    if (p.appProtocol === 'kubernetes.io/ws') return 'HTTP';
    if (p.appProtocol === 'kubernetes.io/wss') return 'HTTPS';
    return portProtocol(undefined, p.appProtocol);
  }
  return portProtocol(undefined, p.name);
}

/** A pod's locality "region/zone/subzone" (Istio's format), '' when nothing is known. */
export function podLocality(pod: KubeObject | undefined, node: KubeObject | undefined, sliceZone: string | undefined): string {
  const fromLabel = pod?.metadata.labels?.[KUBE_LABELS.istioLocality];
  if (fromLabel) return fromLabel.replace(/\./g, '/');
  const nl = node?.metadata.labels ?? {};
  const region = nl[KUBE_LABELS.region] ?? '';
  const zone = nl[KUBE_LABELS.zone] ?? sliceZone ?? '';
  const subzone = nl[KUBE_LABELS.subzone] ?? '';
  if (!region && !zone && !subzone) return '';
  return subzone ? `${region}/${zone}/${subzone}` : zone ? `${region}/${zone}` : region;
}

/** Whether a pod runs Istio's sidecar: the tlsMode label the injector sets, or an istio-proxy container (also as a native sidecar). */
export function podHasSidecar(pod: KubeObject | undefined): boolean {
  if (!pod) return false;
  if (pod.metadata.labels?.[TLS_MODE_LABEL] === 'istio') return true;
  const spec = pod.spec as { containers?: { name?: string }[]; initContainers?: { name?: string; restartPolicy?: string }[] } | undefined;
  if (spec?.containers?.some((c) => c.name === 'istio-proxy')) return true;
  return spec?.initContainers?.some((c) => c.name === 'istio-proxy' && c.restartPolicy === 'Always') ?? false;
}

/** Services and endpoints of a set of Kubernetes objects (pure). */
export function buildKubeRegistry(input: KubeRegistryInput, domainSuffix = 'cluster.local'): RegistryContents {
  const pods = new Map<string, KubeObject>();
  for (const p of input.pods) pods.set(`${p.metadata.namespace ?? ''}/${p.metadata.name}`, p);
  const nodes = new Map<string, KubeObject>();
  for (const n of input.nodes) nodes.set(n.metadata.name, n);
  const slicesByService = new Map<string, KubeObject[]>();
  for (const s of input.endpointSlices) {
    const svc = s.metadata.labels?.[KUBE_LABELS.serviceName];
    if (!svc) continue;
    const k = `${s.metadata.namespace ?? ''}/${svc}`;
    const list = slicesByService.get(k);
    if (list) list.push(s);
    else slicesByService.set(k, [s]);
  }
  const services: ServiceModel[] = [];
  const endpoints = new Map<string, ServiceEndpoint[]>();
  const notes: ModelNote[] = [];
  const sorted = [...input.services].sort((a, b) => key(a).localeCompare(key(b)));
  for (const svc of sorted) {
    const ns = svc.metadata.namespace ?? 'default';
    const name = svc.metadata.name;
    const spec = (svc.spec ?? {}) as { type?: string; clusterIP?: string; clusterIPs?: string[]; externalName?: string; ports?: ServicePortSpec[] };
    const hostname = `${name}.${ns}.svc.${domainSuffix}`;
    const source = `Kubernetes Service ${name}.${ns}`;
    const ports: ServicePortModel[] = [];
    for (const p of spec.ports ?? []) {
      if (typeof p.port !== 'number') continue;
      const pm: ServicePortModel = { name: p.name ?? '', port: p.port, protocol: kubePortProtocol(p) };
      if (typeof p.targetPort === 'number' && p.targetPort !== p.port) pm.targetPort = p.targetPort;
      ports.push(Object.freeze(pm));
    }
    const externalName = spec.type === 'ExternalName';
    const headless = spec.clusterIP === 'None';
    const exportAnno = svc.metadata.annotations?.[KUBE_LABELS.exportTo];
    const exportTo = exportAnno ? exportAnno.split(',').map((s) => s.trim()).filter(Boolean) : ['*'];
    const addresses = externalName || headless ? [] : (spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : []).filter((a) => a && a !== 'None');
    services.push(
      Object.freeze({
        hostname,
        namespace: ns,
        ports: Object.freeze(ports),
        resolution: externalName ? 'DNS' : headless ? 'NONE' : 'STATIC',
        location: externalName ? 'MESH_EXTERNAL' : 'MESH_INTERNAL',
        exportTo: Object.freeze(exportTo),
        addresses: Object.freeze(addresses),
        source,
      } satisfies ServiceModel),
    );
    if (externalName) {
      if (!spec.externalName) {
        notes.push({ key: source, message: `${source} is of type ExternalName but has no externalName: it has no endpoints` });
        continue;
      }
      for (const port of ports) {
        endpoints.set(endpointKey(hostname, port.port), [endpoint(hostname, port, spec.externalName, port.port, ns, {}, '', '', '', 'disabled')]);
      }
      continue;
    }
    const slices = slicesByService.get(`${ns}/${name}`) ?? [];
    for (const port of ports) {
      const list: ServiceEndpoint[] = [];
      for (const slice of slices) {
        const slicePorts = (slice.ports as { name?: string; port?: number }[] | undefined) ?? [];
        const sp = slicePorts.find((x) => (x.name ?? '') === port.name);
        if (!sp || typeof sp.port !== 'number') continue;
        for (const ep of (slice.endpoints as SliceEndpoint[] | undefined) ?? []) {
          if (ep.conditions?.ready === false) continue;
          const pod = ep.targetRef?.kind === 'Pod' && ep.targetRef.name ? pods.get(`${ep.targetRef.namespace ?? ns}/${ep.targetRef.name}`) : undefined;
          const node = nodes.get((pod?.spec as { nodeName?: string } | undefined)?.nodeName ?? ep.nodeName ?? '');
          const labels = { ...(pod?.metadata.labels ?? {}) };
          const sa = (pod?.spec as { serviceAccountName?: string } | undefined)?.serviceAccountName ?? (pod ? 'default' : '');
          const tls = podHasSidecar(pod) ? 'istio' : 'disabled';
          for (const address of ep.addresses ?? []) {
            list.push(endpoint(hostname, port, address, sp.port, ns, labels, sa, podLocality(pod, node, ep.zone), pod?.metadata.name ?? ep.targetRef?.name ?? '', tls));
          }
        }
      }
      list.sort((a, b) => (a.address === b.address ? a.port - b.port : a.address < b.address ? -1 : 1));
      if (list.length > 0) endpoints.set(endpointKey(hostname, port.port), list);
    }
  }
  return { services, endpoints, notes };
}

function endpoint(
  hostname: string, port: ServicePortModel, address: string, targetPort: number, namespace: string,
  labels: Record<string, string>, serviceAccount: string, locality: string, workload: string, tlsMode: ServiceEndpoint['tlsMode'],
): ServiceEndpoint {
  return Object.freeze({
    hostname,
    servicePort: port.port,
    address,
    port: targetPort,
    labels: Object.freeze(labels),
    serviceAccount,
    namespace,
    weight: 1,
    locality,
    healthy: true,
    workload,
    tlsMode,
  });
}

function key(o: KubeObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

const NONE: readonly ServiceEndpoint[] = Object.freeze([]);

/** Where the registry gets its objects from (the informers, or a test's lists). */
export interface KubeRegistrySource {
  snapshot(): KubeRegistryInput;
  /** Called whenever any of the objects changed. */
  onChange(cb: () => void): void;
}

/**
 * A ServiceRegistry over live Kubernetes objects. Changes are coalesced
 * (everything that changed in one tick, e.g. a relist, rebuilds once) and
 * reported as 'endpoints' when only endpoints moved.
 */
export class KubeServiceRegistry implements ServiceRegistry {
  private contents: RegistryContents = { services: [], endpoints: new Map(), notes: [] };
  private fingerprint: { services: string; endpoints: string } | undefined;
  private readonly listeners = new RegistryListeners();
  private scheduled = false;
  /** How many times the registry was rebuilt (for tests and /debug). */
  rebuilds = 0;

  constructor(
    private readonly source: KubeRegistrySource,
    private readonly domainSuffix = 'cluster.local',
  ) {
    this.rebuild();
    source.onChange(() => this.schedule());
  }

  services(): readonly ServiceModel[] {
    return this.contents.services;
  }

  endpoints(hostname: string, port: number): readonly ServiceEndpoint[] {
    return this.contents.endpoints.get(endpointKey(hostname, port)) ?? NONE;
  }

  get notes(): readonly ModelNote[] {
    return this.contents.notes;
  }

  onChange(cb: RegistryListener): () => void {
    return this.listeners.add(cb);
  }

  /** Rebuilds now; returns what changed (listeners are told). */
  rebuild(): RegistryChange | undefined {
    this.scheduled = false;
    this.rebuilds++;
    this.contents = buildKubeRegistry(this.source.snapshot(), this.domainSuffix);
    const next = { services: JSON.stringify(this.contents.services), endpoints: JSON.stringify([...this.contents.endpoints]) };
    const what = changeBetween(this.fingerprint, next);
    this.fingerprint = next;
    if (what) this.listeners.emit(what);
    return what;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      try {
        this.rebuild();
      } catch (e) {
        // An object of a shape the API server should never send: keep the last registry, say why.
        this.scheduled = false;
        this.notesOnError = [{ key: 'Kubernetes registry', message: `rebuilding from the API objects failed, the last registry keeps serving: ${(e as Error).message}` }];
      }
    });
  }

  /** Set when the last rebuild failed (the previous contents kept serving). */
  notesOnError: readonly ModelNote[] = [];
}
