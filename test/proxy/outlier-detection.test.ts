// Passive health checking through the proxy: a host answering 5xx is ejected
// after consecutive_5xx and returns once base_ejection_time has passed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bootstrap, request, staticCluster, startProxy, startUpstream, type RunningProxy, type Upstream } from '../helpers/proxy-harness.js';

async function until(cond: () => Promise<boolean> | boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('outlier detection (integration)', () => {
  let failing = true;
  let good: Upstream;
  let bad: Upstream;
  let px: RunningProxy;
  const stat = async (name: string): Promise<number | undefined> => {
    const body = (await px.admin('/stats')).body;
    const m = new RegExp(`^cluster\\.service1\\.outlier_detection\\.${name}: (\\d+)$`, 'm').exec(body);
    return m ? Number(m[1]) : undefined;
  };

  before(async () => {
    good = await startUpstream('good');
    bad = await startUpstream('bad', (_req, _body, res) => {
      if (failing) res.writeHead(500).end('bad 500');
      else res.end('bad');
    });
    px = await startProxy(bootstrap({
      clusters: staticCluster('service1', [good.port, bad.port], `    outlier_detection:
      consecutive_5xx: 3
      interval: 0.1s
      base_ejection_time: 1s
      max_ejection_percent: 100`),
    }));
  });
  after(async () => {
    await px.close();
    await good.close();
    await bad.close();
  });

  it('a host returning 5xx is ejected after consecutive_5xx and returns after base_ejection_time', async () => {
    assert.equal(await stat('ejections_active'), 0);
    let started = 0;
    for (let i = 0; i < 50 && bad.requests.length < 3; i++) {
      if (bad.requests.length === 2) started = performance.now();
      await request({ port: px.port(), path: '/' });
    }
    assert.equal(bad.requests.length, 3);
    assert.equal(await stat('ejections_active'), 1);
    assert.equal(await stat('ejections_enforced_consecutive_5xx'), 1);
    assert.equal(await stat('ejections_detected_consecutive_5xx'), 1);
    const clusters = (await px.admin('/clusters')).body;
    assert.match(clusters, new RegExp(`service1::127\\.0\\.0\\.1:${bad.port}::health_flags::/failed_outlier_check`));

    // Ejected: every request goes to the good host.
    for (let i = 0; i < 10; i++) assert.equal((await request({ port: px.port(), path: '/' })).status, 200);
    assert.equal(bad.requests.length, 3);

    failing = false;
    await until(async () => (await stat('ejections_active')) === 0, 'the host to return after base_ejection_time');
    assert.ok(performance.now() - started >= 1000, 'not before base_ejection_time');
    const bodies: string[] = [];
    for (let i = 0; i < 10; i++) bodies.push((await request({ port: px.port(), path: '/' })).body.toString());
    assert.ok(bodies.includes('bad'), 'the host is back in rotation');
  });
});
