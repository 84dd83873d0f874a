// SIGTERM on a running `weft proxy`: requests in flight finish, new
// connections are refused, and the process exits 0 within the drain time.
import assert from 'node:assert/strict';
import type http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { bootstrap, request, staticCluster, startUpstream, type Upstream } from '../helpers/proxy-harness.js';
import { tcpConnect, tempDir, tryConnect, waitUntil } from '../helpers/net-harness.js';
import { spawnProxy, within, type ChildProxy } from '../helpers/process-harness.js';

const SLOW_MS = 300;
const DRAIN_S = 2;

describe('weft proxy: SIGTERM drains then exits', { timeout: 20_000 }, () => {
  const tmp = tempDir();
  let up: Upstream;
  let px: ChildProxy;
  let onSlowArrived!: () => void;
  const slowArrived = new Promise<void>((r) => (onSlowArrived = r));

  before(async () => {
    up = await startUpstream('service1', (req, _body, res: http.ServerResponse) => {
      if (req.url !== '/slow') return void res.end('fast');
      onSlowArrived();
      setTimeout(() => res.end('slow done'), SLOW_MS);
    });
    const file = tmp.file('bootstrap.yaml', bootstrap({ clusters: staticCluster('service1', [up.port]) }));
    px = await spawnProxy(file, ['--drain-time-s', String(DRAIN_S), '--log-level', 'info']);
  });
  after(async () => {
    await px.kill();
    await up.close();
    tmp.cleanup();
  });

  it('finishes the in-flight request with 200, refuses new connections, exits 0 before the drain time', async () => {
    const port = px.port();
    assert.equal((await request({ port, path: '/fast' })).status, 200);
    const idle = await tcpConnect(port); // an idle keep-alive connection must not hold the exit up
    idle.socket.write('GET /fast HTTP/1.1\r\nhost: x\r\n\r\n');
    await idle.waitFor('fast');

    const inFlight = request({ port, path: '/slow' });
    await slowArrived;
    const t0 = Date.now();
    px.child.kill('SIGTERM');

    // Draining: admin still answers, and says so; the listener is closed.
    await waitUntil(async () => (await px.admin('/ready').catch(() => ({ status: 0 }))).status === 503, '/ready to turn 503');
    assert.equal(await tryConnect(port), 'ECONNREFUSED');

    const r = await inFlight;
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), 'slow done');
    assert.equal(r.headers.connection, 'close', 'a draining proxy ends keep-alive');

    await within(idle.ended, 2000, 'idle keep-alive connection closed by the proxy');
    idle.socket.destroy();
    const exit = await within(px.exited, DRAIN_S * 1000 + 2000, 'process exit');
    const took = Date.now() - t0;
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.ok(took >= SLOW_MS - 50, `did not exit before the in-flight request finished (${took} ms)`);
    assert.ok(took < DRAIN_S * 1000, `exited as soon as connections were done, not after the full drain time (${took} ms)`);
    assert.match(px.stderr(), /SIGTERM: draining listeners/);
  });
});

describe('weft proxy: SIGTERM with a request that outlives the drain time', { timeout: 20_000 }, () => {
  const tmp = tempDir();
  let up: Upstream;
  let px: ChildProxy;
  const held: http.ServerResponse[] = [];
  let onArrived!: () => void;
  const arrived = new Promise<void>((r) => (onArrived = r));

  before(async () => {
    up = await startUpstream('service1', (_req, _body, res) => {
      held.push(res); // never answers
      onArrived();
    });
    const file = tmp.file('bootstrap.yaml', bootstrap({ clusters: staticCluster('service1', [up.port]) }));
    px = await spawnProxy(file, ['--drain-time-s', '0.3']);
  });
  after(async () => {
    await px.kill();
    for (const r of held) r.destroy();
    await up.close();
    tmp.cleanup();
  });

  it('exits 0 once the drain time has passed, closing what is left', async () => {
    const stuck = request({ port: px.port(), path: '/hang' }).then(() => 'answered', (e: NodeJS.ErrnoException) => e.code ?? 'error');
    await arrived;
    const t0 = Date.now();
    px.child.kill('SIGTERM');
    const exit = await within(px.exited, 3000, 'process exit');
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.ok(Date.now() - t0 >= 250, 'waited for the drain time');
    assert.equal(await stuck, 'ECONNRESET', 'the stuck request is cut when the drain time ends');
  });
});
