// Kubernetes mode as one object: the informers (Services, EndpointSlices,
// Pods, Nodes, Namespaces and the Istio kinds), the service registry and the
// config source built on them, leader election, and the status writer that
// only the leader runs. `weft control --kubeconfig` hands `registry` and
// `configSource` to the ControlPlane and `onAnalysis` to its analysis hook.
import { systemClock, type Clock } from '../common/clock.js';
import type { Logger } from '../common/log.js';
import type { ConfigSnapshot } from '../control/ingest/config-snapshot.js';
import type { ValidationMessage } from '../control/validation/index.js';
import { Informer, type InformerOptions } from './informer.js';
import type { KubeClient, KubeObject, KubeResource } from './kube-client.js';
import { KubeConfigSource } from './kube-config-source.js';
import { KUBE_LABELS, KubeServiceRegistry } from './kube-registry.js';
import { ISTIO_FALLBACK_VERSIONS, ISTIO_RESOURCES, KUBE_RESOURCES } from './kube-resources.js';
import { LeaderElector, type LeaderElectionOptions } from './leader-election.js';
import { messagesByFile, StatusWriter } from './status-writer.js';
import { KubeCredentialSource } from './kube-credential-source.js';
import { KubeMeshConfigSource } from './kube-mesh-config-source.js';

export interface KubeModeOptions {
  readonly client: KubeClient;
  /** This replica's identity for leader election (the pod name; default hostname-pid). */
  readonly identity: string;
  /** Namespace of the leader Lease (the control plane's own, default istio-system). */
  readonly leaseNamespace?: string;
  readonly domainSuffix?: string;
  readonly clock?: Clock;
  readonly log?: Logger;
  /** Informer settings (page size, backoff, resync) for every informer. */
  readonly informer?: Omit<InformerOptions, 'clock' | 'log' | 'namespace' | 'labelSelector'>;
  readonly leaderElection?: Partial<Pick<LeaderElectionOptions, 'leaseDurationMs' | 'renewDeadlineMs' | 'retryPeriodMs' | 'name'>>;
  /** The Istio kinds read as config (default ISTIO_RESOURCES). */
  readonly istioResources?: readonly KubeResource[];
  /** Read credentialName secrets from the Secrets of this namespace (`credentials`); absent: no Secret informer. */
  readonly credentialsNamespace?: string;
  /** Read MeshConfig from this ConfigMap's data.mesh ({namespace, name}, Istio's istio-system/istio); absent: no ConfigMap informer. */
  readonly meshConfigMap?: { readonly namespace: string; readonly name: string };
}

/** What `weft status` and the debug endpoint show of Kubernetes mode. */
export interface KubeModeStatus {
  readonly server: string;
  readonly leader: string;
  readonly isLeader: boolean;
  readonly informers: readonly { kind: string; state: string; objects: number; resourceVersion: string; lastError?: string }[];
  readonly statusWrites: number;
}

export class KubeMode {
  readonly services: Informer;
  readonly endpointSlices: Informer;
  readonly pods: Informer;
  readonly nodes: Informer;
  readonly namespaces: Informer;
  readonly istio: readonly Informer[];
  readonly registry: KubeServiceRegistry;
  readonly configSource: KubeConfigSource;
  readonly elector: LeaderElector;
  readonly status: StatusWriter;
  /** credentialName secrets from Kubernetes Secrets (with `credentialsNamespace`). */
  readonly credentials: KubeCredentialSource | undefined;
  private readonly secrets: Informer | undefined;
  /** MeshConfig from the `istio` ConfigMap (with `meshConfigMap`). */
  readonly meshConfig: KubeMeshConfigSource | undefined;
  private readonly configMaps: Informer | undefined;
  private analysis: readonly ValidationMessage[] = [];

