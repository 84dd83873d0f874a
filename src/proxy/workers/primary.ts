// The primary process of `weft proxy --concurrency N`: forks N workers with
// node:cluster (each a whole proxy; the listening sockets are shared, the
// primary accepts and hands connections out round-robin), owns the one ADS
// stream (ads-relay.ts) and the admin listener (primary-admin.ts), restarts
// a worker that dies, and drains them all on shutdown.
import cluster, { type Worker } from 'node:cluster';
import { systemClock, type Clock } from '../../common/clock.js';
import type { LogRegistry, Logger } from '../../common/log.js';
import type { BootstrapConfig } from '../config/bootstrap.js';
import type { ListenerStatus } from '../runtime.js';
import { AdsRelayPrimary } from './ads-relay.js';
import { PrimaryAdmin, type AdminPrimary } from './primary-admin.js';
import { WORKER_SLOT_ENV, type PrimaryMessage, type WorkerMessage, type WorkerView } from './protocol.js';
import type { StatsSnapshot } from './stats-snapshot.js';

export interface PrimaryOptions {
  concurrency: number;
  drainTimeMs: number;
  logs: LogRegistry;
  configPath?: string;
  clock?: Clock;
}

interface Slot {
  readonly slot: number;
  worker: Worker | undefined;
  pid: number | undefined;
  ready: boolean;
  adminPort: number | undefined;
  listeners: ListenerStatus[];
  /** Restarts of this slot after its worker died. */
  restarts: number;
  startedAt: number;
  /** Back-off before the next restart (grows while the worker dies young). */
  backoffMs: number;
}

export class ProxyPrimary implements AdminPrimary {
  private readonly slots: Slot[] = [];
  private readonly relay: AdsRelayPrimary;
  private admin: PrimaryAdmin | undefined;
  adminPort: number | undefined;
  private readonly log: Logger;
  private readonly clock: Clock;
  private shuttingDown: Promise<void> | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, (s: StatsSnapshot | undefined) => void>();
  /** Workers restarted after dying (all slots). */
  restartsTotal = 0;
  private startedAt = Date.now();
  private firstReady: { resolve: () => void; reject: (e: Error) => void } | undefined;

  constructor(readonly bootstrap: BootstrapConfig, readonly opts: PrimaryOptions) {
    this.log = opts.logs.logger('main');
    this.clock = opts.clock ?? systemClock;
    this.relay = new AdsRelayPrimary(() => this.slots.filter((s) => s.worker).map((s) => s.slot), (slot, m) => this.post(slot, m), this.clock, Math.random, opts.logs.logger('xds'));
  }

  /** Forks the workers and binds the admin; resolves when every worker's proxy started (rejects if one could not). */
  async start(): Promise<void> {
    cluster.setupPrimary({ serialization: 'advanced' });
    cluster.on('message', (w, m: WorkerMessage) => this.onMessage(w, m));
    cluster.on('exit', (w, code, signal) => this.onExit(w, code, signal));
    const b = this.bootstrap;
    if (b.admin) {
      this.admin = new PrimaryAdmin(this);
      this.adminPort = await this.admin.listen(b.admin.address.host, b.admin.address.port);
    }
    const all = new Promise<void>((resolve, reject) => (this.firstReady = { resolve, reject }));
    for (let i = 0; i < this.opts.concurrency; i++) {
      const s: Slot = { slot: i, worker: undefined, pid: undefined, ready: false, adminPort: undefined, listeners: [], restarts: 0, startedAt: 0, backoffMs: 0 };
      this.slots.push(s);
      this.fork(s);
    }
    await all;
  }

  private fork(s: Slot): void {
    s.ready = false;
    s.adminPort = undefined;
    s.startedAt = Date.now();
    const w = cluster.fork({ [WORKER_SLOT_ENV]: String(s.slot) });
    s.worker = w;
    s.pid = w.process.pid;
  }

  private slotOf(w: Worker): Slot | undefined {
    return this.slots.find((s) => s.worker === w);
  }

  private post(slot: number, m: PrimaryMessage): void {
    const w = this.slots[slot]?.worker;
    if (w && w.isConnected()) w.send(m);
  }

