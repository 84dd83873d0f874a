// A worker process of `weft proxy --concurrency N`: a whole proxy (listeners,
// clusters, filters, its own event loop) whose listening sockets are shared
// through node:cluster, whose ADS stream is relayed by the primary, and whose
// admin listens privately on 127.0.0.1 for the primary to query.
import { systemClock } from '../../common/clock.js';
import type { BootstrapConfig } from '../config/bootstrap.js';
import { ProxyServer, type ProxyOptions } from '../server.js';
import { AdsRelayWorker } from './ads-relay.js';
import type { PrimaryMessage, WorkerMessage } from './protocol.js';
import { snapshotStats } from './stats-snapshot.js';

export interface WorkerOptions extends ProxyOptions {
  concurrency: number;
}

/** Runs this process as a worker until the primary says shutdown (or the IPC channel closes). */
export async function runWorker(bootstrap: BootstrapConfig, opts: WorkerOptions): Promise<number> {
  const post = (m: WorkerMessage) => {
    if (process.connected) process.send!(m);
  };
  const relay = new AdsRelayWorker(post, opts.clock ?? systemClock);
  // The admin answers the primary only: loopback, a port of its own (not shared through the cluster).
  const b: BootstrapConfig = bootstrap.admin ? { ...bootstrap, admin: { ...bootstrap.admin, address: { ...bootstrap.admin.address, host: '127.0.0.1', port: 0 } } } : bootstrap;
  const proxy = new ProxyServer(b, { ...opts, adsTransport: relay.factory, adminExclusive: true });
  const log = proxy.logs.logger('main');
  process.on('message', (m: PrimaryMessage) => {
    switch (m.t) {
      case 'ads-opened':
      case 'ads-msg':
      case 'ads-closed':
        relay.onMessage(m);
        return;
      case 'stats':
        post({ t: 'reply', id: m.id, stats: snapshotStats(proxy.ctx.stats) });
        return;
      case 'shutdown':
        void proxy.shutdown().then(() => process.exit(0));
        return;
    }
  });
  try {
    await proxy.start();
  } catch (err) {
    post({ t: 'failed', message: (err as Error).message });
    await proxy.shutdown();
    return 1;
  }
  post({ t: 'ready', adminPort: proxy.adminPort, listeners: proxy.listenerStatuses() });
  // A signal sent to the worker alone drains it like a single proxy; the primary restarts it.
  const stop = () => void proxy.shutdown().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.on('SIGUSR1', () => proxy.ctx.accessLogs.reopen());
  process.on('uncaughtException', (err) => log.error(`uncaught exception: ${err.stack ?? err.message}`));
  process.on('unhandledRejection', (err) => log.error(`unhandled rejection: ${String((err as Error)?.stack ?? err)}`));
  return new Promise<number>(() => undefined);
}
