// envoy.filters.http.jwt_authn through a real weft proxy: tokens minted and
// signed by `jose` with real RSA, EC (P-256, P-384) and Ed25519 keys; a real
// upstream that records what it got; a real JWKS HTTP server behind a
// cluster for remote_jwks (fetched once, cached, kept while the server is
// down until cache_duration ends, then 401 "Jwks remote fetch is failed");
// an injected clock for exp/nbf/clock skew; RBAC after jwt_authn matching a
// nested claim through dynamic metadata.
import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import { ManualClock } from '../../src/common/clock.js';
import { bootstrap, bootstrapErrors, request, startProxy, startUpstream, staticCluster, type RunningProxy, type Upstream } from '../helpers/proxy-harness.js';
import { stat } from '../helpers/http-test-kit.js';

type Key = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
interface Signer { alg: string; kid: string; priv: Key; jwk: JWK }

async function signer(alg: string, kid: string, opts: Parameters<typeof generateKeyPair>[1] = {}): Promise<Signer> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...opts });
  return { alg, kid, priv: privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg } };
}

function mint(s: Signer, claims: JWTPayload): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: s.alg, kid: s.kid, typ: 'JWT' }).sign(s.priv);
}

const JWT = 'type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication';
const PER_ROUTE = 'type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig';
const RBAC = 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC';

