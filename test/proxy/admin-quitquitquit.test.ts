// POST /quitquitquit on a `weft proxy` child process: it answers, then exits 0.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bootstrap, staticCluster, startUpstream, type Upstream } from '../helpers/proxy-harness.js';
import { tempDir, tryConnect } from '../helpers/net-harness.js';
import { spawnProxy, within, type ChildProxy } from '../helpers/process-harness.js';

describe('admin: /quitquitquit (child process)', { timeout: 15_000 }, () => {
  const tmp = tempDir();
  let up: Upstream;
  let px: ChildProxy;
  before(async () => {
    up = await startUpstream('service1');
    px = await spawnProxy(tmp.file('bootstrap.yaml', bootstrap({ clusters: staticCluster('service1', [up.port]) })), ['--drain-time-s', '1']);
  });
  after(async () => {
    await px.kill();
    await up.close();
    tmp.cleanup();
  });

  it('GET is refused with 405 and the process keeps running', async () => {
    assert.equal((await px.admin('/quitquitquit')).status, 405);
    assert.equal((await px.admin('/ready')).status, 200);
  });

  it('POST answers 200 OK, then the process exits 0 and its ports close', async () => {
    const r = await px.admin('/quitquitquit', 'POST');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'OK\n');
    const exit = await within(px.exited, 3000, 'exit after /quitquitquit');
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.equal(await tryConnect(px.port()), 'ECONNREFUSED');
    assert.equal(await tryConnect(px.adminPort), 'ECONNREFUSED');
  });
});
