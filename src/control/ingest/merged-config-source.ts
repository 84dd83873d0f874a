// Several config sources seen as one (a config folder and the Kubernetes API):
// one ConfigSnapshot with every source's accepted objects, in source order
// (the first source's objects are older), and all rejections and messages.
// An object (kind, namespace, name) that two sources define is taken from the
// first; the other copy is rejected with WEFT_INGEST_DUPLICATE, as one
// folder's duplicate is. Emits nothing until every source has a snapshot.
import type { ConfigObject } from '../../api/networking.js';
import type { Accepted } from '../model/types.js';
import { INGEST_CODES, type ConfigSnapshot, type RejectedDocument } from './config-snapshot.js';

/** What a config source offers the control plane. */
export interface ConfigSourceLike {
  readonly snapshot: ConfigSnapshot | undefined;
  onSnapshot(cb: (s: ConfigSnapshot) => void): () => void;
  /** Called when the source itself fails (its last snapshot stays in force). */
  onError?(cb: (e: Error) => void): () => void;
  start(): Promise<unknown>;
  stop(): void;
}

export class MergedConfigSource implements ConfigSourceLike {
  private current: ConfigSnapshot | undefined;
  private version = 0;
  private readonly listeners = new Set<(s: ConfigSnapshot) => void>();

  constructor(private readonly sources: readonly ConfigSourceLike[]) {
    for (const s of sources) s.onSnapshot(() => this.merge());
  }

  get snapshot(): ConfigSnapshot | undefined {
    return this.current;
  }

  onSnapshot(cb: (s: ConfigSnapshot) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  onError(cb: (e: Error) => void): () => void {
    const offs = this.sources.map((s) => s.onError?.(cb) ?? (() => undefined));
    return () => offs.forEach((off) => off());
  }

  async start(): Promise<void> {
    for (const s of this.sources) await s.start();
    this.merge();
  }

  stop(): void {
    for (const s of this.sources) s.stop();
  }

  private merge(): void {
    const snaps = this.sources.map((s) => s.snapshot);
    if (snaps.some((s) => s === undefined)) return;
    const accepted: Accepted<ConfigObject>[] = [];
    const rejected: RejectedDocument[] = [];
    const taken = new Map<string, Accepted<ConfigObject>>();
    for (const s of snaps as ConfigSnapshot[]) {
      for (const a of s.accepted) {
        const first = taken.get(a.key);
        if (first) {
          rejected.push({
            file: a.file ?? '',
            index: 0,
            line: 1,
            key: a.key,
            messages: [{ code: INGEST_CODES.duplicate, severity: 'error', key: a.key, path: '', message: `${a.key} is defined twice: by ${first.file ?? 'an earlier source'} (in force) and by ${a.file ?? 'a later source'} (ignored)`, ...(a.file ? { file: a.file } : {}) }],
          });
          continue;
        }
        taken.set(a.key, a);
        accepted.push(a);
      }
      rejected.push(...s.rejected);
    }
    const all = snaps as ConfigSnapshot[];
    this.current = Object.freeze({
      version: ++this.version,
      accepted: Object.freeze(accepted),
      rejected: Object.freeze(rejected),
      messages: Object.freeze(all.flatMap((s) => s.messages)),
      files: Object.freeze(all.flatMap((s) => s.files)),
    });
    for (const cb of [...this.listeners]) cb(this.current);
  }
}
