// Istio config from a folder: every *.yaml, *.yml and *.json file at the top
// level and one level of subfolders (names starting with "." are skipped, so
// Kubernetes ConfigMap mounts with their "..data" links read once). Each
// document is validated alone: a bad one is rejected with its messages and the
// rest is served. The folder is watched (fs.watch, or polling where watching
// is not available) and a new snapshot is emitted after changes settle for
// `debounceMs`. Snapshots whose content did not change are not emitted.
import { promises as fsp, watch as fsWatch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { systemClock, type Clock, type TimerHandle } from '../../common/clock.js';
import { validateObject } from '../validation/index.js';
import { SnapshotAssembler, type ConfigSnapshot, type Validate } from './config-snapshot.js';
import { parseDocuments, type ParsedFile } from './read-documents.js';

export const DIRECTORY_SOURCE_DEFAULTS = {
  /** Editors write a file in several steps and `kubectl cp`/git checkouts touch many files: wait for quiet. */
  debounceMs: 100,
  /** Upper bound on the wait while changes keep coming, so a busy folder still updates. */
  maxDelayMs: 1000,
  /** Polling interval where fs.watch is unavailable (network filesystems, some containers). */
  pollIntervalMs: 1000,
} as const;

const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

export interface DirectorySourceOptions {
  debounceMs?: number;
  maxDelayMs?: number;
  pollIntervalMs?: number;
  /** Poll instead of fs.watch (tests, filesystems without change events). */
  poll?: boolean;
  clock?: Clock;
  /** The validator (default validateObject); injectable for tests. */
  validate?: Validate;
}

export type SnapshotListener = (snapshot: ConfigSnapshot) => void;
export type SourceErrorListener = (error: Error) => void;

export class DirectoryConfigSource {
  readonly dir: string;
  private readonly opts: Required<Omit<DirectorySourceOptions, 'validate' | 'clock'>>;
  private readonly clock: Clock;
  private readonly assembler: SnapshotAssembler;
  private current: ConfigSnapshot | undefined;
  private fingerprint = '';
  private readonly listeners = new Set<SnapshotListener>();
  private readonly errorListeners = new Set<SourceErrorListener>();
  private readonly watchers = new Map<string, FSWatcher>();
  private polling = false;
  private pollTimer: TimerHandle | undefined;
  private pollSignature = '';
  private debounce: TimerHandle | undefined;
  private firstEventAt = 0;
  private reloading: Promise<void> | undefined;
  private dirty = false;
  private running = false;
  /** Parsed files by path, reused while a file's text is unchanged (YAML parsing dominates reload time). */
  private fileCache = new Map<string, { text: string; parsed: ParsedFile }>();

  constructor(dir: string, options: DirectorySourceOptions = {}) {
    this.dir = path.resolve(dir);
    this.opts = {
      debounceMs: options.debounceMs ?? DIRECTORY_SOURCE_DEFAULTS.debounceMs,
      maxDelayMs: options.maxDelayMs ?? DIRECTORY_SOURCE_DEFAULTS.maxDelayMs,
      pollIntervalMs: options.pollIntervalMs ?? DIRECTORY_SOURCE_DEFAULTS.pollIntervalMs,
      poll: options.poll ?? false,
    };
    this.clock = options.clock ?? systemClock;
    this.assembler = new SnapshotAssembler(options.validate ?? validateObject);
  }

  /** The last snapshot read (undefined before the first load). */
  get snapshot(): ConfigSnapshot | undefined {
    return this.current;
  }

  /** Called with each new snapshot (not with the one start() returns); returns an unsubscribe function. */
  onSnapshot(cb: SnapshotListener): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Called when the folder itself cannot be read during watching; the last snapshot stays in force. */
  onError(cb: SourceErrorListener): () => void {
    this.errorListeners.add(cb);
    return () => this.errorListeners.delete(cb);
  }

  /** Reads the folder once. Rejects when the folder cannot be read (a bad file is only rejected alone). */
  async load(): Promise<ConfigSnapshot> {
    const files = await this.listFiles();
    const parsed = new Map<string, ParsedFile | Error>();
    const cache = new Map<string, { text: string; parsed: ParsedFile }>();
    await Promise.all(
      files.map(async (f) => {
        try {
          const text = await fsp.readFile(f, 'utf8');
          const hit = this.fileCache.get(f);
          const entry = hit && hit.text === text ? hit : { text, parsed: parseDocuments(text, f) };
          cache.set(f, entry);
          parsed.set(f, entry.parsed);
        } catch (e) {
          parsed.set(f, e as Error);
        }
      }),
    );
    this.fileCache = cache;
    const snap = this.assembler.build(parsed);
    this.current = snap;
    this.fingerprint = fingerprintOf(snap);
    return snap;
  }

  /** Loads the folder and starts watching it. */
  async start(): Promise<ConfigSnapshot> {
    const snap = await this.load();
    this.running = true;
    if (this.opts.poll) this.startPolling();
    else await this.syncWatchers();
    return snap;
  }

  /** Stops watching; no snapshot is emitted afterwards. */
  stop(): void {
    this.running = false;
    this.debounce?.cancel();
    this.debounce = undefined;
    this.pollTimer?.cancel();
    this.pollTimer = undefined;
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  /** Files considered, absolute paths, sorted. */
  private async listFiles(): Promise<string[]> {
    const out: string[] = [];
    for (const e of await fsp.readdir(this.dir)) {
      if (e.startsWith('.')) continue;
      const p = path.join(this.dir, e);
      const st = await statOrUndefined(p);
      if (!st) continue;
      if (st.isFile() && EXTENSIONS.has(path.extname(e).toLowerCase())) out.push(p);
      else if (st.isDirectory()) {
        let inner: string[];
        try {
          inner = await fsp.readdir(p);
        } catch {
          continue;
        }
        for (const f of inner) {
          if (f.startsWith('.') || !EXTENSIONS.has(path.extname(f).toLowerCase())) continue;
          const q = path.join(p, f);
          if ((await statOrUndefined(q))?.isFile()) out.push(q);
        }
      }
    }
    return out.sort();
  }

  private async subdirs(): Promise<string[]> {
    const out = [this.dir];
    try {
      for (const e of await fsp.readdir(this.dir)) {
        if (e.startsWith('.')) continue;
        const p = path.join(this.dir, e);
        if ((await statOrUndefined(p))?.isDirectory()) out.push(p);
      }
    } catch {
      // The folder went away; the reload reports it.
    }
    return out;
  }

  /** Watches the folder and its direct subfolders; falls back to polling if watching fails. */
  private async syncWatchers(): Promise<void> {
    if (!this.running || this.polling) return;
    const dirs = new Set(await this.subdirs());
    for (const [d, w] of this.watchers) {
      if (!dirs.has(d)) {
        w.close();
        this.watchers.delete(d);
      }
    }
    for (const d of dirs) {
      if (this.watchers.has(d)) continue;
      try {
        const w = fsWatch(d, { persistent: false }, () => this.changed());
        w.on('error', () => this.fallBackToPolling());
        this.watchers.set(d, w);
      } catch {
        this.fallBackToPolling();
        return;
      }
    }
  }

  private fallBackToPolling(): void {
    if (!this.running || this.polling) return;
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
    this.startPolling();
  }

  private startPolling(): void {
    this.polling = true;
    void this.signature().then((s) => {
      this.pollSignature = s;
      this.schedulePoll();
    });
  }

  private schedulePoll(): void {
    if (!this.running) return;
    this.pollTimer = this.clock.setTimer(this.opts.pollIntervalMs, () => {
      void this.signature().then((s) => {
        if (s !== this.pollSignature) {
          this.pollSignature = s;
          this.changed();
        }
        this.schedulePoll();
      });
    });
  }

  /** Names, sizes and modification times of the files: changes when any file does. */
  private async signature(): Promise<string> {
    try {
      const files = await this.listFiles();
      const parts = await Promise.all(files.map(async (f) => {
        const st = await statOrUndefined(f);
        return `${f}:${st?.size}:${st?.mtimeMs}`;
      }));
      return parts.join('\n');
    } catch (e) {
      return `error:${(e as Error).message}`;
    }
  }

  /** A change was seen: reload once changes have been quiet for debounceMs (at most maxDelayMs after the first). */
  private changed(): void {
    if (!this.running) return;
    const now = this.clock.now();
    if (!this.debounce) this.firstEventAt = now;
    this.debounce?.cancel();
    const wait = Math.max(0, Math.min(this.opts.debounceMs, this.firstEventAt + this.opts.maxDelayMs - now));
    this.debounce = this.clock.setTimer(wait, () => {
      this.debounce = undefined;
      void this.reload();
    });
  }

  private async reload(): Promise<void> {
    if (this.reloading) {
      this.dirty = true;
      return this.reloading;
    }
    this.reloading = (async () => {
      do {
        this.dirty = false;
        const before = this.fingerprint;
        let snap: ConfigSnapshot;
        try {
          snap = await this.load();
        } catch (e) {
          for (const cb of [...this.errorListeners]) cb(e as Error);
          continue;
        }
        if (!this.running) return;
        if (!this.polling) await this.syncWatchers();
        if (this.fingerprint !== before) {
          for (const cb of [...this.listeners]) {
            try {
              cb(snap);
            } catch {
              // A listener's failure must not stop others or the watch.
            }
          }
        }
      } while (this.dirty && this.running);
    })();
    try {
      await this.reloading;
    } finally {
      this.reloading = undefined;
    }
  }
}

/** Content identity of a snapshot: an object's generation changes whenever its content does. */
function fingerprintOf(s: ConfigSnapshot): string {
  return JSON.stringify([s.accepted.map((a) => `${a.key}|${a.file}|${a.obj.metadata.generation}`), s.rejected, s.messages]);
}

async function statOrUndefined(p: string) {
  try {
    return await fsp.stat(p);
  } catch {
    return undefined;
  }
}
