import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { LogRegistry } from '../../common/log.js';
import { StatsStore } from '../../stats/stats-store.js';
import { createRuntimeEntry } from './runtime-snapshot.js';
import { NoAdminLayerError, Runtime } from './runtime.js';

const quiet = () => new LogRegistry('off').logger('runtime');

describe('Runtime: layers', () => {
  it('later layers win; the admin layer merges and removes; stats follow', () => {
    const stats = new StatsStore();
    const rt = new Runtime({ layers: [
      { kind: 'static', name: 'base', values: new Map([['a', createRuntimeEntry('1')], ['b', createRuntimeEntry('2')]]) },
      { kind: 'admin', name: 'admin' },
    ] }, stats, quiet());
    const before = rt.snapshot();
    rt.mergeAdminValues([['a', '10'], ['c', 'x']]);
    assert.equal(rt.snapshot().getInteger('a', 0), 10);
    assert.equal(rt.snapshot().get('c'), 'x');
    assert.equal(before.getInteger('a', 0), 1, 'an old snapshot never changes');
    assert.equal(stats.gauge('runtime.num_keys').value, 3);
    assert.equal(stats.gauge('runtime.admin_overrides_active').value, 1);
    rt.mergeAdminValues([['a', ''], ['c', '']]);
    assert.equal(rt.snapshot().getInteger('a', 0), 1);
    assert.equal(stats.gauge('runtime.admin_overrides_active').value, 0);
  });

  it('mergeAdminValues without an admin layer throws NoAdminLayerError', () => {
    const rt = new Runtime({ layers: [] }, new StatsStore(), quiet());
    assert.throws(() => rt.mergeAdminValues([['a', '1']]), NoAdminLayerError);
  });

  it('warns once per key weft does not read; known and config-named keys are quiet', () => {
    const lines: string[] = [];
    const log = new LogRegistry('warning', (l) => lines.push(l)).logger('runtime');
    const rt = new Runtime({ layers: [{ kind: 'admin', name: 'admin' }] }, new StatsStore(), log, new Set(['my.abort']));
    rt.mergeAdminValues([['fault.http.abort.abort_percent', '1'], ['fault.http.reviews.abort.http_status', '500'], ['my.abort', '2'], ['envoy.resource_limits.listener.l.connection_limit', '5'], ['upstream.use_http2', 'true']]);
    rt.mergeAdminValues([['upstream.use_http2', 'false']]);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /"upstream\.use_http2"/);
  });
});

describe('Runtime: disk layer', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-runtime-'));
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  const version = (name: string, files: Record<string, string>) => {
    const dir = path.join(root, name);
    for (const [f, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, 'envoy', f)), { recursive: true });
      fs.writeFileSync(path.join(dir, 'envoy', f), text);
    }
    return dir;
  };
  /** Envoy's deployment: build a new tree, then atomically swap the `current` symlink. */
  const swap = (target: string) => {
    const tmp = path.join(root, 'current.tmp');
    fs.symlinkSync(target, tmp);
    fs.renameSync(tmp, path.join(root, 'current'));
  };

  it('reads files as dotted keys (comments dropped) and reloads when the symlink is swapped', async () => {
    swap(version('v1', { 'fault/http/abort/abort_percent': '# percent\n25\n', 'health_check/min_interval': '10 ' }));
    const rt = new Runtime({ layers: [{ kind: 'disk', name: 'disk', dir: path.join(root, 'current', 'envoy'), watch: path.join(root, 'current') }] }, new StatsStore(), quiet());
    assert.equal(rt.snapshot().get('fault.http.abort.abort_percent'), '25');
    assert.equal(rt.snapshot().getInteger('health_check.min_interval', 0), 10);
    rt.watch();
    // The watcher does not hold the process open (persistent: false); this timer does, until the reload is seen.
    const keepAlive = setTimeout(() => undefined, 10_000);
    try {
      const changed = new Promise<void>((resolve) => rt.onChange(() => {
        if (rt.snapshot().get('fault.http.abort.abort_percent') === '75') resolve();
      }));
      swap(version('v2', { 'fault/http/abort/abort_percent': '75' }));
      await changed;
      assert.equal(rt.snapshot().get('health_check.min_interval'), undefined);
    } finally {
      clearTimeout(keepAlive);
      rt.close();
    }
  });

  it('a missing directory is an empty layer', () => {
    const rt = new Runtime({ layers: [{ kind: 'disk', name: 'disk', dir: path.join(root, 'nope'), watch: path.join(root, 'nope') }] }, new StatsStore(), quiet());
    assert.equal(rt.snapshot().size, 0);
  });
});
