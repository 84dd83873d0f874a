// The secrets folder, watched: reads it at start (credential-folder.ts), then
// re-reads it after changes settle, as DirectoryConfigSource does for config
// (same debounce defaults). A credential is a subfolder whose files change in
// place (or are swapped by a rename, as Kubernetes' atomic writer does), so
// the folder, each credential subfolder and the folder's parent (to see the
// folder itself appear or go) are watched; polling with the injected clock
// is the fallback where fs.watch is unavailable.
import { promises as fsp, watch as fsWatch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { systemClock, type Clock, type TimerHandle } from '../../common/clock.js';
import { EMPTY_CREDENTIALS, readCredentialFolder, type CredentialSnapshot } from './credential-folder.js';
import { DIRECTORY_SOURCE_DEFAULTS } from './directory-source.js';

export interface CredentialSourceOptions {
  clock?: Clock;
  debounceMs?: number;
  /** Poll instead of fs.watch (and the interval), for filesystems without change events. */
  poll?: boolean;
  pollIntervalMs?: number;
}

export class CredentialSource {
  readonly dir: string;
  private readonly clock: Clock;
  private readonly debounceMs: number;
  private readonly pollIntervalMs: number;
  private readonly poll: boolean;
  private current: CredentialSnapshot;
  private readonly listeners = new Set<(s: CredentialSnapshot) => void>();
  private readonly watchers = new Map<string, FSWatcher>();
  private debounce: TimerHandle | undefined;
  private pollTimer: TimerHandle | undefined;
  private pollSignature = '';
  private running = false;

  constructor(dir: string, options: CredentialSourceOptions = {}) {
    this.dir = path.resolve(dir);
    this.clock = options.clock ?? systemClock;
    this.debounceMs = options.debounceMs ?? DIRECTORY_SOURCE_DEFAULTS.debounceMs;
    this.pollIntervalMs = options.pollIntervalMs ?? DIRECTORY_SOURCE_DEFAULTS.pollIntervalMs;
    this.poll = options.poll ?? false;
    this.current = EMPTY_CREDENTIALS(this.dir);
  }

  /** The credentials in force (empty before start). */
  get snapshot(): CredentialSnapshot {
    return this.current;
  }

  /** Called after each re-read that changed the credentials or their issues; returns an unsubscribe function. */
  onChange(cb: (s: CredentialSnapshot) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Reads the folder and starts watching it. */
  async start(): Promise<CredentialSnapshot> {
    this.running = true;
    this.reload();
    if (this.poll) {
      this.pollSignature = await this.signature();
      this.schedulePoll();
    } else this.syncWatchers();
    return this.current;
  }

  stop(): void {
    this.running = false;
    this.debounce?.cancel();
    this.pollTimer?.cancel();
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  /**
   * Re-reads the folder now and tells the listeners when anything changed.
   * Called by the watchers after the debounce; public so a caller (and a
   * test) can force a read.
   */
  reload(): CredentialSnapshot {
    const before = this.current;
    const next = readCredentialFolder(this.dir, this.clock.wallNow(), before);
    const changed = next.credentials.size !== before.credentials.size
      || [...next.credentials].some(([n, c]) => before.credentials.get(n) !== c)
      || JSON.stringify(next.issues) !== JSON.stringify(before.issues);
    if (!changed) return before;
    this.current = next;
    for (const cb of [...this.listeners]) {
      try {
        cb(next);
      } catch {
        // One listener's failure must not stop the others or the watch.
      }
    }
    return next;
  }

  private changed(): void {
    if (!this.running) return;
    this.debounce?.cancel();
    this.debounce = this.clock.setTimer(this.debounceMs, () => {
      this.debounce = undefined;
      if (!this.running) return;
      this.reload();
      if (!this.poll) this.syncWatchers();
    });
  }

  /** Watches the parent (for the folder's own name), the folder and each credential subfolder. */
  private syncWatchers(): void {
    const wanted = new Set([path.dirname(this.dir), this.dir, ...[...this.current.credentials.keys(), ...this.current.issues.map((i) => i.name)].map((n) => path.join(this.dir, n))]);
    for (const [d, w] of this.watchers) {
      if (wanted.has(d)) continue;
      w.close();
      this.watchers.delete(d);
    }
    for (const d of wanted) {
      if (this.watchers.has(d)) continue;
      try {
        const w = fsWatch(d, { persistent: false }, (_e, file) => {
          if (d !== path.dirname(this.dir) || file === null || file === path.basename(this.dir)) this.changed();
        });
        w.on('error', () => {
          w.close();
          if (this.watchers.get(d) === w) this.watchers.delete(d);
          this.changed();
        });
        this.watchers.set(d, w);
      } catch {
        // Not there (yet): the parent's watcher sees it appear.
      }
    }
  }

  private schedulePoll(): void {
    if (!this.running) return;
    this.pollTimer = this.clock.setTimer(this.pollIntervalMs, () => {
      void this.signature().then((s) => {
        if (s !== this.pollSignature) {
          this.pollSignature = s;
          this.reload();
        }
        this.schedulePoll();
      });
    });
  }

  /** Names, sizes and modification times of every file under the folder. */
  private async signature(): Promise<string> {
    const parts: string[] = [];
    try {
      for (const e of (await fsp.readdir(this.dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        if (!e.isDirectory()) continue;
        const sub = path.join(this.dir, e.name);
        for (const f of (await fsp.readdir(sub)).sort()) {
          const st = await fsp.stat(path.join(sub, f)).catch(() => undefined);
          parts.push(`${e.name}/${f}:${st?.size}:${st?.mtimeMs}`);
        }
      }
    } catch {
      return 'absent';
    }
    return parts.join('\n');
  }
}
