// istiod's namespace controller: the mesh's root certificate published as
// ConfigMap istio-ca-root-cert (key root-cert.pem) in every namespace, which
// every injected sidecar mounts (volume istiod-ca-cert) to verify the CA.
// Without it an injected pod cannot start its sidecar. The publisher keeps
// the ConfigMaps as they should be: it creates them in new namespaces,
// re-creates deleted ones, restores edited ones and rewrites all of them
// when the root changes. Only one control plane replica should run it (the
// leader: it writes; replicas agree, so two writing is harmless).
import type { Logger } from '../../common/log.js';
import { Informer, type InformerOptions } from '../informer.js';
import { KubeApiError, type KubeClient, type KubeObject, type KubeResource } from '../kube-client.js';
import { KUBE_RESOURCES } from '../kube-resources.js';
import { INJECT_DEFAULTS } from './defaults.js';

export const ROOT_CERT_CONFIGMAP = {
  name: 'istio-ca-root-cert',
  key: 'root-cert.pem',
  /** Istio's label on the ConfigMaps it owns; the publisher watches only those. */
  label: { 'istio.io/config': 'true' },
} as const;

const CONFIGMAPS: KubeResource = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };

export interface RootCertPublisherOptions {
  client: KubeClient;
  /** PEM of the mesh's roots (the trust bundle, during a rotation more than one). */
  rootPem: string;
  log?: Logger;
  /** Informer settings (clock, backoff, resync) for the two informers. */
  informer?: Omit<InformerOptions, 'namespace' | 'labelSelector'>;
}

export class RootCertPublisher {
  private readonly namespaces: Informer;
  private readonly configMaps: Informer;
  private rootPem: string;
  private readonly pending = new Map<string, Promise<void>>();
  /** Writes done (created or updated), and namespaces looked at, for tests and /debug. */
  writes = 0;
  checks = 0;
  private unsubscribes: (() => void)[] = [];

  constructor(private readonly o: RootCertPublisherOptions) {
    this.rootPem = o.rootPem;
    this.namespaces = new Informer(o.client, KUBE_RESOURCES.namespaces, { ...o.informer, ...(o.log ? { log: o.log } : {}) });
    const selector = Object.entries(ROOT_CERT_CONFIGMAP.label).map(([k, v]) => `${k}=${v}`).join(',');
    this.configMaps = new Informer(o.client, CONFIGMAPS, { ...o.informer, labelSelector: selector, ...(o.log ? { log: o.log } : {}) });
  }

  start(): void {
    this.unsubscribes = [
      this.namespaces.onEvent((ev) => {
        if (ev.type === 'synced' || ev.type === 'resync') this.reconcileAll();
        else if (ev.type !== 'delete') this.reconcile(ev.obj.metadata.name);
      }),
      this.configMaps.onEvent((ev) => {
        if (ev.type === 'synced' || ev.type === 'resync') this.reconcileAll();
        else if (ev.obj.metadata.name === ROOT_CERT_CONFIGMAP.name && ev.obj.metadata.namespace) this.reconcile(ev.obj.metadata.namespace);
      }),
    ];
    this.configMaps.start();
    this.namespaces.start();
  }

  stop(): void {
    for (const u of this.unsubscribes) u();
    this.namespaces.stop();
    this.configMaps.stop();
  }

  /** A new root (or trust bundle): every namespace's ConfigMap is rewritten. */
  setRoot(pem: string): void {
    if (pem === this.rootPem) return;
    this.rootPem = pem;
    this.reconcileAll();
  }

  /** Resolves when no write is in flight (tests). */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending.values()]);
  }

  private reconcileAll(): void {
    if (!this.namespaces.hasSynced || !this.configMaps.hasSynced) return;
    for (const n of this.namespaces.list()) this.reconcile(n.metadata.name);
  }

  /** One write per namespace at a time; a change meanwhile is looked at again after it. */
  private reconcile(namespace: string): void {
    if (INJECT_DEFAULTS.ignoredNamespaces.includes(namespace) || namespace === 'kube-node-lease') return;
    if (!this.namespaces.hasSynced || !this.configMaps.hasSynced) return;
    const prev = this.pending.get(namespace) ?? Promise.resolve();
    const next = prev.then(() => this.write(namespace)).catch((err: unknown) => {
      // The next event or resync tries again; the informers keep the picture current.
      this.o.log?.warn(`${ROOT_CERT_CONFIGMAP.name} in ${namespace} not written: ${(err as Error).message}`);
    }).finally(() => {
      if (this.pending.get(namespace) === next) this.pending.delete(namespace);
    });
    this.pending.set(namespace, next);
  }

  private async write(namespace: string): Promise<void> {
    this.checks++;
    const ns = this.namespaces.get(undefined, namespace);
    if (!ns || ns.metadata.deletionTimestamp) return;
    const existing = this.configMaps.get(namespace, ROOT_CERT_CONFIGMAP.name);
    const data = (existing as { data?: Record<string, string> } | undefined)?.data;
    const labelsOk = Object.entries(ROOT_CERT_CONFIGMAP.label).every(([k, v]) => existing?.metadata.labels?.[k] === v);
    if (existing && labelsOk && data?.[ROOT_CERT_CONFIGMAP.key] === this.rootPem && Object.keys(data).length === 1) return;
    const desired: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: ROOT_CERT_CONFIGMAP.name, namespace, labels: { ...ROOT_CERT_CONFIGMAP.label } },
      data: { [ROOT_CERT_CONFIGMAP.key]: this.rootPem },
    };
    if (!existing) {
      try {
        await this.o.client.create(CONFIGMAPS, desired);
        this.writes++;
        return;
      } catch (err) {
        // Created by someone else meanwhile (or outside the label selector): update it instead.
        if (!(err instanceof KubeApiError && err.code === 409)) throw err;
      }
    }
    const current = await this.o.client.get(CONFIGMAPS, namespace, ROOT_CERT_CONFIGMAP.name);
    await this.o.client.replace(CONFIGMAPS, { ...desired, metadata: { ...current.metadata, labels: { ...current.metadata.labels, ...ROOT_CERT_CONFIGMAP.label } } });
    this.writes++;
  }
}
