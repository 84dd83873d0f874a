// envoy.filters.http.cors end to end: CorsPolicy in typed_per_filter_config
// (virtual host and route), real preflights and simple requests over node:http.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { stat } from '../helpers/http-test-kit.js';
import { bootstrap, bootstrapErrors, request, staticCluster, startProxy, startUpstream, type RunningProxy, type Upstream } from '../helpers/proxy-harness.js';

const FILTERS = `          - name: envoy.filters.http.cors
            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors }`;

const ROUTES = `              - match: { prefix: "/shadow" }
                route: { cluster: service1 }
                typed_per_filter_config:
                  envoy.filters.http.cors:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy
                    allow_origin_string_match: [{ exact: "https://app.example.com" }]
                    filter_enabled: { default_value: { numerator: 0 } }
                    shadow_enabled: { default_value: { numerator: 100 } }
              - match: { prefix: "/strict" }
                route: { cluster: service1 }
                typed_per_filter_config:
                  envoy.filters.http.cors:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy
                    allow_origin_string_match: [{ exact: "https://app.example.com" }]
                    forward_not_matching_preflights: false
              - match: { prefix: "/" }
                route: { cluster: service1 }`;

const VHOST_POLICY = `
              typed_per_filter_config:
                envoy.filters.http.cors:
                  "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy
                  allow_origin_string_match: [{ exact: "https://app.example.com" }, { suffix: ".trusted.example" }]
                  allow_methods: "GET, POST, PUT"
                  allow_headers: "content-type, x-custom"
                  expose_headers: "x-trace"
                  max_age: "600"
                  allow_credentials: true
                  allow_private_network_access: true`;

describe('CORS filter (integration)', () => {
  let up: Upstream;
  let px: RunningProxy;
  before(async () => {
    up = await startUpstream('service1', (_req, _b, res) => {
      res.setHeader('content-type', 'text/plain');
      res.setHeader('x-trace', 't1');
      res.end('hello');
    });
    // The virtual host's policy: inserted after `domains` in the harness's route_config.
    const yaml = bootstrap({ clusters: staticCluster('service1', [up.port]), httpFilters: FILTERS, routes: ROUTES })
      .replace('              domains: ["*"]', `              domains: ["*"]${VHOST_POLICY}`);
    px = await startProxy(yaml);
  });
  after(async () => {
    await px?.close();
    await up.close();
  });

  it('answers a preflight from an allowed origin itself, with the policy headers', async () => {
    const seen = up.requests.length;
    const r = await request({ port: px.port(), path: '/api', method: 'OPTIONS', headers: {
      origin: 'https://app.example.com', 'access-control-request-method': 'PUT', 'access-control-request-private-network': 'true',
    } });
    assert.equal(r.status, 200);
    assert.equal(r.headers['access-control-allow-origin'], 'https://app.example.com');
    assert.equal(r.headers['access-control-allow-methods'], 'GET, POST, PUT');
    assert.equal(r.headers['access-control-allow-headers'], 'content-type, x-custom');
    assert.equal(r.headers['access-control-max-age'], '600');
    assert.equal(r.headers['access-control-allow-credentials'], 'true');
    assert.equal(r.headers['access-control-allow-private-network'], 'true');
    assert.equal(r.headers['x-weft-error'], undefined);
    assert.equal(r.body.length, 0);
    assert.equal(up.requests.length, seen, 'the preflight did not reach the upstream');
    assert.equal(await stat(px, 'http.ingress_http.cors.origin_valid'), 1);
  });

  it('adds allow-origin, credentials and expose-headers to an allowed origin\'s actual request', async () => {
    const r = await request({ port: px.port(), path: '/api', headers: { origin: 'https://x.trusted.example' } });
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), 'hello');
    assert.equal(r.headers['access-control-allow-origin'], 'https://x.trusted.example');
    assert.equal(r.headers['access-control-allow-credentials'], 'true');
    assert.equal(r.headers['access-control-expose-headers'], 'x-trace');
  });

  it('a disallowed origin gets no CORS headers; its preflight goes upstream (forward_not_matching_preflights default)', async () => {
    const before = await stat(px, 'http.ingress_http.cors.origin_invalid');
    const seen = up.requests.length;
    const r = await request({ port: px.port(), path: '/api', method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } });
    assert.equal(r.body.toString(), 'hello');
    assert.equal(r.headers['access-control-allow-origin'], undefined);
    assert.equal(up.requests.length, seen + 1);
    const strict = await request({ port: px.port(), path: '/strict', method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } });
    assert.equal(strict.status, 200);
    assert.equal(strict.body.length, 0);
    assert.equal(strict.headers['access-control-allow-origin'], undefined);
    // Fields the route does not set come from the virtual host's policy.
    assert.equal(strict.headers['access-control-allow-methods'], 'GET, POST, PUT');
    assert.equal(up.requests.length, seen + 1, 'forward_not_matching_preflights: false answers locally');
    assert.equal(await stat(px, 'http.ingress_http.cors.origin_invalid'), before + 2);
  });

  it('the route\'s allow_origin_string_match replaces the virtual host\'s', async () => {
    const r = await request({ port: px.port(), path: '/strict', headers: { origin: 'https://x.trusted.example' } });
    assert.equal(r.headers['access-control-allow-origin'], undefined);
    const ok = await request({ port: px.port(), path: '/strict', headers: { origin: 'https://app.example.com' } });
    assert.equal(ok.headers['access-control-allow-origin'], 'https://app.example.com');
    assert.equal(ok.headers['access-control-expose-headers'], 'x-trace');
  });

  it('requests without origin are untouched; shadow mode counts without acting', async () => {
    const plain = await request({ port: px.port(), path: '/api', method: 'OPTIONS', headers: { 'access-control-request-method': 'GET' } });
    assert.equal(plain.body.toString(), 'hello');
    const valid = await stat(px, 'http.ingress_http.cors.origin_valid');
    const shadow = await request({ port: px.port(), path: '/shadow', method: 'OPTIONS', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET' } });
    assert.equal(shadow.body.toString(), 'hello');
    assert.equal(shadow.headers['access-control-allow-origin'], undefined);
    assert.equal(await stat(px, 'http.ingress_http.cors.origin_valid'), valid + 1);
  });
});

describe('CORS filter config', () => {
  it('refuses unknown CorsPolicy content with its path', () => {
    const yaml = bootstrap({ clusters: staticCluster('service1', [1]), httpFilters: FILTERS, routes: `              - match: { prefix: "/" }
                route: { cluster: service1 }
                typed_per_filter_config:
                  envoy.filters.http.cors:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy
                    max_age: "ten minutes"
                    allow_origin_string_match: [{ }]` });
    const paths = bootstrapErrors(yaml).map((e) => e.path);
    assert.ok(paths.some((p) => p.endsWith('["envoy.filters.http.cors"].max_age')), JSON.stringify(paths));
    assert.ok(paths.some((p) => p.endsWith('["envoy.filters.http.cors"].allow_origin_string_match[0]')), JSON.stringify(paths));
  });
});
