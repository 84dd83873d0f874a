// Small builders for model tests: config objects wrapped as Accepted, and
// proxies. Test-only; kept beside the tests that use them.
import type { ConfigObject, DestinationRuleSpec, GatewaySpec, ServiceEntrySpec, SidecarSpec, VirtualServiceSpec, WorkloadEntrySpec } from '../../api/networking.js';
import { keyOf } from './config-key.js';
import type { Accepted, ProxyInfo } from './types.js';

export function obj<S>(kind: string, name: string, namespace: string | undefined, spec: S): Accepted<ConfigObject<string, S>> {
  const o: ConfigObject<string, S> = { apiVersion: 'networking.istio.io/v1', kind, metadata: namespace === undefined ? { name } : { name, namespace }, spec };
  return { obj: o, key: keyOf(o), file: `${name}.yaml` };
}

export const vs = (name: string, ns: string, spec: VirtualServiceSpec) => obj('VirtualService', name, ns, spec);
export const dr = (name: string, ns: string, spec: DestinationRuleSpec) => obj('DestinationRule', name, ns, spec);
export const se = (name: string, ns: string, spec: ServiceEntrySpec) => obj('ServiceEntry', name, ns, spec);
export const we = (name: string, ns: string, spec: WorkloadEntrySpec) => obj('WorkloadEntry', name, ns, spec);
export const sidecar = (name: string, ns: string, spec: SidecarSpec) => obj('Sidecar', name, ns, spec);
export const gateway = (name: string, ns: string, spec: GatewaySpec) => obj('Gateway', name, ns, spec);

export function proxy(namespace: string, labels: Record<string, string> = {}, type: ProxyInfo['type'] = 'sidecar'): ProxyInfo {
  return { id: `${type}~10.0.0.1~p.${namespace}~${namespace}.svc.cluster.local`, type, namespace, labels, ips: ['10.0.0.1'], serviceAccount: '', workloadName: '', metadata: {} };
}