  constructor(private readonly opts: KubeModeOptions) {
    const clock = opts.clock ?? systemClock;
    const log = opts.log;
    const make = (r: KubeResource, optional = false, namespace?: string): Informer => {
      const fallbackVersions = optional ? ISTIO_FALLBACK_VERSIONS[r.group] : undefined;
      return new Informer(opts.client, r, {
        ...(opts.informer ?? {}), clock, ...(log ? { log: log.child(r.plural) } : {}),
        ...(optional ? { optional } : {}), ...(namespace ? { namespace } : {}), ...(fallbackVersions ? { fallbackVersions } : {}),
      });
    };
    this.services = make(KUBE_RESOURCES.services);
    this.endpointSlices = make(KUBE_RESOURCES.endpointSlices);
    this.pods = make(KUBE_RESOURCES.pods);
    this.nodes = make(KUBE_RESOURCES.nodes);
    this.namespaces = make(KUBE_RESOURCES.namespaces);
    // Istio's CRDs may be missing (not installed yet, or an older Istio without v1): those kinds are empty until they appear.
    this.istio = (opts.istioResources ?? ISTIO_RESOURCES).map((r) => make(r, true));
    if (opts.credentialsNamespace) {
      this.secrets = make(KUBE_RESOURCES.secrets, false, opts.credentialsNamespace);
      this.credentials = new KubeCredentialSource(this.secrets, opts.credentialsNamespace, clock);
    }
    if (opts.meshConfigMap) {
      this.configMaps = make(KUBE_RESOURCES.configMaps, false, opts.meshConfigMap.namespace);
      this.meshConfig = new KubeMeshConfigSource(this.configMaps, opts.meshConfigMap.namespace, opts.meshConfigMap.name);
    }
    const registryInformers = [this.services, this.endpointSlices, this.pods, this.nodes];
    this.registry = new KubeServiceRegistry(
      {
        snapshot: () => ({ services: this.services.list(), endpointSlices: this.endpointSlices.list(), pods: this.pods.list(), nodes: this.nodes.list() }),
        onChange: (cb) => {
          for (const i of registryInformers) i.onEvent((ev) => (ev.type === 'resync' ? undefined : cb()));
        },
      },
      opts.domainSuffix,
    );
    this.configSource = new KubeConfigSource(this.istio, {
      ...(log ? { log: log.child('config') } : {}),
      ready: () => this.whenSynced(),
    });
    this.status = new StatusWriter(opts.client, this.configSource, log?.child('status'));
    // Deferred: a control plane following this source analyses the snapshot synchronously (onAnalysis) first,
    // so the status written carries the new snapshot's analysis, not the previous one's.
    this.configSource.onSnapshot((s) => queueMicrotask(() => {
      if (this.configSource.snapshot === s) this.status.update(messagesByFile(s, this.analysis));
    }));
    this.elector = new LeaderElector({
      client: opts.client,
      namespace: opts.leaseNamespace ?? 'istio-system',
      identity: opts.identity,
      clock,
      ...(opts.leaderElection ?? {}),
      ...(log ? { log: log.child('leader') } : {}),
      onStartedLeading: () => this.status.enable(),
      onStoppedLeading: () => this.status.disable(),
    });
  }

  private get all(): Informer[] {
    return [this.services, this.endpointSlices, this.pods, this.nodes, this.namespaces, ...this.istio, ...(this.secrets ? [this.secrets] : []), ...(this.configMaps ? [this.configMaps] : [])];
  }

  /** Starts every informer and leader election. */
  start(): void {
    for (const i of this.all) i.start();
    this.elector.start();
  }

  /** Resolves once every informer has listed once. */
  async whenSynced(): Promise<void> {
    await Promise.all(this.all.map((i) => i.whenSynced()));
  }

  async stop(): Promise<void> {
    await this.elector.stop();
    for (const i of this.all) i.stop();
  }

  /**
   * The control plane's analysis hook: results go to the objects' status
   * (when leading). `snapshot` may be a merged one (folder and API); only
   * messages about this source's objects map to an object.
   */
  onAnalysis(_snapshot: ConfigSnapshot, analysis: readonly ValidationMessage[]): void {
    this.analysis = analysis;
    if (this.configSource.snapshot === undefined) return;
    this.status.update(messagesByFile(this.configSource.snapshot, analysis));
  }

  /** A namespace's labels ({} when unknown): istio-injection, istio.io/rev. */
  namespaceLabels(name: string): Readonly<Record<string, string>> {
    return this.namespaces.get(undefined, name)?.metadata.labels ?? {};
  }

  /** Whether pods of a namespace get the sidecar by its labels (istio-injection=enabled, or an istio.io/rev revision). */
  namespaceInjected(name: string): boolean {
    const l = this.namespaceLabels(name);
    if (l[KUBE_LABELS.injection] === 'disabled') return false;
    return l[KUBE_LABELS.injection] === 'enabled' || (l[KUBE_LABELS.revision] ?? '') !== '';
  }

  /** Objects of a kind the mode watches (for analysis and tools). */
  objects(kind: 'Service' | 'Pod' | 'Namespace' | 'Node' | 'EndpointSlice'): KubeObject[] {
    const by = { Service: this.services, Pod: this.pods, Namespace: this.namespaces, Node: this.nodes, EndpointSlice: this.endpointSlices };
    return by[kind].list();
  }

  statusReport(): KubeModeStatus {
    return {
      server: this.opts.client.server,
      leader: this.elector.leader,
      isLeader: this.elector.isLeader,
      informers: this.all.map((i) => ({
        kind: i.resource.kind,
        state: i.state,
        objects: i.list().length,
        resourceVersion: i.resourceVersion,
        ...(i.lastError !== undefined ? { lastError: i.lastError } : {}),
      })),
      statusWrites: this.status.stats.writes,
    };
  }

}
