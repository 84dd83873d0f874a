// The kinds weft reads from the API server, by API path.
import type { KubeResource } from './kube-client.js';

const core = (plural: string, kind: string, namespaced: boolean): KubeResource => ({ group: '', version: 'v1', plural, kind, namespaced });

export const KUBE_RESOURCES = {
  services: core('services', 'Service', true),
  pods: core('pods', 'Pod', true),
  nodes: core('nodes', 'Node', false),
  namespaces: core('namespaces', 'Namespace', false),
  secrets: core('secrets', 'Secret', true),
  endpointSlices: { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', kind: 'EndpointSlice', namespaced: true },
  leases: { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', namespaced: true },
} as const satisfies Record<string, KubeResource>;

/** The Istio kinds weft accepts, each at the version it watches (v1: Istio 1.22+ serves every one of these at v1). */
export const ISTIO_RESOURCES: readonly KubeResource[] = [
  ...['VirtualService', 'DestinationRule', 'Gateway', 'ServiceEntry', 'Sidecar', 'WorkloadEntry'].map((kind) => istio('networking.istio.io', kind)),
  ...['PeerAuthentication', 'AuthorizationPolicy', 'RequestAuthentication'].map((kind) => istio('security.istio.io', kind)),
  istio('telemetry.istio.io', 'Telemetry'),
];

function istio(group: string, kind: string): KubeResource {
  const lower = kind.toLowerCase();
  // Istio's plurals: -y after a consonant becomes -ies (serviceentries, authorizationpolicies), after a vowel takes -s (gateways).
  const plural = /[^aeiou]y$/.test(lower) ? `${lower.slice(0, -1)}ies` : `${lower}s`;
  return { group, version: 'v1', plural, kind, namespaced: true };
}
