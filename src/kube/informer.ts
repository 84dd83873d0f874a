// An informer: the local copy of one kind's objects, kept current with
// Kubernetes' list+watch protocol as client-go's reflector does:
// - list in pages (limit/continue) and remember the list's resourceVersion;
//   a continue token that expired mid-list (410) restarts the list;
// - watch from that resourceVersion with bookmarks allowed; every event and
//   bookmark moves the resourceVersion on, so a watch the server ends (its
//   timeout, a restart, a dropped connection) resumes where it was;
// - 410 Gone/Expired on the watch (an ERROR event or the status) means the
//   history is gone: list again and turn the difference into events;
// - an API server that cannot be reached (at start or later) is retried with
//   backoff on the injected clock; meanwhile the last known objects keep
//   serving and `state` says 'waiting' (never synced) or 'stale';
// - an optional resync re-delivers every object as an update, so handlers
//   that missed or dropped something converge.
import { systemClock, type Clock, type TimerHandle } from '../common/clock.js';
import type { Logger } from '../common/log.js';
import { KubeApiError, type KubeClient, type KubeObject, type KubeResource, type WatchHandle } from './kube-client.js';

export const INFORMER_DEFAULTS = {
  /** Objects per list page (client-go's reflector pages by 500). */
  pageSize: 500,
  /** The server ends each watch after this long and the informer re-watches (client-go picks 5–10 min). */
  watchTimeoutSeconds: 300,
  /** First retry delay after an error, doubled up to maxBackoffMs (client-go: 800 ms → 30 s). */
  initialBackoffMs: 800,
  maxBackoffMs: 30_000,
} as const;

export type InformerState = 'waiting' | 'listing' | 'watching' | 'stale' | 'stopped';

export type InformerEvent =
  | { readonly type: 'add' | 'update' | 'delete'; readonly obj: KubeObject; readonly old?: KubeObject }
  /** The store now reflects a complete list (first sync or relist). */
  | { readonly type: 'synced' }
  | { readonly type: 'resync' };

export interface InformerOptions {
  readonly clock?: Clock;
  readonly log?: Logger;
  readonly pageSize?: number;
  readonly watchTimeoutSeconds?: number;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Re-deliver every object as 'update' this often; 0 or absent: never. */
  readonly resyncMs?: number;
  /** Watch one namespace only; absent: all namespaces. */
  readonly namespace?: string;
  readonly labelSelector?: string;
  /**
   * The kind may not be served (a CRD that is not installed): a 404 on the
   * list counts as an empty, synced kind (said once), and the informer keeps
   * checking with backoff until the kind appears.
   */
  readonly optional?: boolean;
  /**
   * Older versions of the kind to try, in order, when the API server does not
   * serve the resource's own version (404): e.g. v1beta1 and v1alpha3 for an
   * Istio older than 1.22. The informer stays on the first version served.
   */
  readonly fallbackVersions?: readonly string[];
}

/** Counters for tests and /debug: what the informer did. */
export interface InformerStats {
  lists: number;
  pages: number;
  watches: number;
  /** 410s: expired watch or continue token, each followed by a new list. */
  expired: number;
  bookmarks: number;
  errors: number;
  resyncs: number;
}

export class Informer {
  private readonly store = new Map<string, KubeObject>();
  private readonly listeners = new Set<(ev: InformerEvent) => void>();
  private readonly clock: Clock;
  private readonly opts: InformerOptions;
  private rv = '';
  private running = false;
  private watch: WatchHandle | undefined;
  private timer: TimerHandle | undefined;
  private resyncTimer: TimerHandle | undefined;
  private backoffMs: number;
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private wake: (() => void) | undefined;
  /** The last error, for status; cleared when the informer watches again. */
  lastError: string | undefined;
  state: InformerState = 'waiting';
  readonly stats: InformerStats = { lists: 0, pages: 0, watches: 0, expired: 0, bookmarks: 0, errors: 0, resyncs: 0 };

  private res: KubeResource;
  private readonly versions: readonly string[];

  constructor(
    private readonly client: KubeClient,
    resource: KubeResource,
    options: InformerOptions = {},
  ) {
    this.res = resource;
    this.versions = [resource.version, ...(options.fallbackVersions ?? [])];
    this.clock = options.clock ?? systemClock;
    this.opts = options;
    this.backoffMs = options.initialBackoffMs ?? INFORMER_DEFAULTS.initialBackoffMs;
  }

  /** The kind, at the version being read. */
  get resource(): KubeResource {
    return this.res;
  }

  /** True once a complete list has been read (stays true while stale). */
  get hasSynced(): boolean {
    return this.synced;
  }

