// Clusters and load balancing through real sockets: STATIC with several
// endpoints, STRICT_DNS and LOGICAL_DNS on localhost, endpoint weights and
// priorities, ROUND_ROBIN, LEAST_REQUEST, RANDOM, RING_HASH and MAGLEV with
// every route hash_policy kind, and upstream connection reuse.
import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { request, startProxy, type RunningProxy } from '../helpers/proxy-harness.js';
import { jsonBootstrap, jsonCluster, manyRequests, stat, startNamedUpstreams, tally, toCluster, within, type Json, type NamedUpstreams } from '../helpers/http-test-kit.js';

const routeTo = (cluster: string, prefix: string, extra: Json = {}) => toCluster({ prefix }, cluster, extra);
const single = (routes: Json[]) => ({ virtual_hosts: [{ name: 'vh', domains: ['*'], routes }] });

describe('load balancing: ROUND_ROBIN, weights, priorities, RANDOM', () => {
  let ups: NamedUpstreams;
  let px: RunningProxy;
  before(async () => {
    ups = await startNamedUpstreams(['h0', 'h1', 'h2']);
    const p = ups.ports;
    px = await startProxy(jsonBootstrap({
      routeConfig: single([
        routeTo('rr', '/rr'),
        routeTo('weighted', '/weighted'),
        routeTo('prio', '/prio'),
        routeTo('random', '/random'),
      ]),
      clusters: [
        jsonCluster('rr', [p.h0!, p.h1!, p.h2!], { lb_policy: 'ROUND_ROBIN' }),
        jsonCluster('weighted', [{ port: p.h0!, weight: 1 }, { port: p.h1!, weight: 3 }]),
        jsonCluster('prio', [{ port: p.h0!, priority: 0 }, { port: p.h1!, priority: 1 }, { port: p.h2!, priority: 1 }]),
        jsonCluster('random', [p.h0!, p.h1!, p.h2!], { lb_policy: 'RANDOM' }),
      ],
    }));
  });
  after(async () => {
    await px?.close();
    await ups?.close();
  });

  it('STATIC with three endpoints, ROUND_ROBIN: exactly even over 300 requests', async () => {
    const t = tally(await manyRequests(px.port(), 300, { path: () => '/rr' }));
    assert.deepEqual(t, { h0: 100, h1: 100, h2: 100 });
  });

  it('load_balancing_weight 1:3 splits 1:3', async () => {
    const t = tally(await manyRequests(px.port(), 400, { path: () => '/weighted' }));
    assert.ok(Math.abs((t.h0 ?? 0) - 100) <= 4 && Math.abs((t.h1 ?? 0) - 300) <= 4, JSON.stringify(t));
  });

  it('priorities: with every host healthy, only priority 0 gets traffic', async () => {
    const t = tally(await manyRequests(px.port(), 60, { path: () => '/prio' }));
    assert.deepEqual(t, { h0: 60 });
  });

  it('RANDOM reaches every host, roughly evenly', async () => {
    const t = tally(await manyRequests(px.port(), 300, { path: () => '/random' }));
    for (const h of ['h0', 'h1', 'h2']) assert.ok((t[h] ?? 0) >= 50, JSON.stringify(t));
  });

  it('upstream connections are reused across downstream connections', async () => {
    const ups2 = await startNamedUpstreams(['solo']);
    const px2 = await startProxy(jsonBootstrap({ routeConfig: single([routeTo('solo', '/')]), clusters: [jsonCluster('solo', [ups2.ports.solo!])] }));
    try {
      for (let i = 0; i < 10; i++) assert.equal((await request({ port: px2.port(), path: '/' })).body.toString(), 'solo');
      assert.equal(await stat(px2, 'http.ingress_http.downstream_cx_total'), 10);
      assert.equal(await stat(px2, 'cluster.solo.upstream_cx_total'), 1);
      assert.equal(await stat(px2, 'cluster.solo.upstream_rq_total'), 10);
    } finally {
      await px2.close();
      await ups2.close();
    }
  });
});

describe('clusters: DNS discovery', () => {
  it('STRICT_DNS and LOGICAL_DNS resolve localhost and carry traffic', async () => {
    const ups = await startNamedUpstreams(['u']);
    const ep = { port: ups.ports.u!, address: 'localhost' };
    const px = await startProxy(jsonBootstrap({
      routeConfig: single([routeTo('strict', '/strict'), routeTo('logical', '/logical')]),
      clusters: [
        jsonCluster('strict', [ep], { type: 'STRICT_DNS', dns_lookup_family: 'V4_ONLY' }),
        jsonCluster('logical', [ep], { type: 'LOGICAL_DNS', dns_lookup_family: 'V4_ONLY' }),
      ],
    }));
    try {
      assert.equal((await request({ port: px.port(), path: '/strict' })).body.toString(), 'u');
      assert.equal((await request({ port: px.port(), path: '/logical' })).body.toString(), 'u');
      assert.equal(await stat(px, 'cluster.strict.membership_total'), 1);
      assert.equal(await stat(px, 'cluster.logical.membership_total'), 1);
    } finally {
      await px.close();
      await ups.close();
    }
  });
});

