// Test helpers for DirectoryConfigSource tests: a temp folder removed after
// the test, and waiting for the snapshot a change causes (no fixed sleeps).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ConfigSnapshot } from './config-snapshot.js';
import type { DirectoryConfigSource } from './directory-source.js';

export async function tempDir(t: { after(fn: () => Promise<void>): void }, prefix = 'weft-ingest-'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** The next snapshot satisfying `pred`, or a failure after `ms`. */
export function nextSnapshot(src: DirectoryConfigSource, pred: (s: ConfigSnapshot) => boolean, ms = 10_000): Promise<ConfigSnapshot> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching snapshot within ${ms} ms`));
    }, ms);
    const off = src.onSnapshot((s) => {
      if (!pred(s)) return;
      clearTimeout(timer);
      off();
      resolve(s);
    });
  });
}