  /** The resourceVersion the informer is at. */
  get resourceVersion(): string {
    return this.rv;
  }

  /** Every object, in no particular order. */
  list(): KubeObject[] {
    return [...this.store.values()];
  }

  get(namespace: string | undefined, name: string): KubeObject | undefined {
    return this.store.get(keyOf(namespace, name));
  }

  /** Listeners get every event in order; returns an unsubscribe function. */
  onEvent(cb: (ev: InformerEvent) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Resolves once the first complete list is in the store. */
  whenSynced(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.scheduleResync();
    void this.loop();
  }

  stop(): void {
    this.running = false;
    this.state = 'stopped';
    this.timer?.cancel();
    this.resyncTimer?.cancel();
    this.watch?.abort();
    this.watch = undefined;
    this.wake?.();
  }

  private async loop(): Promise<void> {
    while (this.running) {
      try {
        if (!this.rv) await this.relist();
        if (!this.running) break;
        const outcome = await this.watchOnce();
        if (outcome === 'expired') {
          this.stats.expired++;
          this.opts.log?.info(`${this.what()}: resourceVersion ${this.rv} expired (410); listing again`);
          this.rv = '';
        }
      } catch (e) {
        if (!this.running) break;
        const err = e instanceof KubeApiError ? e : new KubeApiError(0, 'ERROR', (e as Error).message);
        if (err.code === 410) {
          // An expired continue token (or list version): start the list over.
          this.stats.expired++;
          this.rv = '';
          continue;
        }
        if (err.code === 404 && this.versions.length > 1) {
          // Not served at this version: try the next one, then start over after a pause.
          const next = this.versions[this.versions.indexOf(this.res.version) + 1];
          if (next !== undefined) {
            this.opts.log?.debug(`${this.what()}: ${this.res.group}/${this.res.version} is not served; trying ${next}`);
            this.res = { ...this.res, version: next };
            continue;
          }
          this.res = { ...this.res, version: this.versions[0]! };
        }
        if (err.code === 404 && this.opts.optional) {
          this.missingKind(err);
          await this.sleep(this.opts.maxBackoffMs ?? INFORMER_DEFAULTS.maxBackoffMs);
          continue;
        }
        this.stats.errors++;
        const first = this.lastError === undefined;
        this.lastError = err.message;
        this.state = this.synced ? 'stale' : 'waiting';
        const delay = this.backoffMs;
        this.backoffMs = Math.min(this.backoffMs * 2, this.opts.maxBackoffMs ?? INFORMER_DEFAULTS.maxBackoffMs);
        const msg = this.synced
          ? `${this.what()}: lost the Kubernetes API server at ${this.client.server} (${err.message}); serving the last known ${this.store.size} objects, retrying in ${delay} ms`
          : `${this.what()}: waiting for the Kubernetes API server at ${this.client.server} (${err.message}); retrying in ${delay} ms`;
        if (first) this.opts.log?.warn(msg);
        else this.opts.log?.debug(msg);
        await this.sleep(delay);
      }
    }
  }

  /** Lists every page at one resourceVersion and replaces the store, emitting the differences. */
  private async relist(): Promise<void> {
    this.state = this.synced ? this.state : 'listing';
    this.stats.lists++;
    const items: KubeObject[] = [];
    let cont: string | undefined;
    let rv = '';
    do {
      const page = await this.client.list(this.resource, this.opts.namespace, {
        limit: this.opts.pageSize ?? INFORMER_DEFAULTS.pageSize,
        ...(cont ? { continueToken: cont } : {}),
        ...(this.opts.labelSelector ? { labelSelector: this.opts.labelSelector } : {}),
      });
      this.stats.pages++;
      items.push(...page.items);
      if (!cont) rv = page.resourceVersion;
      cont = page.continueToken;
    } while (cont && this.running);
    if (!this.running) return;
    const seen = new Set<string>();
    for (const obj of items) {
      if (typeof obj?.metadata?.name !== 'string') continue; // not an object the API server sends; nothing to key it by
      const k = keyOf(obj.metadata.namespace, obj.metadata.name);
      seen.add(k);
      const old = this.store.get(k);
      this.store.set(k, obj);
      if (!old) this.emit({ type: 'add', obj });
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.emit({ type: 'update', obj, old });
    }
    for (const [k, old] of [...this.store]) {
      if (seen.has(k)) continue;
      this.store.delete(k);
      this.emit({ type: 'delete', obj: old });
    }
    this.rv = rv;
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
    this.emit({ type: 'synced' });
  }

  /** One watch stream; resolves 'closed' when it ends normally, 'expired' on 410; rejects on errors. */
  private watchOnce(): Promise<'closed' | 'expired'> {
    return new Promise((resolve, reject) => {
      let expired = false;
      let gotEvent = false;
      let ended = false;
      const onDone = (err?: Error): void => {
        ended = true;
        this.watch = undefined;
        this.wake = undefined;
        if (expired) resolve('expired');
        else if (err instanceof KubeApiError && err.code === 410) resolve('expired');
        else if (err) reject(err);
        else if (!gotEvent && this.running) reject(new KubeApiError(0, 'WatchClosed', 'the watch ended before any event'));
        else resolve('closed');
      };
      this.wake = () => onDone();
      this.client
        .watch(
          this.resource,
          this.opts.namespace,
          {
            resourceVersion: this.rv,
            allowWatchBookmarks: true,
            timeoutSeconds: this.opts.watchTimeoutSeconds ?? INFORMER_DEFAULTS.watchTimeoutSeconds,
            ...(this.opts.labelSelector ? { labelSelector: this.opts.labelSelector } : {}),
          },
          (type, obj) => {
            if (type === 'ERROR') {
              const code = (obj as unknown as { code?: number }).code;
              if (code === 410) expired = true;
              else this.opts.log?.warn(`${this.what()}: watch error ${code ?? ''} ${(obj as unknown as { message?: string }).message ?? ''}`);
              return;
            }
            if (!gotEvent) {
              gotEvent = true;
              this.connected();
            }
            this.onWatchEvent(type, obj);
          },
          onDone,
        )
        .then((h) => {
          // The client hands back a handle even when the request failed (onDone already ran with the error).
          if (ended) return;
          this.stats.watches++;
          this.watch = h;
          if (!this.running) h.abort();
          // Connected, quiet: count as healthy once the request is accepted.
          else if (!gotEvent) {
            gotEvent = true;
            this.connected();
          }
        }, reject);
    });
  }

  /** An optional kind the server does not serve: empty and synced until it appears. */
  private missingKind(err: KubeApiError): void {
    const first = this.lastError !== err.message;
    this.lastError = err.message;
    if (first) this.opts.log?.warn(`${this.what()}: the API server does not serve ${this.resource.group}/${this.resource.version} ${this.resource.plural} (is its CRD installed?); treated as empty, checking again`);
    for (const [k, old] of [...this.store]) {
      this.store.delete(k);
      this.emit({ type: 'delete', obj: old });
    }
    this.state = 'waiting';
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
      this.emit({ type: 'synced' });
    }
  }

