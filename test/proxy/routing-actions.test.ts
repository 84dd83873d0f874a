// Route actions through real sockets: cluster, weighted_clusters,
// cluster_header, path and host rewrites, redirects, direct responses, and
// header mutations at route-config, virtual-host and route level.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request, startProxy, type RunningProxy } from '../helpers/proxy-harness.js';
import { answer, jsonBootstrap, jsonCluster, manyRequests, startNamedUpstreams, tally, toCluster, type NamedUpstreams } from '../helpers/http-test-kit.js';

const hv = (key: string, value: string, append_action?: string) => ({ header: { key, value }, ...(append_action ? { append_action } : {}) });

describe('routing: actions', () => {
  let ups: NamedUpstreams;
  let px: RunningProxy;
  before(async () => {
    ups = await startNamedUpstreams(['A', 'B'], { 'x-up-secret': 's3cret', 'x-up-keep': 'k' });
    px = await startProxy(jsonBootstrap({
      routeConfig: {
        request_headers_to_add: [hv('x-rc', 'rc'), hv('x-level', 'rc', 'OVERWRITE_IF_EXISTS_OR_ADD')],
        response_headers_to_add: [hv('x-resp-rc', 'rc')],
        virtual_hosts: [{
          name: 'vh',
          domains: ['*'],
          request_headers_to_add: [hv('x-vh', 'vh'), hv('x-level', 'vh', 'OVERWRITE_IF_EXISTS_OR_ADD')],
          response_headers_to_add: [hv('x-resp-vh', 'vh')],
          response_headers_to_remove: ['x-up-secret'],
          routes: [
            { match: { prefix: '/split' }, route: { weighted_clusters: { clusters: [{ name: 'A', weight: 80 }, { name: 'B', weight: 20 }] } } },
            { match: { prefix: '/byheader' }, route: { cluster_header: 'x-cluster' } },
            toCluster({ prefix: '/old/' }, 'A', { prefix_rewrite: '/new/' }),
            toCluster({ prefix: '/rx/' }, 'A', { regex_rewrite: { pattern: { regex: '^/rx/([0-9]+)/(.*)$' }, substitution: '/num/\\1/\\2' } }),
            toCluster({ prefix: '/hostlit' }, 'A', { host_rewrite_literal: 'rewritten.example' }),
            toCluster({ prefix: '/hostauto' }, 'A', { auto_host_rewrite: true }),
            { match: { prefix: '/to-https' }, redirect: { https_redirect: true } },
            { match: { prefix: '/moved' }, redirect: { path_redirect: '/new-home', response_code: 'FOUND' } },
            { match: { prefix: '/perm' }, redirect: { host_redirect: 'other.example', response_code: 'PERMANENT_REDIRECT' } },
            answer({ prefix: '/teapot' }, 'short and stout', 418),
            {
              match: { prefix: '/hdrs' },
              route: { cluster: 'A' },
              request_headers_to_add: [hv('x-rt', 'rt'), hv('x-level', 'route', 'OVERWRITE_IF_EXISTS_OR_ADD'), hv('x-client-ip', '%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%')],
              request_headers_to_remove: ['x-drop'],
              response_headers_to_add: [hv('x-resp-rt', 'rt')],
            },
            toCluster({ prefix: '/' }, 'A'),
          ],
        }],
      },
      clusters: [jsonCluster('A', [ups.ports.A!]), jsonCluster('B', [ups.ports.B!])],
    }));
  });
  after(async () => {
    await px?.close();
    await ups?.close();
  });

  const last = (name: 'A' | 'B') => ups.seen[name]!.at(-1)!;

  it('cluster: the request goes to the named cluster', async () => {
    const r = await request({ port: px.port(), path: '/plain' });
    assert.equal(r.body.toString(), 'A');
    assert.equal(last('A').url, '/plain');
  });

  it('weighted_clusters 80/20: 1000 requests split within statistical bounds', async () => {
    const bodies = await manyRequests(px.port(), 1000, { path: () => '/split', concurrency: 16 });
    const t = tally(bodies);
    assert.equal((t.A ?? 0) + (t.B ?? 0), 1000);
    // Binomial(1000, 0.8): sd ≈ 12.6; ±60 is beyond 4.7 sd.
    assert.ok(Math.abs((t.A ?? 0) - 800) <= 60, JSON.stringify(t));
  });

  it('cluster_header: the header names the cluster; an unknown one is 503 NC', async () => {
    assert.equal((await request({ port: px.port(), path: '/byheader', headers: { 'x-cluster': 'B' } })).body.toString(), 'B');
    assert.equal((await request({ port: px.port(), path: '/byheader', headers: { 'x-cluster': 'A' } })).body.toString(), 'A');
    const r = await request({ port: px.port(), path: '/byheader', headers: { 'x-cluster': 'nope' } });
    assert.equal(r.status, 503);
    assert.match(String(r.headers['x-weft-error']), /^WEFT_NO_CLUSTER /);
    const missing = await request({ port: px.port(), path: '/byheader' });
    assert.equal(missing.status, 503);
  });

  it('prefix_rewrite replaces the matched prefix and keeps the query; x-envoy-original-path carries the original', async () => {
    await request({ port: px.port(), path: '/old/a/b?q=1' });
    assert.equal(last('A').url, '/new/a/b?q=1');
    assert.equal(last('A').headers['x-envoy-original-path'], '/old/a/b?q=1');
  });

  it('regex_rewrite substitutes capture groups in the path and keeps the query', async () => {
    await request({ port: px.port(), path: '/rx/123/rest/of?q=1' });
    assert.equal(last('A').url, '/num/123/rest/of?q=1');
  });

  it('host_rewrite_literal sets the upstream Host', async () => {
    await request({ port: px.port(), path: '/hostlit', headers: { host: 'orig.example' } });
    assert.equal(last('A').headers.host, 'rewritten.example');
  });

  it('host_rewrite_literal does not add x-forwarded-host unless append_x_forwarded_host is set', async () => {
    await request({ port: px.port(), path: '/hostlit', headers: { host: 'orig.example' } });
    assert.equal(last('A').headers['x-forwarded-host'], undefined);
  });

  it('auto_host_rewrite has no effect on a STATIC cluster (its hosts have no hostname)', async () => {
    await request({ port: px.port(), path: '/hostauto', headers: { host: 'orig.example' } });
    assert.equal(last('A').headers.host, 'orig.example');
  });

  it('redirect https_redirect: 301 to the https URL of the same host and path', async () => {
    const r = await request({ port: px.port(), path: '/to-https/x?y=1', headers: { host: 'site.example' } });
    assert.equal(r.status, 301);
    assert.equal(r.headers.location, 'https://site.example/to-https/x?y=1');
    assert.equal(r.body.length, 0);
  });

  it('redirect path_redirect with response_code FOUND: 302 to the new path on the same host', async () => {
    const r = await request({ port: px.port(), path: '/moved', headers: { host: 'site.example' } });
    assert.equal(r.status, 302);
    assert.equal(r.headers.location, 'http://site.example/new-home');
  });

  it('redirect host_redirect with PERMANENT_REDIRECT: 308 keeping the path', async () => {
    const r = await request({ port: px.port(), path: '/perm/a', headers: { host: 'site.example' } });
    assert.equal(r.status, 308);
    assert.equal(r.headers.location, 'http://other.example/perm/a');
  });

  it('direct_response answers with its status and body, no upstream involved', async () => {
    const before = ups.seen.A!.length + ups.seen.B!.length;
    const r = await request({ port: px.port(), path: '/teapot' });
    assert.equal(r.status, 418);
    assert.equal(r.body.toString(), 'short and stout');
    assert.equal(ups.seen.A!.length + ups.seen.B!.length, before);
  });

  it('request headers are added at route-config, virtual-host and route level; removals apply', async () => {
    const r = await request({ port: px.port(), path: '/hdrs', headers: { 'x-drop': 'gone', 'x-keep': 'here' } });
    assert.equal(r.status, 200);
    const h = last('A').headers;
    assert.equal(h['x-rc'], 'rc');
    assert.equal(h['x-vh'], 'vh');
    assert.equal(h['x-rt'], 'rt');
    assert.equal(h['x-drop'], undefined);
    assert.equal(h['x-keep'], 'here');
    assert.equal(h['x-client-ip'], '127.0.0.1');
  });

  it('header mutations: the less specific level overwrites by default (route-config wins)', async () => {
    await request({ port: px.port(), path: '/hdrs' });
    assert.equal(last('A').headers['x-level'], 'rc');
  });

  it('response headers are added at every level and removed as configured', async () => {
    const r = await request({ port: px.port(), path: '/hdrs' });
    assert.equal(r.headers['x-resp-rc'], 'rc');
    assert.equal(r.headers['x-resp-vh'], 'vh');
    assert.equal(r.headers['x-resp-rt'], 'rt');
    assert.equal(r.headers['x-up-secret'], undefined);
    assert.equal(r.headers['x-up-keep'], 'k');
  });

  it('response headers of the route config and virtual host apply to direct responses too', async () => {
    const r = await request({ port: px.port(), path: '/teapot' });
    assert.equal(r.headers['x-resp-rc'], 'rc');
    assert.equal(r.headers['x-resp-vh'], 'vh');
  });
});

