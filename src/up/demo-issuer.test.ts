// The demo issuer: its JWKS over real HTTP verifies the tokens it writes
// (checked with `jose`, an independent JOSE library), the key survives a
// restart, the expired token is expired, and a taken port falls back.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { createLocalJWKSet, jwtVerify, decodeJwt, errors as joseErrors } from 'jose';
import { DEMO_ISSUER_DEFAULTS, DemoIssuer } from './demo-issuer.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-demo-issuer-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('demo issuer', () => {
  it('serves a JWKS that verifies its tokens; the expired one is refused as expired', async () => {
    const issuer = new DemoIssuer(path.join(dir, 'key.json'));
    await issuer.listen('127.0.0.1', 0);
    try {
      const res = await fetch(issuer.jwksUri('127.0.0.1'));
      assert.equal(res.status, 200);
      const keys = createLocalJWKSet(await res.json() as never);
      const files = issuer.writeTokens(path.join(dir, 'out'));
      const read = (f: string) => fs.readFileSync(f, 'utf8').trim();
      const { payload } = await jwtVerify(read(files.token), keys, { issuer: DEMO_ISSUER_DEFAULTS.issuer, audience: DEMO_ISSUER_DEFAULTS.audience });
      assert.equal(payload.sub, 'demo-user');
      const group = await jwtVerify(read(files.groupToken), keys, { issuer: DEMO_ISSUER_DEFAULTS.issuer });
      assert.deepEqual(group.payload.groups, ['group1']);
      await assert.rejects(jwtVerify(read(files.expiredToken), keys), joseErrors.JWTExpired);
      assert.equal((fs.statSync(files.token).mode & 0o777).toString(8), '600');
      assert.equal((await fetch(`http://127.0.0.1:${issuer.port}/other`)).status, 404);
    } finally {
      await issuer.close();
    }
  });

  it('keeps its key across restarts, so earlier tokens stay valid', async () => {
    const a = new DemoIssuer(path.join(dir, 'key2.json'));
    const token = a.mint();
    const b = new DemoIssuer(path.join(dir, 'key2.json'));
    assert.equal(a.jwks, b.jwks);
    await jwtVerify(token, createLocalJWKSet(JSON.parse(b.jwks) as never));
    assert.ok(decodeJwt(token).exp! > Date.now() / 1000);
  });

  it('takes a free port when the asked one is in use', async () => {
    const a = new DemoIssuer(path.join(dir, 'key3.json'));
    const b = new DemoIssuer(path.join(dir, 'key3.json'));
    const port = await a.listen('127.0.0.1', 0);
    try {
      const other = await b.listen('127.0.0.1', port);
      assert.notEqual(other, port);
      assert.equal((await fetch(b.jwksUri('127.0.0.1'))).status, 200);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
