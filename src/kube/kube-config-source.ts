// Istio config from the API server: the custom resources of every kind weft
// accepts, validated exactly as the config folder's documents are (the same
// validateObject and SnapshotAssembler), giving the same ConfigSnapshot. Each
// object is one "document" whose file is `kubernetes://<Kind>/<ns>/<name>`,
// so messages name it and the assembler's last-good rule applies per object:
// an update that fails validation keeps the last accepted version serving
// (WEFT_INGEST_KEPT_LAST_GOOD), as with a broken edit of a file.
//
// Kubernetes' own metadata (uid, resourceVersion, managedFields...) and the
// `status` weft writes back are stripped before validation: they are not
// config. Snapshots are coalesced: all changes of one tick build one
// snapshot, and one whose content did not change is not emitted.
import type { ConfigObject } from '../api/networking.js';
import type { Logger } from '../common/log.js';
import { SnapshotAssembler, type ConfigSnapshot, type Validate } from '../control/ingest/config-snapshot.js';
import type { ParsedFile } from '../control/ingest/read-documents.js';
import { validateObject } from '../control/validation/index.js';
import type { Informer } from './informer.js';
import type { KubeObject } from './kube-client.js';

/** The file name an object's messages carry. */
export function kubeObjectFile(kind: string, namespace: string | undefined, name: string): string {
  return `kubernetes://${kind}/${namespace ? `${namespace}/` : ''}${name}`;
}

/** The parts of a custom resource that are config (what a user applied), for validation. */
export function configDocument(o: KubeObject): Record<string, unknown> {
  const md = o.metadata;
  const metadata: Record<string, unknown> = { name: md.name };
  if (md.namespace !== undefined) metadata.namespace = md.namespace;
  if (md.labels) metadata.labels = md.labels;
  if (md.annotations) {
    // kubectl's last-applied copy is large and not config.
    const { 'kubectl.kubernetes.io/last-applied-configuration': _last, ...rest } = md.annotations;
    if (Object.keys(rest).length > 0) metadata.annotations = rest;
  }
  const { metadata: _m, status: _s, ...body } = o;
  return { ...body, metadata };
}

export interface KubeConfigSourceOptions {
  readonly validate?: Validate;
  readonly log?: Logger;
  /** start() resolves when this does (every informer the control plane needs has listed once); default: this source's informers. */
  readonly ready?: () => Promise<void>;
}

/** Where each accepted or rejected object came from, for the status writer. */
export interface SourceObjectRef {
  readonly informer: Informer;
  readonly obj: KubeObject;
}

export class KubeConfigSource {
  private readonly assembler: SnapshotAssembler;
  private current: ConfigSnapshot | undefined;
  private fingerprint = '';
  private readonly listeners = new Set<(s: ConfigSnapshot) => void>();
  /** ParsedFile per object, reused while its resourceVersion is unchanged (validation is cached per ParsedFile). */
  private parsed = new Map<string, { rv: string; file: ParsedFile }>();
  private scheduled = false;
  private readonly refs = new Map<string, SourceObjectRef>();

  constructor(
    private readonly informers: readonly Informer[],
    private readonly opts: KubeConfigSourceOptions = {},
  ) {
    this.assembler = new SnapshotAssembler(opts.validate ?? validateObject);
    for (const inf of informers) inf.onEvent(() => this.schedule());
  }

  /** The current snapshot (undefined until every informer has synced). */
  get snapshot(): ConfigSnapshot | undefined {
    return this.current;
  }

  onSnapshot(cb: (s: ConfigSnapshot) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /**
   * Resolves once the informers have listed everything (the first snapshot is
   * then built): the control plane serves no config from the API before it
   * has all of it. The informers themselves are started by their owner.
   */
  async start(): Promise<void> {
    await (this.opts.ready ? this.opts.ready() : Promise.all(this.informers.map((i) => i.whenSynced())));
    this.rebuild();
  }

  stop(): void {
    this.listeners.clear();
  }

  /** The API object behind a snapshot's file name. */
  objectOf(file: string): SourceObjectRef | undefined {
    return this.refs.get(file);
  }

  /** Builds a snapshot from the informers now (emitted when it changed); undefined while some informer has never synced. */
  rebuild(): ConfigSnapshot | undefined {
    this.scheduled = false;
    if (!this.informers.every((i) => i.hasSynced)) return undefined;
    const files = new Map<string, ParsedFile>();
    const nextParsed = new Map<string, { rv: string; file: ParsedFile }>();
    this.refs.clear();
    for (const inf of this.informers) {
      for (const obj of inf.list()) {
        const file = kubeObjectFile(inf.resource.kind, obj.metadata.namespace, obj.metadata.name);
        const rv = obj.metadata.resourceVersion ?? '';
        let entry = this.parsed.get(file);
        if (!entry || entry.rv !== rv) entry = { rv, file: { docs: [{ index: 0, line: 1, value: configDocument(obj) }], errors: [] } };
        nextParsed.set(file, entry);
        files.set(file, entry.file);
        this.refs.set(file, { informer: inf, obj });
      }
    }
    this.parsed = nextParsed;
    const snap = this.assembler.build(files);
    const fp = fingerprintOf(snap);
    if (this.current && fp === this.fingerprint) return this.current;
    this.fingerprint = fp;
    this.current = snap;
    for (const r of snap.rejected) {
      for (const m of r.messages) if (m.severity === 'error') this.opts.log?.warn(`rejected ${r.key ?? r.file}: ${m.path ? `${m.path}: ` : ''}${m.message} (${m.code})`);
    }
    for (const cb of [...this.listeners]) cb(snap);
    return snap;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      try {
        this.rebuild();
      } catch (e) {
        this.scheduled = false;
        this.opts.log?.error(`building the config snapshot from the API objects failed; the last one keeps serving: ${(e as Error).message}`);
      }
    });
  }
}

function fingerprintOf(s: ConfigSnapshot): string {
  return JSON.stringify([s.accepted.map((a) => [a.key, a.obj as ConfigObject]), s.rejected, s.messages]);
}
