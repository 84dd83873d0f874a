// The seed's front-proxy example, in v3 form, end to end with real sockets.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bootstrap, bootstrapErrors, closedPort, request, staticCluster, startProxy, startUpstream, type RunningProxy, type Upstream } from '../helpers/proxy-harness.js';

describe('front proxy (seed example, v3)', () => {
  let up: Upstream;
  let px: RunningProxy;
  before(async () => {
    up = await startUpstream('service1');
    px = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]) }));
  });
  after(async () => {
    await px.close();
    await up.close();
  });

  it('routes / to service1 and adds Envoy headers', async () => {
    const r = await request({ port: px.port(), path: '/hello?x=1' });
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), 'service1 GET /hello?x=1');
    assert.equal(r.headers.server, 'envoy');
    assert.match(String(r.headers['x-envoy-upstream-service-time']), /^\d+$/);
    const seen = up.requests.at(-1)!;
    assert.match(String(seen.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    assert.equal(seen.headers['x-forwarded-proto'], 'http');
    assert.equal(seen.headers['x-envoy-expected-rq-timeout-ms'], '15000');
  });

  it('counts the request in cluster and connection manager stats', async () => {
    await request({ port: px.port(), path: '/' });
    const s = (await px.admin('/stats')).body;
    assert.match(s, /^cluster\.service1\.upstream_rq_200: [1-9]/m);
    assert.match(s, /^cluster\.service1\.upstream_rq_2xx: [1-9]/m);
    assert.match(s, /^http\.ingress_http\.downstream_rq_total: [1-9]/m);
  });

  it('answers a request body (POST) through to the upstream', async () => {
    const r = await request({ port: px.port(), path: '/p', method: 'POST', body: 'x'.repeat(100_000) });
    assert.equal(r.status, 200);
    assert.equal(up.requests.at(-1)!.body.length, 100_000);
  });
});

describe('local replies', () => {
  it('NR: no route is a 404 with x-weft-error naming the route config', async () => {
    const up = await startUpstream('s');
    const px = await startProxy(bootstrap({ routes: `              - match: { path: "/only" }\n                route: { cluster: service1 }`, clusters: staticCluster('service1', [up.port]) }));
    try {
      const r = await request({ port: px.port(), path: '/other' });
      assert.equal(r.status, 404);
      assert.match(String(r.headers['x-weft-error']), /^WEFT_NO_ROUTE .*route_config=local_route$/);
    } finally {
      await px.close();
      await up.close();
    }
  });

  it('UF: a refused connection is a 503 with Envoy\'s body and x-weft-error naming the cluster', async () => {
    const port = await closedPort();
    const px = await startProxy(bootstrap({ clusters: staticCluster('service1', [port]) }));
    try {
      const r = await request({ port: px.port(), path: '/' });
      assert.equal(r.status, 503);
      assert.match(r.body.toString(), /^upstream connect error or disconnect\/reset before headers\. reset reason: connection failure/);
      assert.match(String(r.headers['x-weft-error']), /^WEFT_UPSTREAM_CONNECT_FAILURE .*cluster=service1$/);
      const s = (await px.admin('/stats')).body;
      assert.match(s, /^cluster\.service1\.upstream_cx_connect_fail: 1$/m);
    } finally {
      await px.close();
    }
  });
});

describe('bootstrap errors', () => {
  it('refuses the v2 form with the v3 spelling', () => {
    const errs = bootstrapErrors(`
static_resources:
  listeners:
  - name: listener_0
    address: { socket_address: { address: 0.0.0.0, port_value: 80 } }
    filter_chains:
    - filters:
      - name: envoy.http_connection_manager
        config:
          stat_prefix: x
`);
    assert.ok(errs.some((e) => e.path === 'static_resources.listeners[0].filter_chains[0].filters[0].config' && /typed_config/.test(e.message)), JSON.stringify(errs));
  });

  it('lists every error with its field path', () => {
    const errs = bootstrapErrors(bootstrap({ clusters: `  - name: a
    lb_policy: ROUND_ROBN
    connect_timeout: 1s
  - name: b
    type: STATIC
    bogus_field: 1
    connect_timeout: 1s` }));
    const paths = errs.map((e) => e.path);
    assert.ok(paths.includes('static_resources.clusters[0].lb_policy'), paths.join());
    assert.ok(paths.includes('static_resources.clusters[1].bogus_field'), paths.join());
  });
});
