// Active health checking through the proxy: a host that fails its HTTP health
// check stops receiving traffic, and gets it back when it passes again.
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

describe('active health checking (integration)', () => {
  const healthy = { a: true, b: true };
  let a: Upstream;
  let b: Upstream;
  let px: RunningProxy;
  const served = (u: Upstream) => u.requests.filter((r) => r.url !== '/healthz').length;
  const checks = (u: Upstream) => u.requests.filter((r) => r.url === '/healthz');
  const stat = async (name: string): Promise<number | undefined> => {
    const body = (await px.admin('/stats')).body;
    const m = new RegExp(`^${name.replace(/\./g, '\\.')}: (\\d+)$`, 'm').exec(body);
    return m ? Number(m[1]) : undefined;
  };

  before(async () => {
    const handler = (name: 'a' | 'b') => (req: { url?: string }, _body: string, res: import('node:http').ServerResponse) => {
      if (req.url === '/healthz') res.writeHead(healthy[name] ? 200 : 503).end();
      else res.end(name);
    };
    a = await startUpstream('a', handler('a'));
    b = await startUpstream('b', handler('b'));
    px = await startProxy(bootstrap({
      clusters: staticCluster('service1', [a.port, b.port], `    health_checks:
    - timeout: 1s
      interval: 0.05s
      no_traffic_interval: 0.05s
      unhealthy_threshold: 1
      healthy_threshold: 1
      http_health_check: { path: /healthz }`),
    }));
  });
  after(async () => {
    await px.close();
    await a.close();
    await b.close();
  });

  it('checks each host with GET /healthz, Host = cluster name, Envoy\'s user agent', async () => {
    await until(async () => (await stat('cluster.service1.health_check.healthy')) === 2, 'both hosts to pass their first check');
    const c = checks(a).at(-1)!;
    assert.equal(c.method, 'GET');
    assert.equal(c.headers.host, 'service1');
    assert.equal(c.headers['user-agent'], 'Envoy/HC');
  });

  it('a host failing its health check stops receiving traffic, and gets it back once it passes', async () => {
    await until(async () => (await stat('cluster.service1.health_check.healthy')) === 2, 'both hosts healthy');
    for (let i = 0; i < 10; i++) await request({ port: px.port(), path: '/x' });
    assert.ok(served(a) > 0 && served(b) > 0, 'round robin uses both hosts');

    healthy.b = false;
    await until(async () => (await stat('cluster.service1.health_check.healthy')) === 1, 'b to fail its check');
    const clusters = (await px.admin('/clusters')).body;
    assert.match(clusters, new RegExp(`service1::127\\.0\\.0\\.1:${b.port}::health_flags::/failed_active_hc`));
    assert.match(clusters, new RegExp(`service1::127\\.0\\.0\\.1:${a.port}::health_flags::healthy`));
    const bBefore = served(b);
    for (let i = 0; i < 20; i++) {
      const r = await request({ port: px.port(), path: '/y' });
      assert.equal(r.body.toString(), 'a');
    }
    assert.equal(served(b), bBefore);
    assert.ok((await stat('cluster.service1.health_check.failure'))! >= 1);

    healthy.b = true;
    await until(async () => (await stat('cluster.service1.health_check.healthy')) === 2, 'b to pass again');
    const bues: string[] = [];
    for (let i = 0; i < 10; i++) bues.push((await request({ port: px.port(), path: '/z' })).body.toString());
    assert.ok(bues.includes('b'), 'b is back in rotation');
  });
});
