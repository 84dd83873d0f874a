// A service registry from a list of workloads (weft up's workloads file): one
// service per (service, namespace), one endpoint per workload and port with
// the workload's labels. `weft analyze` uses it to judge a `weft up` folder
// against the services it will run; `endpointPort` lets `weft up` put in the
// sidecar ports it chose.
import type { PortProtocol, ServiceEndpoint, ServiceModel } from '../model/types.js';
import { makeEndpoint, makeService } from './service-builders.js';
import { StaticRegistry } from './static-registry.js';

/** The parts of a workload the registry needs (weft up's Workload has them). */
export interface RegistryWorkload {
  readonly name: string;
  readonly namespace: string;
  readonly service: string;
  readonly serviceAccount: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ports: readonly { readonly name: string; readonly port: number; readonly protocol: string }[];
}

export interface WorkloadRegistryOptions {
  /** Kubernetes domain suffix (default cluster.local). */
  readonly domainSuffix?: string;
  /** Where an endpoint listens (default 127.0.0.1 at the service port). */
  readonly endpoint?: (w: RegistryWorkload, servicePort: number) => { address: string; port: number };
}

export function workloadRegistry(workloads: readonly RegistryWorkload[], options: WorkloadRegistryOptions = {}): StaticRegistry {
  const suffix = options.domainSuffix ?? 'cluster.local';
  const services = new Map<string, ServiceModel>();
  const endpoints: ServiceEndpoint[] = [];
  for (const w of workloads) {
    const hostname = `${w.service}.${w.namespace}.svc.${suffix}`;
    if (!services.has(hostname)) {
      services.set(hostname, makeService({ hostname, namespace: w.namespace, ports: w.ports.map((p) => ({ name: p.name, port: p.port, protocol: p.protocol as PortProtocol })), source: `workload ${w.name}` }));
    }
    for (const p of w.ports) {
      const at = options.endpoint?.(w, p.port) ?? { address: '127.0.0.1', port: p.port };
      endpoints.push(makeEndpoint({ hostname, servicePort: p.port, address: at.address, port: at.port, labels: { ...w.labels }, serviceAccount: w.serviceAccount, namespace: w.namespace, workload: w.name }));
    }
  }
  return new StaticRegistry([...services.values()], endpoints);
}