describe('jwt_authn filter (integration)', { timeout: 60_000 }, () => {
  const clock = new ManualClock();
  const now = () => Math.floor(clock.wallNow() / 1000);
  let rs: Signer, ps: Signer, es256: Signer, es384: Signer, ed: Signer, remoteKey: Signer, stranger: Signer;
  let up: Upstream;
  let px: RunningProxy;
  let jwksServer: http.Server;
  let jwksHits = 0;

  before(async () => {
    rs = await signer('RS256', 'rs');
    ps = await signer('PS256', 'ps');
    es256 = await signer('ES256', 'es256');
    es384 = await signer('ES384', 'es384');
    ed = await signer('EdDSA', 'ed', { crv: 'Ed25519' });
    remoteKey = await signer('RS384', 'remote');
    // Same kid as `rs`, another key: its signatures must fail.
    stranger = await signer('RS256', 'rs');
    up = await startUpstream('app');
    jwksServer = http.createServer((_req, res) => {
      jwksHits++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [remoteKey.jwk] }));
    });
    await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
    const jwksPort = (jwksServer.address() as net.AddressInfo).port;
    const inline = (keys: JWK[]) => JSON.stringify(JSON.stringify({ keys }));
    const filters = `          - name: envoy.filters.http.jwt_authn
            typed_config:
              "@type": ${JWT}
              providers:
                rsa:
                  issuer: https://rsa.example
                  audiences: [api.example]
                  local_jwks: { inline_string: ${inline([rs.jwk, ps.jwk])} }
                  forward_payload_header: x-jwt-payload
                  payload_in_metadata: https://rsa.example
                  header_in_metadata: rsa_header
                  claim_to_headers:
                  - { header_name: x-sub, claim_name: sub }
                  - { header_name: x-tier, claim_name: nested.tier }
                  - { header_name: x-groups, claim_name: groups }
                  - { header_name: x-obj, claim_name: nested }
                ec:
                  issuer: ec.example
                  local_jwks: { inline_string: ${inline([es256.jwk, es384.jwk, ed.jwk])} }
                  from_headers: [{ name: x-ec-token }]
                  from_params: [token]
                  forward: true
                  clock_skew_seconds: 10
                remote:
                  issuer: remote.example
                  from_headers: [{ name: x-remote-token, value_prefix: "Token " }]
                  remote_jwks:
                    http_uri: { uri: "http://127.0.0.1:${jwksPort}/jwks.json", cluster: jwks, timeout: 2s }
                    cache_duration: 60s
              rules:
              - { match: { prefix: /remote }, requires: { provider_name: remote } }
              - match: { prefix: /any }
                requires: { requires_any: { requirements: [{ provider_name: rsa }, { provider_name: ec }] } }
              - match: { prefix: /all }
                requires: { requires_all: { requirements: [{ provider_name: rsa }, { provider_name: ec }] } }
              - { match: { prefix: /missing-ok }, requires: { allow_missing: {} } }
              - { match: { prefix: /failed-ok }, requires: { allow_missing_or_failed: {} } }
              - { match: { prefix: /aud }, requires: { provider_and_audiences: { provider_name: rsa, audiences: [other.example] } } }
              - { match: { prefix: /by-name }, requirement_name: ec_only }
              - { match: { prefix: /open } }
              - { match: { prefix: / }, requires: { provider_name: rsa } }
              requirement_map:
                ec_only: { provider_name: ec }
          - name: envoy.filters.http.rbac
            typed_config:
              "@type": ${RBAC}
              rules:
                action: ALLOW
                policies:
                  not-admin:
                    permissions: [{ not_rule: { url_path: { path: { prefix: /admin } } } }]
                    principals: [{ any: true }]
                  admin-role:
                    permissions: [{ url_path: { path: { prefix: /admin } } }]
                    principals:
                    - metadata:
                        filter: envoy.filters.http.jwt_authn
                        path: [{ key: https://rsa.example }, { key: nested }, { key: role }]
                        value: { string_match: { exact: admin } }`;
    const routes = `              - match: { prefix: "/public" }
                route: { cluster: service1 }
                typed_per_filter_config:
                  envoy.filters.http.jwt_authn: { "@type": ${PER_ROUTE}, disabled: true }
              - match: { prefix: "/route-ec" }
                route: { cluster: service1 }
                typed_per_filter_config:
                  envoy.filters.http.jwt_authn: { "@type": ${PER_ROUTE}, requirement_name: ec_only }
              - match: { prefix: "/route-typo" }
                route: { cluster: service1 }
                typed_per_filter_config:
                  envoy.filters.http.jwt_authn: { "@type": ${PER_ROUTE}, requirement_name: nope }
              - match: { prefix: "/" }
                route: { cluster: service1 }`;
    px = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]) + staticCluster('jwks', [jwksPort]), httpFilters: filters, routes }), { clock });
  });
  after(async () => {
    await px?.close();
    await up?.close();
    jwksServer?.closeAllConnections();
    await new Promise<void>((r) => jwksServer?.close(() => r()) ?? r());
  });

  const rsaClaims = (extra: JWTPayload = {}): JWTPayload => ({ iss: 'https://rsa.example', aud: 'api.example', sub: 'alice', exp: now() + 600, groups: ['dev', 'ops'], nested: { tier: 'gold', role: 'user' }, ...extra });
  const get = (path: string, headers: http.OutgoingHttpHeaders = {}) => request({ port: px.port(), path, headers });
  const lastUpstream = () => up.requests[up.requests.length - 1]!;

  it('a valid RS256 token passes: payload, claims and metadata forwarded; the token itself removed (forward: false)', async () => {
    const token = await mint(rs, rsaClaims());
    const before = up.requests.length;
    const r = await get('/things', { authorization: `Bearer ${token}` });
    assert.equal(r.status, 200, r.body.toString());
    assert.equal(up.requests.length, before + 1);
    const got = lastUpstream().headers;
    assert.equal(got.authorization, undefined);
    assert.equal(got['x-sub'], 'alice');
    assert.equal(got['x-tier'], 'gold');
    // Lists and objects go as base64 of their JSON, as Envoy writes them.
    assert.deepEqual(JSON.parse(Buffer.from(String(got['x-groups']), 'base64').toString()), ['dev', 'ops']);
    assert.deepEqual(JSON.parse(Buffer.from(String(got['x-obj']), 'base64').toString()), { tier: 'gold', role: 'user' });
    assert.deepEqual(JSON.parse(Buffer.from(String(got['x-jwt-payload']), 'base64url').toString()), rsaClaims({ exp: JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).exp }));
    assert.equal(String(got['x-jwt-payload']), token.split('.')[1]);
    assert.ok((await stat(px, 'http.ingress_http.jwt_authn.allowed')) >= 1);
  });

  it('PS256, ES256, ES384 and EdDSA tokens verify; a token in ?token= and one in a custom header are found', async () => {
    assert.equal((await get('/things', { authorization: `Bearer ${await mint(ps, rsaClaims())}` })).status, 200);
    for (const s of [es256, es384, ed]) {
      const t = await mint(s, { iss: 'ec.example', exp: now() + 600 });
      const r = await get('/any', { 'x-ec-token': t });
      assert.equal(r.status, 200, `${s.alg}: ${r.body.toString()}`);
      // forward: true keeps the token.
      assert.equal(lastUpstream().headers['x-ec-token'], t);
    }
    const q = await mint(es256, { iss: 'ec.example', exp: now() + 600 });
    assert.equal((await get(`/any?token=${q}`)).status, 200);
  });

  it('missing, expired, not yet valid, wrong audience, unknown issuer and bad signature get Envoy\'s status, body and www-authenticate', async () => {
    const missing = await get('/things?x=1', { host: 'app.example' });
    assert.equal(missing.status, 401);
    assert.equal(missing.body.toString(), 'Jwt is missing');
    assert.equal(missing.headers['www-authenticate'], 'Bearer realm="http://app.example/things?x=1"');
    assert.match(String(missing.headers['x-weft-error']), /^WEFT_JWT_DENIED Jwt is missing; /);
    const cases: [string, Signer, JWTPayload, number, string][] = [
      ['expired', rs, rsaClaims({ exp: now() - 120 }), 401, 'Jwt is expired'],
      ['nbf', rs, rsaClaims({ nbf: now() + 300 }), 401, 'Jwt not yet valid'],
      ['aud', rs, rsaClaims({ aud: 'someone.else' }), 403, 'Audiences in Jwt are not allowed'],
      ['iss', rs, rsaClaims({ iss: 'https://nobody.example' }), 401, 'Jwt issuer is not configured'],
      ['signature', stranger, rsaClaims(), 401, 'Jwt verification fails'],
    ];
    for (const [what, s, claims, status, body] of cases) {
      const r = await get('/things', { authorization: `Bearer ${await mint(s, claims)}` });
      assert.equal(r.status, status, what);
      assert.equal(r.body.toString(), body, what);
      assert.match(String(r.headers['www-authenticate']), /^Bearer realm="http:\/\/127\.0\.0\.1:\d+\/things", error="invalid_token"$/, what);
    }
    const malformed = await get('/things', { authorization: 'Bearer abc.def' });
    assert.equal(malformed.body.toString(), 'Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections');
    assert.ok((await stat(px, 'http.ingress_http.jwt_authn.denied')) >= 7);
  });

  it('clock skew: 60 s by default, 10 s where configured; a cached token still expires with the clock', async () => {
    const nearlyExpired = await mint(rs, rsaClaims({ exp: now() - 30 }));
    assert.equal((await get('/things', { authorization: `Bearer ${nearlyExpired}` })).status, 200);
    const ecLate = await mint(es256, { iss: 'ec.example', exp: now() - 30 });
    assert.equal((await get('/any', { 'x-ec-token': ecLate })).body.toString(), 'Jwt is expired');
    const t = await mint(rs, rsaClaims({ exp: now() + 100 }));
    assert.equal((await get('/things', { authorization: `Bearer ${t}` })).status, 200);
    const hits = await stat(px, 'http.ingress_http.jwt_authn.jwt_cache_hit');
    assert.equal((await get('/things', { authorization: `Bearer ${t}` })).status, 200);
    assert.ok((await stat(px, 'http.ingress_http.jwt_authn.jwt_cache_hit')) > hits, 'the second use came from the cache');
    clock.advance(170_000);
    assert.equal((await get('/things', { authorization: `Bearer ${t}` })).body.toString(), 'Jwt is expired');
  });

  it('requires_any, requires_all, allow_missing, allow_missing_or_failed, provider_and_audiences, requirement_name', async () => {
    const good = await mint(rs, rsaClaims());
    const ec = await mint(es256, { iss: 'ec.example', exp: now() + 600 });
    const bad = await mint(stranger, rsaClaims());
    assert.equal((await get('/any')).body.toString(), 'Jwt is missing');
    assert.equal((await get('/any', { authorization: `Bearer ${good}` })).status, 200);
    assert.equal((await get('/any', { authorization: `Bearer ${bad}` })).body.toString(), 'Jwt verification fails');
    assert.equal((await get('/all', { authorization: `Bearer ${good}` })).body.toString(), 'Jwt is missing');
    assert.equal((await get('/all', { authorization: `Bearer ${good}`, 'x-ec-token': ec })).status, 200);
    assert.equal((await get('/missing-ok')).status, 200);
    assert.equal((await get('/missing-ok', { authorization: `Bearer ${bad}` })).status, 401);
    assert.equal((await get('/failed-ok', { authorization: `Bearer ${bad}` })).status, 200);
    const before = up.requests.length;
    assert.equal((await get('/failed-ok', { authorization: `Bearer ${good}` })).status, 200);
    assert.equal(up.requests.length, before + 1);
    assert.equal(lastUpstream().headers['x-sub'], 'alice', 'a verified token still produces its outputs under allow_missing_or_failed');
    assert.equal((await get('/aud', { authorization: `Bearer ${good}` })).status, 403);
    assert.equal((await get('/aud', { authorization: `Bearer ${await mint(rs, rsaClaims({ aud: ['x', 'https://other.example/'] }))}` })).status, 200);
    assert.equal((await get('/by-name', { authorization: `Bearer ${good}` })).body.toString(), 'Jwt is missing');
    assert.equal((await get('/by-name', { 'x-ec-token': ec })).status, 200);
    assert.equal((await get('/open')).status, 200);
  });

  it('per-route: disabled skips verification; requirement_name picks from requirement_map; an unknown name is 403', async () => {
    assert.equal((await get('/public/x')).status, 200);
    assert.equal((await get('/route-ec', { authorization: `Bearer ${await mint(rs, rsaClaims())}` })).body.toString(), 'Jwt is missing');
    assert.equal((await get('/route-ec', { 'x-ec-token': await mint(ed, { iss: 'ec.example' }) })).status, 200);
    const typo = await get('/route-typo');
    assert.equal(typo.status, 403);
    assert.equal(typo.body.toString(), 'Failed JWT authentication: Wrong requirement_name: nope. It should be one of [ec_only]');
  });

  it('RBAC after jwt_authn matches a nested claim of the verified payload through dynamic metadata', async () => {
    const admin = await mint(rs, rsaClaims({ nested: { tier: 'gold', role: 'admin' } }));
    const user = await mint(rs, rsaClaims());
    assert.equal((await get('/admin/panel', { authorization: `Bearer ${admin}` })).status, 200);
    const denied = await get('/admin/panel', { authorization: `Bearer ${user}` });
    assert.equal(denied.status, 403);
    assert.equal(denied.body.toString(), 'RBAC: access denied');
  });

  it('remote_jwks: fetched once through the cluster, cached, kept while the server is down until cache_duration, then "Jwks remote fetch is failed"', async () => {
    const claims = () => ({ iss: 'remote.example', exp: now() + 3600 });
    const r1 = await get('/remote', { 'x-remote-token': `Token ${await mint(remoteKey, claims())}` });
    assert.equal(r1.status, 200, r1.body.toString());
    assert.equal(await stat(px, 'http.ingress_http.jwt_authn.jwks_fetch_success'), 1);
    assert.equal((await get('/remote', { 'x-remote-token': `Token ${await mint(remoteKey, { ...claims(), sub: 'other' })}` })).status, 200);
    assert.equal(jwksHits, 1, 'the second token used the cached keys');
    jwksServer.closeAllConnections();
    await new Promise<void>((r) => jwksServer.close(() => r()));
    clock.advance(30_000);
    assert.equal((await get('/remote', { 'x-remote-token': `Token ${await mint(remoteKey, { ...claims(), sub: 'third' })}` })).status, 200, 'keys within cache_duration keep working while the endpoint is down');
    clock.advance(31_000);
    const failed = await get('/remote', { 'x-remote-token': `Token ${await mint(remoteKey, { ...claims(), sub: 'fourth' })}` });
    assert.equal(failed.status, 401);
    assert.equal(failed.body.toString(), 'Jwks remote fetch is failed');
    assert.match(String(failed.headers['x-weft-error']), /^WEFT_JWKS_FETCH_FAILED /);
    assert.ok((await stat(px, 'http.ingress_http.jwt_authn.jwks_fetch_failed')) >= 1);
  });
});

