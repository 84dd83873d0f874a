// The primary of `--concurrency N` with real forked processes (node:cluster):
// a worker that dies before its proxy started makes start() fail instead of
// leaving the primary waiting forever with no listener and no error.
import assert from 'node:assert/strict';
import cluster from 'node:cluster';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigErrors } from '../../common/errors.js';
import { LogRegistry } from '../../common/log.js';
import { loadBootstrapText } from '../config/bootstrap.js';
import { ProxyPrimary } from './primary.js';

describe('ProxyPrimary start-up', { timeout: 20_000 }, () => {
  it('a worker that exits before it is ready rejects start() (no hang), naming the worker and its exit', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-primary-'));
    try {
      // The worker program: dies at once, as a worker crashing in its imports or start-up would.
      const exec = path.join(dir, 'crash.mjs');
      fs.writeFileSync(exec, 'process.exit(3);\n');
      cluster.setupPrimary({ exec, args: [], silent: true });
      const errs = new ConfigErrors();
      const cfg = loadBootstrapText('static_resources: {}\n', errs);
      assert.ok(cfg, 'the bootstrap decodes');
      const primary = new ProxyPrimary(cfg, { concurrency: 2, drainTimeMs: 100, logs: new LogRegistry('critical') });
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        primary.start().then(() => 'started', (e: Error) => e.message),
        new Promise<string>((res) => (timer = setTimeout(res, 15_000, 'still waiting after 15 s'))),
      ]);
      clearTimeout(timer);
      assert.match(outcome, /^worker [01] \(pid \d+\) exited \(code 3\) before it was ready$/);
      await primary.shutdown();
      assert.equal(primary.restartsTotal, 0, 'a worker that never started is not restarted');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
