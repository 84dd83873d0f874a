// The service registry a workloads file describes: one service per
// (service, namespace), host `<service>.<namespace>.svc.cluster.local`, and
// one endpoint per workload and port. `weft up` gives it to the control plane
// (endpoints at each sidecar's inbound port); `weft up --check` gives it to
// the same analysis `weft analyze` runs, so the demo's own hosts are known.
import { makeEndpoint, makeService, StaticRegistry } from '../control/ingest/index.js';
import type { PortProtocol, ServiceEndpoint, ServiceModel } from '../control/model/types.js';
import { TLS_MODE_LABEL } from '../api/networking.js';
import { ISTIO_TLS } from '../control/translate/istio-tls.js';
import type { Workload } from './workloads.js';

export const DOMAIN = 'svc.cluster.local';

export function serviceHost(w: Workload): string {
  return `${w.service}.${w.namespace}.${DOMAIN}`;
}

/**
 * `endpoint(w, servicePort)` is where other sidecars reach that workload's
 * port (its sidecar's inbound listener); without it, the service port.
 */
export function workloadRegistry(
  workloads: readonly Workload[],
  address: string,
  endpoint?: (w: Workload, servicePort: number) => number,
  /** Every workload has a sidecar that takes Istio mTLS: endpoints get `security.istio.io/tlsMode: istio`. */
  opts: { sidecarMtls?: boolean } = {},
): StaticRegistry {
  const services = new Map<string, ServiceModel>();
  const endpoints: ServiceEndpoint[] = [];
  for (const w of workloads) {
    const host = serviceHost(w);
    if (!services.has(host)) {
      services.set(host, makeService({ hostname: host, namespace: w.namespace, ports: w.ports.map((p) => ({ name: p.name, port: p.port, protocol: p.protocol as PortProtocol })), source: `workload ${w.name}` }));
    }
    for (const p of w.ports) {
      endpoints.push(makeEndpoint({ hostname: host, servicePort: p.port, address, port: endpoint ? endpoint(w, p.port) : p.port, labels: opts.sidecarMtls ? { ...w.labels, [TLS_MODE_LABEL]: ISTIO_TLS.tlsModeIstio } : w.labels, serviceAccount: w.serviceAccount, namespace: w.namespace, workload: w.name }));
    }
  }
  return new StaticRegistry([...services.values()], endpoints);
}
