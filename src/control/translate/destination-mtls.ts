// What auto mTLS makes of the destination's PeerAuthentication, as Istio
// decides it on the client side:
//   - per cluster (PushContext.BestEffortInferServiceMTLSMode): the mode of
//     the service's namespace (its namespace-wide policy, else the mesh-wide
//     one, else PERMISSIVE). DISABLE there: the cluster gets no auto mTLS at
//     all, plain connections to every endpoint.
//   - per endpoint (EDS mtlsChecker.checkMtlsEnabled): an endpoint keeps its
//     tlsMode=istio mark (which selects the cluster's mTLS transport socket
//     match) only when its workload's effective mode on the endpoint's port
//     is not DISABLE: workload-scope policies and portLevelMtls count here.
//     When the cluster's DestinationRule names a tls mode, that mode decides
//     instead (the mark stays only for ISTIO_MUTUAL), as in Istio.
// The mark is only ever removed, never added: an endpoint without a sidecar
// stays plaintext whatever the policies say.
import type { DestinationRule, Subset, TrafficPolicy } from '../../api/networking.js';
import { mtlsModeForPort } from '../model/peer-authentication-index.js';
import type { MtlsMode, PushContext, ServiceEndpoint } from '../model/types.js';
import { ISTIO_TLS } from './istio-tls.js';

/**
 * The mode Istio infers for a service when building a client's cluster: the
 * namespace's mode (mesh and namespace scope only; workload and port-level
 * policies are judged per endpoint, see endpointTakesMtls).
 */
export function serviceMtlsMode(push: PushContext, namespace: string): MtlsMode {
  // No labels: no workload-scope policy selects, so this is mesh → namespace composition.
  return push.peerAuthentication(namespace, {}).mode;
}

/**
 * The tls mode a DestinationRule sets for one cluster as Istio's EDS reads it
 * (tlsModeForDestinationRule): the rule's traffic policy for the default
 * cluster, only the subset's own policy for a subset cluster; a port-level
 * tls replaces it. A tls block without a mode is DISABLE (the enum's zero).
 */
export function destinationRuleTlsMode(dr: DestinationRule | undefined, port: number, subset: Subset | undefined): string | undefined {
  if (!dr) return undefined;
  const tp: TrafficPolicy | undefined = subset ? subset.trafficPolicy : dr.spec.trafficPolicy;
  const pl = tp?.portLevelSettings?.find((s) => s?.port?.number === port && s.tls !== undefined);
  const tls = pl ? pl.tls : tp?.tls;
  return tls ? tls.mode ?? 'DISABLE' : undefined;
}

/**
 * Whether an endpoint keeps its mesh mTLS mark in a cluster whose
 * DestinationRule tls mode (destinationRuleTlsMode) is `drMode`.
 */
export function endpointTakesMtls(push: PushContext, ep: ServiceEndpoint, drMode: string | undefined): boolean {
  if (ep.tlsMode !== ISTIO_TLS.tlsModeIstio) return false;
  if (drMode !== undefined) return drMode === 'ISTIO_MUTUAL';
  return mtlsModeForPort(push.peerAuthentication(ep.namespace, ep.labels), ep.port) !== 'DISABLE';
}

/** The endpoints with their mark as endpointTakesMtls decides (the same objects when nothing changes). */
export function withDestinationMtls(push: PushContext, eps: readonly ServiceEndpoint[], drMode: string | undefined): ServiceEndpoint[] {
  return eps.map((ep) => (ep.tlsMode === ISTIO_TLS.tlsModeIstio && !endpointTakesMtls(push, ep, drMode) ? { ...ep, tlsMode: 'disabled' } : ep));
}
