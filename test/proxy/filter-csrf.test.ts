// envoy.filters.http.csrf end to end over node:http: origin checks on
// state-changing requests, shadow mode and a per-route CsrfPolicy.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { stat } from '../helpers/http-test-kit.js';
import { bootstrap, request, staticCluster, startProxy, startUpstream, type RunningProxy, type Upstream } from '../helpers/proxy-harness.js';

const FILTERS = `          - name: envoy.filters.http.csrf
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.csrf.v3.CsrfPolicy
              filter_enabled: { default_value: { numerator: 100 } }
              additional_origins: [{ exact: "partner.example.com" }]`;

const ROUTES = `              - match: { prefix: "/shadow" }
                route: { cluster: service1 }
                typed_per_filter_config:
                  envoy.filters.http.csrf:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.csrf.v3.CsrfPolicy
                    filter_enabled: { default_value: { numerator: 0 } }
                    shadow_enabled: { default_value: { numerator: 100 } }
              - match: { prefix: "/" }
                route: { cluster: service1 }`;

const P = 'http.ingress_http.csrf.';

describe('CSRF filter (integration)', () => {
  let up: Upstream;
  let px: RunningProxy;
  before(async () => {
    up = await startUpstream('service1');
    px = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]), httpFilters: FILTERS, routes: ROUTES }));
  });
  after(async () => {
    await px?.close();
    await up.close();
  });

  it('lets a same-origin POST (Origin or Referer) and an additional origin through', async () => {
    const host = `127.0.0.1:${px.port()}`;
    assert.equal((await request({ port: px.port(), method: 'POST', body: 'x', headers: { origin: `http://${host}` } })).status, 200);
    assert.equal((await request({ port: px.port(), method: 'PUT', body: 'x', headers: { referer: `http://${host}/page` } })).status, 200);
    assert.equal((await request({ port: px.port(), method: 'DELETE', headers: { origin: 'https://partner.example.com' } })).status, 200);
    assert.equal(await stat(px, `${P}request_valid`), 3);
  });

  it('refuses a cross-origin or origin-less POST with 403 "Invalid origin"; GET is not checked', async () => {
    const seen = up.requests.length;
    const r = await request({ port: px.port(), method: 'POST', body: 'x', headers: { origin: 'https://evil.example' } });
    assert.equal(r.status, 403);
    assert.equal(r.body.toString(), 'Invalid origin');
    assert.match(String(r.headers['x-weft-error']), /^WEFT_CSRF_DENIED /);
    const none = await request({ port: px.port(), method: 'PATCH', body: 'x' });
    assert.equal(none.status, 403);
    assert.equal(up.requests.length, seen);
    assert.equal((await request({ port: px.port(), headers: { origin: 'https://evil.example' } })).status, 200);
    assert.equal(await stat(px, `${P}request_invalid`), 2);
    assert.equal(await stat(px, `${P}missing_source_origin`), 1);
  });

  it('a route in shadow mode counts the invalid request and forwards it', async () => {
    const before = await stat(px, `${P}request_invalid`);
    const r = await request({ port: px.port(), path: '/shadow', method: 'POST', body: 'x', headers: { origin: 'https://evil.example' } });
    assert.equal(r.status, 200);
    assert.equal(await stat(px, `${P}request_invalid`), before + 1);
  });
});
