// Istio's label values for one reporter, peer and destination service: a pure
// function, computed once per distinct combination (the filter caches the
// metrics it returns labels for), never per request.
import type { WorkloadMetadata } from '../common/workload-metadata.js';
import { LATEST, UNKNOWN, type PeerLabel } from './defaults.js';
import { namespaceOfPrincipal, type Principals } from './principals.js';

export type Reporter = 'source' | 'destination';

/** Client (source) or server (destination) side: the listener's traffic_direction, else Istio's `inbound…` stat prefix convention. */
export function reporterOf(direction: string | undefined, statPrefix: string): Reporter {
  if (direction === 'INBOUND') return 'destination';
  if (direction === 'OUTBOUND') return 'source';
  return statPrefix.startsWith('inbound') ? 'destination' : 'source';
}

/** What the destination service is, from the cluster's metadata or the Host header; '' when unknown. */
export interface ServiceInfo {
  readonly host: string;
  readonly name: string;
}

export interface PeerLabelInputs {
  readonly reporter: Reporter;
  /** This proxy's workload. */
  readonly local: WorkloadMetadata;
  /** The other side's workload, when a metadata exchange found it. */
  readonly peer: WorkloadMetadata | undefined;
  readonly principals: Principals;
  readonly service: ServiceInfo;
}

const or = (v: string | undefined, dflt: string): string => (v ? v : dflt);

/** The PEER_LABELS values, in Istio's order (the object's key order is the label order on /stats/prometheus). */
export function peerLabels(i: PeerLabelInputs): Record<PeerLabel, string> {
  const { local, peer, principals: p, service } = i;
  // Istio prefers the namespace in the peer's certificate over what the peer says about itself.
  const peerNamespace = or(namespaceOfPrincipal(p.peer), peer?.namespace ?? '');
  if (i.reporter === 'destination') {
    return {
      reporter: 'destination',
      source_workload: or(peer?.workloadName, UNKNOWN),
      source_canonical_service: or(peer?.canonicalService, UNKNOWN),
      source_canonical_revision: or(peer?.canonicalRevision, LATEST),
      source_workload_namespace: or(peerNamespace, UNKNOWN),
      source_principal: or(p.peer, UNKNOWN),
      source_app: or(peer?.app, UNKNOWN),
      source_version: or(peer?.version, UNKNOWN),
      source_cluster: or(peer?.cluster, UNKNOWN),
      destination_workload: local.workloadName,
      destination_workload_namespace: local.namespace,
      destination_principal: or(p.local, UNKNOWN),
      destination_app: local.app,
      destination_version: local.version,
      destination_service: or(service.host, local.canonicalService),
      destination_canonical_service: local.canonicalService,
      destination_canonical_revision: local.canonicalRevision,
      destination_service_name: or(service.name, local.canonicalService),
      destination_service_namespace: local.namespace,
      destination_cluster: local.cluster,
    };
  }
  return {
    reporter: 'source',
    source_workload: local.workloadName,
    source_canonical_service: local.canonicalService,
    source_canonical_revision: local.canonicalRevision,
    source_workload_namespace: local.namespace,
    source_principal: or(p.local, UNKNOWN),
    source_app: local.app,
    source_version: local.version,
    source_cluster: local.cluster,
    destination_workload: or(peer?.workloadName, UNKNOWN),
    destination_workload_namespace: or(peerNamespace, UNKNOWN),
    destination_principal: or(p.peer, UNKNOWN),
    destination_app: or(peer?.app, UNKNOWN),
    destination_version: or(peer?.version, UNKNOWN),
    destination_service: or(service.host, UNKNOWN),
    destination_canonical_service: or(peer?.canonicalService, UNKNOWN),
    destination_canonical_revision: or(peer?.canonicalRevision, LATEST),
    destination_service_name: or(service.name, UNKNOWN),
    destination_service_namespace: or(peerNamespace, UNKNOWN),
    destination_cluster: or(peer?.cluster, UNKNOWN),
  };
}

/**
 * The destination service from a cluster's `istio` filter metadata
 * (`services[0].host` and `.name`, as Istio's control plane writes it and
 * weft's does), with Istio's names for its special clusters.
 */
export function serviceFromClusterMetadata(metadata: unknown, fallback: ServiceInfo): ServiceInfo {
  const services = (metadata as { filter_metadata?: { istio?: { services?: unknown } } } | undefined)?.filter_metadata?.istio?.services;
  const first = Array.isArray(services) ? (services[0] as { host?: unknown; name?: unknown } | undefined) : undefined;
  if (!first) return fallback;
  const host = typeof first.host === 'string' ? first.host : fallback.host;
  const name = typeof first.name === 'string' ? first.name : host.split('.')[0] ?? '';
  return { host, name };
}
