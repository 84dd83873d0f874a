// The service ports a sidecar's own workload serves (Istio's ServiceTargets):
// what its inbound listeners and inbound|<port>|| clusters are built for.
import type { ServiceEndpoint, ServiceModel, ServicePortModel } from '../model/types.js';
import type { TranslateContext } from './translate-context.js';

export interface WorkloadTarget {
  readonly service: ServiceModel;
  readonly port: ServicePortModel;
  /** This workload's endpoint of the service port. */
  readonly endpoint: ServiceEndpoint;
  /** Port the app listens on (127.0.0.1). */
  readonly appPort: number;
}

/**
 * Targets of the proxy's workload, one per service port number (the first
 * service by hostname wins when two share a port, as they share the inbound
 * cluster). An endpoint is the workload's when its workload name matches the
 * proxy's (local mode puts many workloads on 127.0.0.1), else its IP does. A
 * captured pod (INTERCEPTION_MODE REDIRECT) has an address of its own: its
 * IP decides, as in Istio (WORKLOAD_NAME is then the Deployment's name, the
 * registry's endpoint names the pod).
 */
export function workloadTargets(ctx: TranslateContext): WorkloadTarget[] {
  const { proxy, push, options } = ctx;
  const byPort = new Map<number, WorkloadTarget>();
  const ips = new Set(proxy.ips);
  const services = [...push.services].sort((a, b) => (a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0));
  for (const svc of services) {
    for (const port of svc.ports) {
      if (byPort.has(port.port) || port.protocol === 'UDP') continue;
      const ep = push.endpoints(svc.hostname, port.port).find((e) =>
        proxy.workloadName && !options.capture ? e.workload === proxy.workloadName && e.namespace === proxy.namespace : ips.has(e.address));
      if (!ep) continue;
      const appPort = options.appPorts.get(port.port) ?? (options.inboundPorts ? port.targetPort ?? port.port : ep.port);
      byPort.set(port.port, { service: svc, port, endpoint: ep, appPort });
    }
  }
  return [...byPort.values()].sort((a, b) => a.port.port - b.port.port);
}