describe('jwt_authn config errors', () => {
  it('reports every problem with its field path', () => {
    const errs = bootstrapErrors(bootstrap({
      clusters: staticCluster('service1', [1]),
      httpFilters: `          - name: envoy.filters.http.jwt_authn
            typed_config:
              "@type": ${JWT}
              providers:
                a:
                  issuer: a
                  local_jwks: { inline_string: "{\\"keys\\": []}" }
                  failed_status_in_metadata: why
                b:
                  remote_jwks:
                    http_uri: { uri: "ftp://x/jwks", cluster: jwks }
                    async_fetch: {}
              rules:
              - { match: { prefix: / }, requires: { provider_name: c } }
              - { match: { prefix: / }, requirement_name: missing }`,
    }));
    const at = (suffix: string) => errs.find((e) => e.path.endsWith(suffix));
    const p = 'http_filters[0].typed_config';
    assert.match(at(`${p}.providers["a"].local_jwks`)?.message ?? '', /invalid JWKS: Jwks doesn't have any valid public key/);
    assert.ok(at(`${p}.providers["a"].failed_status_in_metadata`));
    assert.ok(at(`${p}.providers["b"].remote_jwks.http_uri.uri`));
    assert.ok(at(`${p}.providers["b"].remote_jwks.http_uri.timeout`));
    assert.match(at(`${p}.rules[0].requires.provider_name`)?.message ?? '', /Required provider \['c'\] is not configured/);
    assert.match(at(`${p}.rules[1].requirement_name`)?.message ?? '', /Wrong requirement_name: missing/);
  });
});

describe('jwt_authn remote_jwks with async_fetch', { timeout: 30_000 }, () => {
  const clock = new ManualClock();
  let key: Signer;
  let up: Upstream;
  let px: RunningProxy;
  let server: http.Server;
  let hits = 0;
  let failing = false;

  before(async () => {
    key = await signer('ES256', 'k1');
    up = await startUpstream('app');
    server = http.createServer((_req, res) => {
      hits++;
      if (failing) {
        res.statusCode = 503;
        res.end('down');
        return;
      }
      res.end(JSON.stringify({ keys: [key.jwk] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    px = await startProxy(bootstrap({
      clusters: staticCluster('service1', [up.port]) + staticCluster('jwks', [port]),
      httpFilters: `          - name: envoy.filters.http.jwt_authn
            typed_config:
              "@type": ${JWT}
              providers:
                p:
                  issuer: async.example
                  remote_jwks:
                    http_uri: { uri: "http://127.0.0.1:${port}/keys", cluster: jwks, timeout: 2s }
                    cache_duration: 30s
                    async_fetch: { fast_listener: true, failed_refetch_duration: 2s }
              rules: [{ match: { prefix: / }, requires: { provider_name: p } }]`,
    }), { clock });
  });
  after(async () => {
    await px?.close();
    await up?.close();
    server?.closeAllConnections();
    await new Promise<void>((r) => server?.close(() => r()) ?? r());
  });

  async function until(what: string, ok: () => Promise<boolean>): Promise<void> {
    for (let i = 0; i < 200; i++) {
      if (await ok()) return;
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.fail(`timed out waiting for ${what}`);
  }

  it('refreshes the keys in the background every cache_duration while they are used, and after failed_refetch_duration when a refresh fails', async () => {
    const tok = () => mint(key, { iss: 'async.example', exp: Math.floor(clock.wallNow() / 1000) + 3600, jti: String(Math.random()) });
    assert.equal((await request({ port: px.port(), path: '/', headers: { authorization: `Bearer ${await tok()}` } })).status, 200);
    assert.equal(await stat(px, 'http.ingress_http.jwt_authn.jwks_fetch_success'), 1);
    // Used since the fetch: the refresh at cache_duration happens without a request waiting for it.
    clock.advance(30_000);
    await until('the background refresh', async () => (await stat(px, 'http.ingress_http.jwt_authn.jwks_fetch_success')) === 2);
    assert.equal(hits, 2);
    assert.equal((await request({ port: px.port(), path: '/', headers: { authorization: `Bearer ${await tok()}` } })).status, 200);
    assert.equal(hits, 2, 'the request used the refreshed keys');
    failing = true;
    clock.advance(30_000);
    await until('the failed refresh', async () => (await stat(px, 'http.ingress_http.jwt_authn.jwks_fetch_failed')) === 1);
    failing = false;
    // The keys' lifetime ended with the failed refresh: this request fetches them on demand (and marks them used).
    assert.equal((await request({ port: px.port(), path: '/', headers: { authorization: `Bearer ${await tok()}` } })).status, 200);
    assert.equal(await stat(px, 'http.ingress_http.jwt_authn.jwks_fetch_success'), 3);
    clock.advance(2_000);
    await until('the retry after failed_refetch_duration', async () => (await stat(px, 'http.ingress_http.jwt_authn.jwks_fetch_success')) === 4);
  });
});
