// Applying the install manifest to a cluster, and removing it, through
// @kubernetes/client-node's generic object API (discovery finds each kind's
// path, also for the CRDs created a moment before). An object that exists is
// updated with a JSON merge patch, as `kubectl apply` keeps fields the
// server owns (a Service's clusterIP, a Secret's type).
import { KubeConfig, KubernetesObjectApi, PatchStrategy, VersionApi, type KubernetesObject } from '@kubernetes/client-node';

export type ApplyOutcome = 'created' | 'configured';
export type DeleteOutcome = 'deleted' | 'absent';

/** The cluster operations install and uninstall use (a seam for tests and other clients). */
export interface ClusterObjects {
  /** The API server's address, for messages. */
  readonly server: string;
  apply(obj: KubernetesObject): Promise<ApplyOutcome>;
  remove(id: { apiVersion: string; kind: string; name: string; namespace?: string }): Promise<DeleteOutcome>;
  /** "1.30" (major.minor), or undefined when the server does not say. */
  version(): Promise<string | undefined>;
}

const codeOf = (err: unknown): number | undefined => (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : undefined);

/** Reads the kubeconfig file (or $KUBECONFIG, ~/.kube/config) and returns the cluster client. */
export function clusterObjects(kubeconfig?: string): ClusterObjects {
  const kc = new KubeConfig();
  if (kubeconfig) kc.loadFromFile(kubeconfig);
  else kc.loadFromDefault();
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig names no current cluster');
  const api = KubernetesObjectApi.makeApiClient(kc);
  return {
    server: cluster.server,
    async apply(obj) {
      try {
        await api.read({ apiVersion: obj.apiVersion!, kind: obj.kind!, metadata: { name: obj.metadata!.name!, ...(obj.metadata?.namespace ? { namespace: obj.metadata.namespace } : {}) } });
      } catch (err) {
        if (codeOf(err) !== 404) throw err;
        await api.create(obj);
        return 'created';
      }
      await api.patch(obj, undefined, undefined, 'weft-install', undefined, PatchStrategy.MergePatch);
      return 'configured';
    },
    async remove(id) {
      try {
        await api.delete({ apiVersion: id.apiVersion, kind: id.kind, metadata: { name: id.name, ...(id.namespace ? { namespace: id.namespace } : {}) } });
        return 'deleted';
      } catch (err) {
        // 404: gone already, or its kind is (the CRD was removed first): nothing to delete.
        if (codeOf(err) === 404 || /Unrecognized API version and kind|resource .* not found/i.test(String((err as Error).message))) return 'absent';
        throw err;
      }
    },
    async version() {
      try {
        const v = await kc.makeApiClient(VersionApi).getCode();
        return `${v.major.replace(/\D/g, '')}.${v.minor.replace(/\D/g, '')}`;
      } catch {
        return undefined;
      }
    },
  };
}