  private connected(): void {
    if (this.lastError !== undefined) this.opts.log?.info(`${this.what()}: the Kubernetes API server at ${this.client.server} answers again`);
    this.lastError = undefined;
    this.state = 'watching';
    this.backoffMs = this.opts.initialBackoffMs ?? INFORMER_DEFAULTS.initialBackoffMs;
  }

  private onWatchEvent(type: string, obj: KubeObject): void {
    const rv = obj.metadata?.resourceVersion;
    if (type === 'BOOKMARK') {
      this.stats.bookmarks++;
      if (rv) this.rv = rv;
      return;
    }
    if (!obj.metadata?.name) return;
    const k = keyOf(obj.metadata.namespace, obj.metadata.name);
    const old = this.store.get(k);
    if (type === 'DELETED') {
      this.store.delete(k);
      if (old) this.emit({ type: 'delete', obj });
    } else {
      this.store.set(k, obj);
      this.emit(old ? { type: 'update', obj, old } : { type: 'add', obj });
    }
    if (rv) this.rv = rv;
  }

  private scheduleResync(): void {
    const every = this.opts.resyncMs ?? 0;
    if (every <= 0) return;
    this.resyncTimer = this.clock.setTimer(every, () => {
      if (!this.running) return;
      if (this.synced) {
        this.stats.resyncs++;
        for (const obj of this.store.values()) this.emit({ type: 'update', obj, old: obj });
        this.emit({ type: 'resync' });
      }
      this.scheduleResync();
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = this.clock.setTimer(ms, () => {
        this.wake = undefined;
        resolve();
      });
    });
  }

  private emit(ev: InformerEvent): void {
    for (const cb of [...this.listeners]) {
      try {
        cb(ev);
      } catch (e) {
        this.opts.log?.error(`${this.what()}: an event handler failed: ${(e as Error).message}`);
      }
    }
  }

  private what(): string {
    return `informer ${this.resource.plural}${this.resource.group ? `.${this.resource.group}` : ''}`;
  }
}

function keyOf(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}
