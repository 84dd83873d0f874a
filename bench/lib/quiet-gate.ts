// Waits for the machine to be quiet before a measurement. The benchmark's
// machine is shared (other work in sibling containers shows up in /proc/stat
// but not in our process list), and a build running on the proxy's core
// halves a proxy's throughput; waiting for a quiet moment is cheaper than
// repeating runs until the median settles.
import { coreTimes } from './processes.js';

/** Length of one idleness sample. */
const SAMPLE_MS = 500;

export interface QuietResult {
  /** Busy % of all cores together (100 = one full core) in the last sample. */
  busyPercent: number;
  waitedMs: number;
  /** False when maxWaitMs passed without a quiet sample. */
  quiet: boolean;
}

/** Busy % summed over cores during one sample window. */
export async function sampleBusyPercent(): Promise<number> {
  const a = coreTimes();
  await new Promise((r) => setTimeout(r, SAMPLE_MS));
  const b = coreTimes();
  let busy = 0;
  let total = 0;
  for (let i = 0; i < b.length; i++) {
    busy += b[i].busy - (a[i]?.busy ?? 0);
    total += b[i].total - (a[i]?.total ?? 0);
  }
  return total > 0 ? Math.round((busy / (total / b.length)) * 1000) / 10 : 0;
}

/**
 * Resolves once a sample shows at most thresholdPercent busy (summed over
 * cores) while the benchmark itself is idle, or after maxWaitMs.
 */
export async function waitForQuiet(thresholdPercent: number, maxWaitMs: number): Promise<QuietResult> {
  const start = Date.now();
  for (;;) {
    const busyPercent = await sampleBusyPercent();
    const waitedMs = Date.now() - start;
    if (busyPercent <= thresholdPercent) return { busyPercent, waitedMs, quiet: true };
    if (waitedMs >= maxWaitMs) return { busyPercent, waitedMs, quiet: false };
  }
}
