// Who a workload is, as Istio's telemetry sees it: read from the bootstrap's
// node metadata (this proxy) or from a peer's x-envoy-peer-metadata header.
// Built once per node or per distinct header value, never per request.
import type { NodeIdentity } from '../../config/node-identity.js';

/** Istio's pod labels for the canonical service, and the plain app/version labels. */
export const CANONICAL_NAME_LABEL = 'service.istio.io/canonical-name';
export const CANONICAL_REVISION_LABEL = 'service.istio.io/canonical-revision';
export const APP_LABEL = 'app';
export const VERSION_LABEL = 'version';

/** Node metadata keys Istio's sidecars set and its telemetry reads. */
export const NODE_METADATA_KEYS = {
  name: 'NAME',
  namespace: 'NAMESPACE',
  workloadName: 'WORKLOAD_NAME',
  clusterId: 'CLUSTER_ID',
  labels: 'LABELS',
  owner: 'OWNER',
  istioVersion: 'ISTIO_VERSION',
} as const;

/** One workload's identity; '' where the metadata does not say. */
export interface WorkloadMetadata {
  /** Node id (x-envoy-peer-metadata-id); '' when unknown. */
  readonly id: string;
  /** Pod (instance) name: NAME. */
  readonly instanceName: string;
  readonly namespace: string;
  readonly workloadName: string;
  /** CLUSTER_ID (Istio's cluster name, `Kubernetes` by default). */
  readonly cluster: string;
  readonly app: string;
  readonly version: string;
  readonly canonicalService: string;
  readonly canonicalRevision: string;
  /** OWNER, e.g. `kubernetes://apis/apps/v1/namespaces/default/deployments/reviews-v1`. */
  readonly owner: string;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function labelsOf(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/**
 * Reads a node-metadata-shaped Struct (NAMESPACE, WORKLOAD_NAME, LABELS, …).
 * Istio's injector puts the canonical-name/-revision labels on every pod;
 * where they are absent (weft up's bootstrap), they are derived the way the
 * injector derives them: app.kubernetes.io/name, app, then the workload name;
 * app.kubernetes.io/version, version, then `latest`.
 */
export function workloadMetadataFromStruct(md: Readonly<Record<string, unknown>>, id: string, deriveCanonical: boolean): WorkloadMetadata {
  const labels = labelsOf(md[NODE_METADATA_KEYS.labels]);
  const workloadName = str(md[NODE_METADATA_KEYS.workloadName]);
  const app = str(labels[APP_LABEL]);
  const version = str(labels[VERSION_LABEL]);
  let canonicalService = str(labels[CANONICAL_NAME_LABEL]);
  let canonicalRevision = str(labels[CANONICAL_REVISION_LABEL]);
  if (deriveCanonical) {
    canonicalService ||= str(labels['app.kubernetes.io/name']) || app || workloadName;
    canonicalRevision ||= str(labels['app.kubernetes.io/version']) || version || 'latest';
  }
  return {
    id,
    instanceName: str(md[NODE_METADATA_KEYS.name]),
    namespace: str(md[NODE_METADATA_KEYS.namespace]),
    workloadName,
    cluster: str(md[NODE_METADATA_KEYS.clusterId]),
    app,
    version,
    canonicalService,
    canonicalRevision,
    owner: str(md[NODE_METADATA_KEYS.owner]),
  };
}

const byNode = new WeakMap<NodeIdentity, WorkloadMetadata>();

/** This proxy's own workload metadata (cached per node object). */
export function localWorkloadMetadata(node: NodeIdentity | undefined): WorkloadMetadata {
  if (!node) return EMPTY_WORKLOAD;
  let w = byNode.get(node);
  if (!w) {
    w = workloadMetadataFromStruct(node.metadata, node.id, true);
    byNode.set(node, w);
  }
  return w;
}

/**
 * The Struct this proxy sends to its peers (Istio's exchanged node fields):
 * NAME, NAMESPACE, WORKLOAD_NAME, CLUSTER_ID, OWNER and LABELS with the
 * canonical service labels filled in.
 */
export function exchangeStruct(node: NodeIdentity | undefined): Record<string, unknown> {
  const w = localWorkloadMetadata(node);
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(labelsOf(node?.metadata[NODE_METADATA_KEYS.labels]))) if (typeof v === 'string') labels[k] = v;
  if (w.canonicalService) labels[CANONICAL_NAME_LABEL] = w.canonicalService;
  if (w.canonicalRevision) labels[CANONICAL_REVISION_LABEL] = w.canonicalRevision;
  const out: Record<string, unknown> = {};
  if (w.instanceName) out[NODE_METADATA_KEYS.name] = w.instanceName;
  if (w.namespace) out[NODE_METADATA_KEYS.namespace] = w.namespace;
  if (w.workloadName) out[NODE_METADATA_KEYS.workloadName] = w.workloadName;
  if (w.cluster) out[NODE_METADATA_KEYS.clusterId] = w.cluster;
  if (w.owner) out[NODE_METADATA_KEYS.owner] = w.owner;
  out[NODE_METADATA_KEYS.labels] = labels;
  return out;
}

export const EMPTY_WORKLOAD: WorkloadMetadata = Object.freeze({
  id: '', instanceName: '', namespace: '', workloadName: '', cluster: '', app: '', version: '', canonicalService: '', canonicalRevision: '', owner: '',
});