  private onMessage(w: Worker, m: WorkerMessage): void {
    const s = this.slotOf(w);
    if (!s) return;
    switch (m.t) {
      case 'ready':
        s.ready = true;
        s.adminPort = m.adminPort;
        s.listeners = m.listeners;
        if (this.firstReady && this.slots.every((x) => x.ready)) {
          this.firstReady.resolve();
          this.firstReady = undefined;
        }
        return;
      case 'failed':
        if (this.firstReady) {
          this.firstReady.reject(new Error(`worker ${s.slot}: ${m.message}`));
          this.firstReady = undefined;
        } else this.log.error(`worker ${s.slot} failed to start: ${m.message}`);
        return;
      case 'reply': {
        const r = this.pending.get(m.id);
        this.pending.delete(m.id);
        r?.(m.stats);
        return;
      }
      default:
        this.relay.onMessage(s.slot, m);
    }
  }

  private onExit(w: Worker, code: number | null, signal: string | null): void {
    const s = this.slotOf(w);
    if (!s) return;
    s.worker = undefined;
    s.ready = false;
    s.pid = undefined;
    this.relay.workerGone(s.slot);
    if (this.firstReady) {
      // Died before its proxy started (a crash, a kill, an import error): start() fails instead of waiting forever.
      this.firstReady.reject(new Error(`worker ${s.slot} (pid ${w.process.pid}) exited (${signal ?? `code ${code}`}) before it was ready`));
      this.firstReady = undefined;
      return;
    }
    if (this.shuttingDown) return;
    // A worker that dies young waits longer each time (a crash loop must not spin the CPU).
    const young = Date.now() - s.startedAt < 5000;
    s.backoffMs = young ? Math.min(5000, s.backoffMs ? s.backoffMs * 2 : 100) : 0;
    s.restarts++;
    this.restartsTotal++;
    this.log.warn(`worker ${s.slot} (pid ${w.process.pid}) exited (${signal ?? `code ${code}`}); restarting${s.backoffMs ? ` in ${s.backoffMs} ms` : ''}`);
    const restart = () => {
      if (!this.shuttingDown) this.fork(s);
    };
    // A real (ref'd) timer: with every worker gone, it is what keeps the primary alive until the restart.
    if (s.backoffMs) setTimeout(restart, s.backoffMs);
    else restart();
  }

  workers(): WorkerView[] {
    return this.slots.map((s) => ({ slot: s.slot, pid: s.pid, ready: s.ready, adminPort: s.adminPort, restarts: s.restarts }));
  }

  /** Listeners as the first ready worker bound them (every worker binds the same shared sockets). */
  listenerStatuses(): ListenerStatus[] {
    return this.slots.find((s) => s.ready)?.listeners ?? [];
  }

  get xdsStreamsOpened(): number {
    return this.relay.streamsOpened;
  }

  get uptimeS(): number {
    return Math.floor((Date.now() - this.startedAt) / 1000);
  }

  /** Stats of every ready worker (a worker that does not answer within `timeoutMs` is left out). */
  async workerStats(timeoutMs = 2000): Promise<{ slot: number; stats: StatsSnapshot }[]> {
    const ready = this.slots.filter((s) => s.ready && s.worker);
    const out = await Promise.all(ready.map((s) => new Promise<{ slot: number; stats: StatsSnapshot } | undefined>((resolve) => {
      const id = this.nextId++;
      const t = this.clock.setTimer(timeoutMs, () => {
        this.pending.delete(id);
        resolve(undefined);
      });
      this.pending.set(id, (st) => {
        t.cancel();
        resolve(st ? { slot: s.slot, stats: st } : undefined);
      });
      this.post(s.slot, { t: 'stats', id });
    })));
    return out.filter((x): x is { slot: number; stats: StatsSnapshot } => x !== undefined);
  }

  /** Drains every worker (each drains its listeners for up to the drain time), then closes the admin. */
  shutdown(): Promise<void> {
    if (this.shuttingDown) return this.shuttingDown;
    this.shuttingDown = (async () => {
      this.relay.stop();
      const live = this.slots.filter((s) => s.worker);
      const exits = live.map((s) => new Promise<void>((resolve) => {
        const w = s.worker!;
        if (w.isDead()) return resolve();
        w.once('exit', () => resolve());
        // A worker that does not finish in the drain time plus a grace second is killed.
        this.clock.setTimer(this.opts.drainTimeMs + 1000, () => {
          if (!w.isDead()) w.process.kill('SIGKILL');
        });
      }));
      for (const s of live) this.post(s.slot, { t: 'shutdown' });
      await Promise.all(exits);
      this.admin?.close();
    })();
    return this.shuttingDown;
  }

  get shuttingDownNow(): boolean {
    return this.shuttingDown !== undefined;
  }
}
