// Helpers for this folder's tests: a seeded PRNG and host factories.
import { Session } from 'node:inspector/promises';
import type { LbHost } from './types.js';

export { seededRandom } from '../../common/seeded-random.js';

export function host(port: number, opts: Partial<LbHost> = {}): LbHost {
  return { address: opts.address ?? '10.0.0.1', port, weight: 1, priority: 0, healthy: true, activeRequests: 0, ...opts };
}

/** `n` hosts on ports base, base+1, …, with shared options. */
export function hosts(n: number, opts: Partial<LbHost> = {}, base = 8000): LbHost[] {
  return Array.from({ length: n }, (_, i) => host(base + i, opts));
}

/** Picks `n` times and counts picks per host (undefined counted under `null`). */
export function countPicks(pick: () => LbHost | undefined, n: number): Map<LbHost | null, number> {
  const counts = new Map<LbHost | null, number>();
  for (let i = 0; i < n; i++) {
    const h = pick() ?? null;
    counts.set(h, (counts.get(h) ?? 0) + 1);
  }
  return counts;
}

/**
 * Bytes allocated by `n` calls of `fn` after a warm-up, including objects a
 * minor GC already collected, from V8's sampling heap profiler (an estimate
 * scaled from samples every 256 bytes).
 */
export async function allocatedBytes(fn: () => unknown, n: number): Promise<number> {
  for (let i = 0; i < n; i++) fn(); // let the JIT settle first
  const session = new Session();
  session.connect();
  try {
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 256,
      includeObjectsCollectedByMinorGC: true,
      includeObjectsCollectedByMajorGC: true,
    });
    for (let i = 0; i < n; i++) fn();
    const { profile } = await session.post('HeapProfiler.stopSampling');
    // Leave out the inspector's own bookkeeping (frames from node: internals).
    let total = 0;
    const walk = (node: typeof profile.head): void => {
      if (node.callFrame.url.startsWith('node:')) return;
      total += node.selfSize;
      for (const c of node.children) walk(c);
    };
    walk(profile.head);
    return total;
  } finally {
    session.disconnect();
  }
}
