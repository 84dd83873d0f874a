// Istio config from a folder: every *.yaml, *.yml and *.json file at the top
// level and one level of subfolders (names starting with "." are skipped, so
// Kubernetes ConfigMap mounts with their "..data" links read once). Each
// document is validated alone: a bad one is rejected with its messages and the
// rest is served. The folder is watched (fs.watch, or polling where watching
// is not available) and a new snapshot is emitted after changes settle for
// `debounceMs`. Snapshots whose content did not change are not emitted.
//
// Hostile or mistaken input must not stop the control plane: a file larger
// than `maxFileBytes` is refused unread (WEFT_INGEST_TOO_LARGE); files are
// parsed in a worker thread with a bounded heap (file-parser.ts), so xDS keeps
// serving while a large file parses; a file that does not parse keeps its
// objects' last accepted versions (WEFT_INGEST_KEPT_LAST_GOOD). A folder that
// is deleted keeps its last snapshot in force and is watched again when it
// is re-created (its parent is watched for that).
import { promises as fsp, watch as fsWatch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { systemClock, type Clock, type TimerHandle } from '../../common/clock.js';
import { validateObject } from '../validation/index.js';
import { INGEST_CODES, SnapshotAssembler, type ConfigSnapshot, type Validate } from './config-snapshot.js';
import { inlineParser, WorkerFileParser, type FileParser } from './file-parser.js';
import { fileError, type ParsedFile } from './read-documents.js';

export const DIRECTORY_SOURCE_DEFAULTS = {
  /** Editors write a file in several steps and `kubectl cp`/git checkouts touch many files: wait for quiet. */
  debounceMs: 100,
  /** Upper bound on the wait while changes keep coming, so a busy folder still updates. */
  maxDelayMs: 1000,
  /** Polling interval where fs.watch is unavailable (network filesystems, some containers). */
  pollIntervalMs: 1000,
  /**
   * Largest config file read (8 MiB). Istio objects are small (Kubernetes
   * caps one object at ~1.5 MiB in etcd); a bigger file is a mistake or an
   * attack, and parsing ~50 MB of YAML takes a minute and gigabytes of heap.
   */
  maxFileBytes: 8 * 1024 * 1024,
} as const;

const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

export interface DirectorySourceOptions {
  debounceMs?: number;
  maxDelayMs?: number;
  pollIntervalMs?: number;
  /** Poll instead of fs.watch (tests, filesystems without change events). */
  poll?: boolean;
  /** Files larger than this are refused unread (default DIRECTORY_SOURCE_DEFAULTS.maxFileBytes). */
  maxFileBytes?: number;
  /** Parse in a worker thread (default true); false parses inline (tools, tests of the rest). */
  parseInWorker?: boolean;
  clock?: Clock;
  /** The validator (default validateObject); injectable for tests. */
  validate?: Validate;
}

export type SnapshotListener = (snapshot: ConfigSnapshot) => void;
export type SourceErrorListener = (error: Error) => void;

export class DirectoryConfigSource {
  readonly dir: string;
  private readonly opts: Required<Omit<DirectorySourceOptions, 'validate' | 'clock' | 'parseInWorker'>>;
  private readonly parser: FileParser;
  /** Watches the folder's parent for the folder's name, to see it deleted and re-created. */
  private parentWatcher: FSWatcher | undefined;
  /** Inode of the folder being watched: a re-created folder has a new one. */
  private watchedIno: number | undefined;
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
      maxFileBytes: options.maxFileBytes ?? DIRECTORY_SOURCE_DEFAULTS.maxFileBytes,
    };
    this.parser = options.parseInWorker === false ? inlineParser : new WorkerFileParser();
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
    // Read in parallel; parse one at a time in the worker (in path order).
    const texts = await Promise.all(files.map((f) => this.readCapped(f)));
    for (let i = 0; i < files.length; i++) {
      const f = files[i]!;
      const t = texts[i]!;
      if (t instanceof Error || typeof t !== 'string') {
        parsed.set(f, t);
        continue;
      }
      const hit = this.fileCache.get(f);
      const entry = hit && hit.text === t ? hit : { text: t, parsed: await this.parser.parse(t, f) };
      cache.set(f, entry);
      parsed.set(f, entry.parsed);
    }
    this.fileCache = cache;
    const snap = this.assembler.build(parsed);
    this.current = snap;
    this.fingerprint = fingerprintOf(snap);
    return snap;
  }

  /** A file's text; a ParsedFile refusing it when it is over the size limit; an Error when it cannot be read. */
  private async readCapped(f: string): Promise<string | ParsedFile | Error> {
    try {
      const st = await fsp.stat(f);
      if (st.size > this.opts.maxFileBytes) {
        return fileError(INGEST_CODES.tooLarge, `file is ${st.size} bytes, over the limit of ${this.opts.maxFileBytes} bytes (--max-config-file-bytes); it is not read: split it, or raise the limit`, f);
      }
      const text = await fsp.readFile(f, 'utf8');
      // The file may have grown between stat and read.
      if (Buffer.byteLength(text) > this.opts.maxFileBytes) {
        return fileError(INGEST_CODES.tooLarge, `file is over the limit of ${this.opts.maxFileBytes} bytes (--max-config-file-bytes); it is not read`, f);
      }
      return text;
    } catch (e) {
      return e as Error;
    }
  }

  /** Loads the folder and starts watching it. */
  async start(): Promise<ConfigSnapshot> {
    // The poll baseline is taken before reading, so a change made while the
    // first load runs is seen by the first poll instead of lost.
    const signature = this.opts.poll ? await this.signature() : '';
    const snap = await this.load();
    this.running = true;
    if (this.opts.poll) this.startPolling(signature);
    else {
      this.watchParent();
      await this.syncWatchers();
    }
    return snap;
  }

  /** Stops watching; no snapshot is emitted afterwards. */
  stop(): void {
    this.running = false;
    void this.parser.close();
    this.parentWatcher?.close();
    this.parentWatcher = undefined;
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

  /**
   * Watches the folder's parent for events on the folder's own name: a folder
   * deleted (its watchers die with it) and re-created is noticed, reloaded and
   * watched again.
   */
  private watchParent(): void {
    if (this.parentWatcher) return;
    const name = path.basename(this.dir);
    try {
      this.parentWatcher = fsWatch(path.dirname(this.dir), { persistent: false }, (_event, file) => {
        if (file === null || file === name) this.changed();
      });
      this.parentWatcher.on('error', () => {
        this.parentWatcher?.close();
        this.parentWatcher = undefined;
      });
    } catch {
      // No parent watch (e.g. the parent is not readable): the folder itself is still watched.
    }
  }

  /** Watches the folder and its direct subfolders; falls back to polling if watching fails. */
  private async syncWatchers(): Promise<void> {
    if (!this.running || this.polling) return;
    // A re-created folder is a new inode: the old watchers see nothing of it.
    const ino = (await statOrUndefined(this.dir))?.ino;
    if (ino !== this.watchedIno) {
      for (const w of this.watchers.values()) w.close();
      this.watchers.clear();
      this.watchedIno = ino;
    }
    if (ino === undefined) return;
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
        w.on('error', () => {
          // A watched folder that goes away ends its watcher; a folder that cannot be watched means polling.
          w.close();
          if (this.watchers.get(d) === w) this.watchers.delete(d);
          if (d === this.dir) this.changed();
        });
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

  private startPolling(baseline?: string): void {
    this.polling = true;
    if (baseline !== undefined) {
      this.pollSignature = baseline;
      this.schedulePoll();
      return;
    }
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
          if (!this.polling) await this.syncWatchers();
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
