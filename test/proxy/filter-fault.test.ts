// envoy.filters.http.fault end to end: real sockets, the bootstrap's filter
// chain, and the fault carried the way Istio's VirtualService sends it (an
// empty filter on the listener, the HTTPFault in the route's
// typed_per_filter_config). Time is a ManualClock, so the delay is driven by hand.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/common/clock.js';
import { bootstrap, request, staticCluster, startProxy, startUpstream, type RunningProxy, type Upstream } from '../helpers/proxy-harness.js';


const FILTERS = `          - name: envoy.filters.http.fault
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault`;

const ROUTES = `              - name: ratings
                match: { prefix: "/ratings" }
                route: { cluster: service1 }
                typed_per_filter_config:
                  envoy.filters.http.fault:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                    abort: { http_status: 418, percentage: { numerator: 100 } }
              - name: reviews
                match: { prefix: "/reviews" }
                route: { cluster: service1 }
                typed_per_filter_config:
                  envoy.filters.http.fault:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                    delay: { fixed_delay: 5s, percentage: { numerator: 100 } }
              - match: { prefix: "/" }
                route: { cluster: service1 }`;

describe('fault filter (integration)', () => {
  let up: Upstream;
  let px: RunningProxy;
  const clock = new ManualClock();
  before(async () => {
    up = await startUpstream('service1');
    px = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]), httpFilters: FILTERS, routes: ROUTES }), { clock });
  });
  after(async () => {
    await px?.close();
    await up.close();
  });

  it('a route\'s HTTPFault aborts that route only, with Envoy\'s body and stats', async () => {
    const r = await request({ port: px.port(), path: '/ratings/1' });
    assert.equal(r.status, 418);
    assert.equal(r.body.toString(), 'fault filter abort');
    assert.match(String(r.headers['x-weft-error']), /^WEFT_FAULT_ABORT .*route=ratings$/);
    const ok = await request({ port: px.port(), path: '/details' });
    assert.equal(ok.status, 200);
    assert.equal(up.requests.filter((q) => q.url.startsWith('/ratings')).length, 0);
    assert.match((await px.admin('/stats')).body, /^http\.ingress_http\.fault\.aborts_injected: 1$/m);
  });

  it('a route\'s fixed delay holds the request until the clock moves', async () => {
    const pending = request({ port: px.port(), path: '/reviews/1' });
    const active = () => px.proxy.ctx.stats.findGauge('http.ingress_http.fault.active_faults')?.value ?? 0;
    while (active() === 0) await new Promise((r) => setImmediate(r));
    assert.equal(up.requests.filter((q) => q.url === '/reviews/1').length, 0, 'held while delayed');
    clock.advance(5000);
    const r = await pending;
    assert.equal(r.status, 200);
    assert.equal(up.requests.filter((q) => q.url === '/reviews/1').length, 1);
    assert.match((await px.admin('/stats')).body, /^http\.ingress_http\.fault\.delays_injected: 1$/m);
  });
});
