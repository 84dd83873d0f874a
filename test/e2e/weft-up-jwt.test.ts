// Scenario 12 end to end: `weft up` of the Bookinfo demo runs the demo JWT
// issuer (JWKS over HTTP, signed demo tokens in DIR/.weft/); the
// RequestAuthentication on productpage makes the control plane fetch that
// JWKS and productpage's sidecar verify tokens through the exposed port:
// no token passes (authentication alone never requires one), a good token
// passes, an expired or malformed one is 401. Then the scenario's
// AuthorizationPolicy (a request principal required) turns "no token" into 403.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { DEMO_ISSUER_DEFAULTS } from '../../src/up/demo-issuer.js';
import { parseAllDocuments } from 'yaml';
import { applyScenario, closeAgent, copyBookinfo, get, scenario, waitFor, WeftUpProcess, type UpState } from './bookinfo-mesh.js';

type JwtState = UpState & { demoIssuer: { issuer: string; jwksUri: string; tokens: { token: string; groupToken: string; expiredToken: string } } };

/** Scenario 12 as a user applies it, with the jwksUri of this run's issuer; `authnOnly` leaves out its AuthorizationPolicy. */
function scenario12(jwksUri: string, authnOnly = false): string {
  const text = scenario('12-jwt-productpage.yaml').replace(`http://127.0.0.1:${DEMO_ISSUER_DEFAULTS.port}${DEMO_ISSUER_DEFAULTS.jwksPath}`, jwksUri);
  if (!authnOnly) return text;
  return parseAllDocuments(text).filter((d) => (d.toJS() as { kind: string }).kind !== 'AuthorizationPolicy').map((d) => d.toString()).join('---\n');
}

describe('weft up: scenario 12, JWT on productpage', { timeout: 150_000 }, () => {
  let dir: string;
  let up: WeftUpProcess | undefined;
  let st: JwtState;
  before(async () => {
    dir = copyBookinfo();
    up = new WeftUpProcess(dir, ['--no-mtls']);
    st = (await up.ready(90_000)) as JwtState;
  });
  after(async () => {
    await up?.kill();
    closeAgent();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves the demo issuer\'s JWKS and writes tokens it verifies', async () => {
    assert.equal(st.demoIssuer.issuer, DEMO_ISSUER_DEFAULTS.issuer);
    const keys = createLocalJWKSet(await (await fetch(st.demoIssuer.jwksUri)).json() as never);
    const read = (f: string) => fs.readFileSync(f, 'utf8').trim();
    const { payload } = await jwtVerify(read(st.demoIssuer.tokens.token), keys, { issuer: DEMO_ISSUER_DEFAULTS.issuer, audience: DEMO_ISSUER_DEFAULTS.audience });
    assert.equal(payload.sub, 'demo-user');
    assert.deepEqual((await jwtVerify(read(st.demoIssuer.tokens.groupToken), keys)).payload.groups, ['group1']);
    assert.ok(up!.output().includes(`demo JWT        issuer ${DEMO_ISSUER_DEFAULTS.issuer}`), 'the banner names the issuer');
  });

  it('verifies tokens at productpage: none passes, good 200, expired and malformed 401; with the AuthorizationPolicy none is 403', async () => {
    await applyScenario(up!, { '12-jwt-productpage.yaml': scenario12(st.demoIssuer.jwksUri, true) }, 20_000);
    const edge = { port: up!.edgePort };
    const bearer = (f: string) => ({ authorization: `Bearer ${fs.readFileSync(f, 'utf8').trim()}` });
    // The control plane fetches the keys in the background and pushes them: wait (bounded) for a good token to pass.
    await waitFor(async () => (await get(edge, '/productpage', bearer(st.demoIssuer.tokens.token))).status === 200, 'a good token accepted', 20_000);
    const expired = await get(edge, '/productpage', bearer(st.demoIssuer.tokens.expiredToken));
    assert.equal(expired.status, 401);
    assert.match(expired.body, /Jwt is expired/);
    assert.equal((await get(edge, '/productpage', { authorization: 'Bearer not.a.jwt' })).status, 401);
    assert.equal((await get(edge, '/productpage', bearer(st.demoIssuer.tokens.groupToken))).status, 200);
    assert.equal((await get(edge, '/productpage')).status, 200, 'RequestAuthentication alone lets a request without a token pass');
    // The whole scenario: its AuthorizationPolicy requires a request principal.
    await applyScenario(up!, { '12-jwt-productpage.yaml': scenario12(st.demoIssuer.jwksUri) }, 20_000);
    await waitFor(async () => (await get(edge, '/productpage')).status === 403, 'no token refused by the AuthorizationPolicy', 20_000);
    const denied = await get(edge, '/productpage');
    assert.match(denied.body, /RBAC: access denied/);
    assert.equal((await get(edge, '/productpage', bearer(st.demoIssuer.tokens.token))).status, 200, 'a verified token is a request principal');
    assert.equal((await get(edge, '/productpage', bearer(st.demoIssuer.tokens.expiredToken))).status, 401);
  });
});
