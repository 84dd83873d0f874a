// Starts an XdsServer on a loopback port with a cache and a test client, and
// lets tests wait for the server to have processed requests (instead of
// sleeping).
import { SnapshotCache, type SnapshotCacheOptions } from '../cache/snapshot-cache.js';
import type { XdsServerCallbacks } from './stream-host.js';
import { XdsServer, type XdsServerOptions } from './xds-server.js';
import { XdsTestClient } from './xds-test-client.js';

export interface Harness {
  cache: SnapshotCache;
  server: XdsServer;
  client: XdsTestClient;
  port: number;
  /** Resolves once the server has processed `n` more requests (counted from this call). */
  processed(n?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(
  options: { cache?: SnapshotCacheOptions; server?: Partial<XdsServerOptions>; callbacks?: XdsServerCallbacks } = {},
): Promise<Harness> {
  const cache = new SnapshotCache(options.cache);
  let count = 0;
  const waiters: { at: number; resolve: () => void }[] = [];
  const callbacks: XdsServerCallbacks = {
    ...options.callbacks,
    onRequest(id, url) {
      options.callbacks?.onRequest?.(id, url);
      count++;
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (count >= waiters[i].at) waiters.splice(i, 1)[0].resolve();
      }
    },
  };
  const server = new XdsServer({ cache, callbacks, ...options.server });
  const port = await server.listen();
  const client = new XdsTestClient(`127.0.0.1:${port}`);
  return {
    cache, server, client, port,
    processed: (n = 1) => new Promise((resolve) => waiters.push({ at: count + n, resolve })),
    async close() {
      client.close();
      await server.close();
    },
  };
}