describe('routing: most_specific_header_mutations_wins', () => {
  it('the route level wins when set', async () => {
    const ups = await startNamedUpstreams(['A']);
    const px = await startProxy(jsonBootstrap({
      routeConfig: {
        most_specific_header_mutations_wins: true,
        request_headers_to_add: [hv('x-level', 'rc', 'OVERWRITE_IF_EXISTS_OR_ADD')],
        virtual_hosts: [{
          name: 'vh', domains: ['*'],
          request_headers_to_add: [hv('x-level', 'vh', 'OVERWRITE_IF_EXISTS_OR_ADD')],
          routes: [{ match: { prefix: '/' }, route: { cluster: 'A' }, request_headers_to_add: [hv('x-level', 'route', 'OVERWRITE_IF_EXISTS_OR_ADD')] }],
        }],
      },
      clusters: [jsonCluster('A', [ups.ports.A!])],
    }));
    try {
      await request({ port: px.port(), path: '/' });
      assert.equal(ups.seen.A!.at(-1)!.headers['x-level'], 'route');
    } finally {
      await px.close();
      await ups.close();
    }
  });
});

describe('routing: auto_host_rewrite on a STRICT_DNS cluster', () => {
  it('sets Host to the DNS name of the endpoint', async () => {
    const ups = await startNamedUpstreams(['A']);
    const px = await startProxy(jsonBootstrap({
      routeConfig: { virtual_hosts: [{ name: 'vh', domains: ['*'], routes: [toCluster({ prefix: '/' }, 'dns', { auto_host_rewrite: true })] }] },
      clusters: [jsonCluster('dns', [{ port: ups.ports.A!, address: 'localhost' }], { type: 'STRICT_DNS', dns_lookup_family: 'V4_ONLY' })],
    }));
    try {
      const r = await request({ port: px.port(), path: '/', headers: { host: 'orig.example' } });
      assert.equal(r.body.toString(), 'A');
      assert.equal(ups.seen.A!.at(-1)!.headers.host, 'localhost');
    } finally {
      await px.close();
      await ups.close();
    }
  });
});