describe('load balancing: LEAST_REQUEST', () => {
  it('new requests avoid the host that is busy with outstanding requests', async () => {
    const held: http.ServerResponse[] = [];
    let slowArrivals = 0;
    const arrivals: (() => void)[] = [];
    const slow = http.createServer((_req, res) => {
      slowArrivals++;
      held.push(res);
      for (const a of arrivals.splice(0)) a();
    });
    const fast = http.createServer((_req, res) => res.end('fast'));
    for (const s of [slow, fast]) await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s: http.Server) => (s.address() as net.AddressInfo).port;
    const px = await startProxy(jsonBootstrap({
      routeConfig: single([routeTo('lr', '/', { timeout: '0s' })]),
      clusters: [jsonCluster('lr', [port(slow), port(fast)], { lb_policy: 'LEAST_REQUEST', least_request_lb_config: { choice_count: 10 } })],
    }));
    const inflight: Promise<unknown>[] = [];
    /** Sends one request; resolves 'fast' when answered, 'slow' when the slow host took it. */
    const one = () => new Promise<'fast' | 'slow'>((resolve, reject) => {
      arrivals.push(() => resolve('slow'));
      const p = request({ port: px.port(), path: '/' }).then((r) => {
        assert.equal(r.body.toString(), 'fast');
        resolve('fast');
      }, reject);
      inflight.push(p.catch(() => undefined));
    });
    try {
      // Park one request on the slow host (with 10 choices, later ones avoid it).
      for (let i = 0; slowArrivals < 1; i++) {
        assert.ok(i < 100, 'could not park requests on the slow host');
        await within(one(), 3000, 'a request to land');
      }
      arrivals.length = 0;
      const picks: string[] = [];
      for (let i = 0; i < 20; i++) {
        picks.push(await within(one(), 3000, 'a request to land'));
        arrivals.length = 0;
      }
      const t = tally(picks);
      // P(slow) per request ≈ (1/2)^10 with 10 choices; ≥ 18 of 20 to the idle host.
      assert.ok((t.fast ?? 0) >= 18, JSON.stringify(t));
    } finally {
      for (const r of held) r.end('slow');
      await Promise.all(inflight);
      await px.close();
      for (const s of [slow, fast]) {
        s.closeAllConnections();
        await new Promise<void>((r) => s.close(() => r()));
      }
    }
  });
});

for (const policy of ['RING_HASH', 'MAGLEV'] as const) {
  describe(`load balancing: ${policy} with route hash_policy`, () => {
    let ups: NamedUpstreams;
    let px: RunningProxy;
    before(async () => {
      ups = await startNamedUpstreams(['h0', 'h1', 'h2', 'h3']);
      const hp = (hash_policy: Json[]) => ({ hash_policy });
      px = await startProxy(jsonBootstrap({
        routeConfig: single([
          routeTo('hashed', '/header', hp([{ header: { header_name: 'x-user' } }])),
          routeTo('hashed', '/cookie', hp([{ cookie: { name: 'session' } }])),
          routeTo('hashed', '/ip', hp([{ connection_properties: { source_ip: true } }])),
          routeTo('hashed', '/query', hp([{ query_parameter: { name: 'user' } }])),
        ]),
        clusters: [jsonCluster('hashed', Object.values(ups.ports), { lb_policy: policy })],
      }));
    });
    after(async () => {
      await px?.close();
      await ups?.close();
    });

    const kinds: [string, (key: string) => { path: string; headers?: http.OutgoingHttpHeaders; localAddress?: string }][] = [
      ['header', (k) => ({ path: '/header', headers: { 'x-user': k } })],
      ['cookie', (k) => ({ path: '/cookie', headers: { cookie: `a=b; session=${k}; c=d` } })],
      ['source IP', (k) => ({ path: '/ip', localAddress: `127.0.0.${(Number(k.slice(1)) % 250) + 2}` })],
      ['query parameter', (k) => ({ path: `/query?x=1&user=${k}` })],
    ];
    for (const [kind, req] of kinds) {
      it(`${kind}: the same key always reaches the same host; different keys spread`, async () => {
        const send = (keys: string[]) => manyRequests(px.port(), keys.length, {
          path: (i) => req(keys[i]!).path,
          headers: (i) => req(keys[i]!).headers ?? {},
          ...(kind === 'source IP' ? { localAddress: (i: number) => req(keys[i]!).localAddress! } : {}),
          concurrency: 4,
        });
        for (const key of ['k7', 'k42']) {
          const same = tally(await send(Array.from({ length: 12 }, () => key)));
          assert.equal(Object.keys(same).length, 1, `${key}: ${JSON.stringify(same)}`);
        }
        const spread = tally(await send(Array.from({ length: 40 }, (_, i) => `k${i}`)));
        assert.ok(Object.keys(spread).length >= 3, JSON.stringify(spread));
      });
    }
  });
}
