// The kinds weft reads from the API server, by API path.
import type { KubeResource } from './kube-client.js';

const core = (plural: string, kind: string, namespaced: boolean): KubeResource => ({ group: '', version: 'v1', plural, kind, namespaced });

export const KUBE_RESOURCES = {
  services: core('services', 'Service', true),
  pods: core('pods', 'Pod', true),
  nodes: core('nodes', 'Node', false),
  namespaces: core('namespaces', 'Namespace', false),
  secrets: core('secrets', 'Secret', true),
  configMaps: core('configmaps', 'ConfigMap', true),
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
  // Kubernetes' plural of a kind: consonant + y → ies (policy → policies), else + s (gateway → gateways).
  const plural = /[^aeiou]y$/.test(lower) ? `${lower.slice(0, -1)}ies` : `${lower}s`;
  return { group, version: 'v1', plural, kind, namespaced: true };
}

/** Older versions of each Istio group, tried in order when `v1` is not served (Istio before 1.22). */
export const ISTIO_FALLBACK_VERSIONS: Readonly<Record<string, readonly string[]>> = {
  'networking.istio.io': ['v1beta1', 'v1alpha3'],
  'security.istio.io': ['v1beta1'],
  'telemetry.istio.io': ['v1alpha1'],
};
